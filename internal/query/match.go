package query

import (
	"cmp"
	"strings"

	"github.com/oppstages/oppstages"
)

// keyValue returns a stage's value for f, or nil when it is null.
func keyValue(s *oppstages.Stage, f Field) *KeyValue {
	switch f {
	case FieldID:
		return &KeyValue{Int: &s.ID}
	case FieldName:
		if s.Name != nil {
			return &KeyValue{Str: s.Name}
		}
	case FieldOrder:
		if s.Order != nil {
			return &KeyValue{Int: s.Order}
		}
	case FieldIsClosed:
		if s.IsClosed != nil {
			return &KeyValue{Bool: s.IsClosed}
		}
	case FieldCreatedAt:
		return &KeyValue{Time: &s.CreatedAt}
	case FieldUpdatedAt:
		return &KeyValue{Time: &s.UpdatedAt}
	}
	return nil
}

// compareValues orders two values of one field; null comes before every value.
func compareValues(a, b *KeyValue) int {
	switch {
	case a == nil || b == nil:
		return cmp.Compare(boolRank(a != nil), boolRank(b != nil))
	case a.Int != nil && b.Int != nil:
		return cmp.Compare(*a.Int, *b.Int)
	case a.Str != nil && b.Str != nil:
		return strings.Compare(*a.Str, *b.Str)
	case a.Bool != nil && b.Bool != nil:
		return cmp.Compare(boolRank(*a.Bool), boolRank(*b.Bool))
	case a.Time != nil && b.Time != nil:
		return a.Time.Compare(*b.Time)
	}
	return 0
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Compare orders two stages by the sort with the id tiebreak; it is never 0 for two
// different stages.
func (s Sort) Compare(a, b *oppstages.Stage) int {
	for _, k := range s.WithIDTiebreak() {
		c := compareValues(keyValue(a, k.Field), keyValue(b, k.Field))
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// PositionOf is the position of stage st in the sort.
func (s Sort) PositionOf(st *oppstages.Stage) Position {
	keys := s.WithIDTiebreak()
	p := Position{Sort: keys.String(), ID: st.ID, Values: make([]*KeyValue, len(keys))}
	for i, k := range keys {
		p.Values[i] = keyValue(st, k.Field)
	}
	return p
}

// CompareToPosition orders stage st against a position of the same sort.
func (s Sort) CompareToPosition(st *oppstages.Stage, p *Position) int {
	for i, k := range s.WithIDTiebreak() {
		c := compareValues(keyValue(st, k.Field), p.Values[i])
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Match reports whether stage st satisfies the condition; null never matches.
func (c Condition) Match(st *oppstages.Stage) bool {
	v := keyValue(st, c.Field)
	if v == nil {
		return false
	}
	if c.IsRange {
		return (c.Lo.Open || compareValues(v, c.boundKey(c.Lo.Value)) >= 0) &&
			(c.Hi.Open || compareValues(v, c.boundKey(c.Hi.Value)) <= 0)
	}
	for i, want := range c.Values {
		if c.Spans[i] > 0 {
			if !v.Time.Before(want.Time) && v.Time.Before(want.Time.Add(c.Spans[i])) {
				return true
			}
			continue
		}
		if compareValues(v, c.boundKey(want)) == 0 {
			return true
		}
	}
	return false
}

func (c Condition) boundKey(v Value) *KeyValue {
	kind, _ := KindOf(c.Field)
	switch kind {
	case KindInt:
		return &KeyValue{Int: &v.Int}
	case KindBool:
		return &KeyValue{Bool: &v.Bool}
	case KindTime:
		t := v.Time
		return &KeyValue{Time: &t}
	default:
		return &KeyValue{Str: &v.Str}
	}
}

// MatchAll reports whether stage st satisfies every condition.
func MatchAll(conds []Condition, st *oppstages.Stage) bool {
	for i := range conds {
		if !conds[i].Match(st) {
			return false
		}
	}
	return true
}
