package query

import (
	"cmp"
	"strings"
	"time"

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

// compareNullable orders two nullable values; null comes before every value.
func compareNullable[T any](a, b *T, compare func(a, b T) int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return compare(*a, *b)
}

func compareBools(a, b bool) int { return cmp.Compare(boolRank(a), boolRank(b)) }

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fieldOrder compares one field of two stages, nulls first.
func fieldOrder(f Field) func(a, b *oppstages.Stage) int {
	switch f {
	case FieldName:
		return func(a, b *oppstages.Stage) int { return compareNullable(a.Name, b.Name, strings.Compare) }
	case FieldOrder:
		return func(a, b *oppstages.Stage) int { return compareNullable(a.Order, b.Order, cmp.Compare[int64]) }
	case FieldIsClosed:
		return func(a, b *oppstages.Stage) int { return compareNullable(a.IsClosed, b.IsClosed, compareBools) }
	case FieldCreatedAt:
		return func(a, b *oppstages.Stage) int { return a.CreatedAt.Compare(b.CreatedAt) }
	case FieldUpdatedAt:
		return func(a, b *oppstages.Stage) int { return a.UpdatedAt.Compare(b.UpdatedAt) }
	default:
		return func(a, b *oppstages.Stage) int { return cmp.Compare(a.ID, b.ID) }
	}
}

// Comparator is the sort with the id tiebreak as one function; it is never 0 for two
// different stages. Build it once per query.
func (s Sort) Comparator() func(a, b *oppstages.Stage) int {
	keys := s.WithIDTiebreak()
	fns := make([]func(a, b *oppstages.Stage) int, len(keys))
	for i, k := range keys {
		fns[i] = fieldOrder(k.Field)
	}
	return func(a, b *oppstages.Stage) int {
		for i, f := range fns {
			if c := f(a, b); c != 0 {
				if keys[i].Desc {
					return -c
				}
				return c
			}
		}
		return 0
	}
}

// Compare orders two stages by the sort with the id tiebreak.
func (s Sort) Compare(a, b *oppstages.Stage) int { return s.Comparator()(a, b) }

// PositionOf is the position of stage st in the sort.
func (s Sort) PositionOf(st *oppstages.Stage) Position {
	keys := s.WithIDTiebreak()
	p := Position{Sort: keys.String(), ID: st.ID, Values: make([]*KeyValue, len(keys))}
	for i, k := range keys {
		p.Values[i] = keyValue(st, k.Field)
	}
	return p
}

// StageAt is a stage that sits exactly at position p of the sort: the sort's fields hold
// the position's values, so the sort's comparator can compare real stages against it.
func (s Sort) StageAt(p *Position) oppstages.Stage {
	st := oppstages.Stage{ID: p.ID}
	for i, k := range s.WithIDTiebreak() {
		if i >= len(p.Values) || p.Values[i] == nil {
			continue
		}
		v := p.Values[i]
		switch {
		case k.Field == FieldName && v.Str != nil:
			st.Name = v.Str
		case k.Field == FieldOrder && v.Int != nil:
			st.Order = v.Int
		case k.Field == FieldIsClosed && v.Bool != nil:
			st.IsClosed = v.Bool
		case k.Field == FieldCreatedAt && v.Time != nil:
			st.CreatedAt = *v.Time
		case k.Field == FieldUpdatedAt && v.Time != nil:
			st.UpdatedAt = *v.Time
		case k.Field == FieldID && v.Int != nil:
			st.ID = *v.Int
		}
	}
	return st
}

// CompareToPosition orders stage st against a position of the same sort.
func (s Sort) CompareToPosition(st *oppstages.Stage, p *Position) int {
	at := s.StageAt(p)
	return s.Compare(st, &at)
}

// Matcher reports whether a stage satisfies a set of filters.
type Matcher func(st *oppstages.Stage) bool

// Compile turns conditions into one Matcher; build it once per query.
func Compile(conds []Condition) Matcher {
	fns := make([]Matcher, len(conds))
	for i, c := range conds {
		fns[i] = c.compile()
	}
	return func(st *oppstages.Stage) bool {
		for _, f := range fns {
			if !f(st) {
				return false
			}
		}
		return true
	}
}

// Match reports whether stage st satisfies the condition; null never matches.
func (c Condition) Match(st *oppstages.Stage) bool { return c.compile()(st) }

// MatchAll reports whether stage st satisfies every condition.
func MatchAll(conds []Condition, st *oppstages.Stage) bool { return Compile(conds)(st) }

func (c Condition) compile() Matcher {
	switch c.Presence {
	case IsNull:
		return func(st *oppstages.Stage) bool { return keyValue(st, c.Field) == nil }
	case IsNotNull:
		return func(st *oppstages.Stage) bool { return keyValue(st, c.Field) != nil }
	}
	kind, _ := KindOf(c.Field)
	switch kind {
	case KindInt:
		get := func(st *oppstages.Stage) *int64 { return st.Order }
		if c.Field == FieldID {
			get = func(st *oppstages.Stage) *int64 { return &st.ID }
		}
		return matchOrdered(c, get, func(v Value) int64 { return v.Int }, cmp.Compare[int64])
	case KindString:
		return matchOrdered(c, func(st *oppstages.Stage) *string { return st.Name }, func(v Value) string { return v.Str }, strings.Compare)
	case KindBool:
		return matchOrdered(c, func(st *oppstages.Stage) *bool { return st.IsClosed }, func(v Value) bool { return v.Bool }, compareBools)
	default:
		get := func(st *oppstages.Stage) *time.Time { return &st.CreatedAt }
		if c.Field == FieldUpdatedAt {
			get = func(st *oppstages.Stage) *time.Time { return &st.UpdatedAt }
		}
		if !c.IsRange {
			return matchTimes(c, get)
		}
		return matchOrdered(c, get, func(v Value) time.Time { return v.Time }, time.Time.Compare)
	}
}

// matchOrdered matches a range or a list of exact values of an ordered field.
func matchOrdered[T any](c Condition, get func(*oppstages.Stage) *T, value func(Value) T, compare func(a, b T) int) Matcher {
	if c.IsRange {
		lo, hi := value(c.Lo.Value), value(c.Hi.Value)
		// The least comparison result each end accepts: 0 for an inclusive bound, 1 for an
		// exclusive one.
		loMin, hiMin := 0, 0
		if c.Lo.Exclusive {
			loMin = 1
		}
		if c.Hi.Exclusive {
			hiMin = 1
		}
		loOpen, hiOpen := c.Lo.Open, c.Hi.Open
		return func(st *oppstages.Stage) bool {
			v := get(st)
			return v != nil && (loOpen || compare(*v, lo) >= loMin) && (hiOpen || compare(hi, *v) >= hiMin)
		}
	}
	wants := make([]T, len(c.Values))
	for i, v := range c.Values {
		wants[i] = value(v)
	}
	return func(st *oppstages.Stage) bool {
		v := get(st)
		if v == nil {
			return false
		}
		for _, w := range wants {
			if compare(*v, w) == 0 {
				return true
			}
		}
		return false
	}
}

// matchTimes matches exact date-times, or whole days for date-only values.
func matchTimes(c Condition, get func(*oppstages.Stage) *time.Time) Matcher {
	values, spans := c.Values, c.Spans
	return func(st *oppstages.Stage) bool {
		t := *get(st)
		for i, want := range values {
			if spans[i] > 0 {
				if !t.Before(want.Time) && t.Before(want.Time.Add(spans[i])) {
					return true
				}
				continue
			}
			if t.Equal(want.Time) {
				return true
			}
		}
		return false
	}
}

// Skips narrows a scan of the stages in sort order s to where conds can match, judged on
// the first sort key and the range conditions on it: before is true for a prefix of the
// order (stages that sort before every stage the conditions admit) and after for a suffix
// (stages that sort after them). Either is nil when the conditions say nothing about it.
// A window such as filter[updatedAt][gte]=a&filter[updatedAt][lte]=b sorted by updatedAt
// is then found by binary search instead of a scan from the start.
func (s Sort) Skips(conds []Condition) (before, after Matcher) {
	first := s.WithIDTiebreak()[0]
	var belowLo, aboveHi []Matcher
	for _, c := range conds {
		if c.Field != first.Field || !c.IsRange || c.Presence != AnyPresence {
			continue
		}
		if !c.Lo.Open {
			fits := Condition{Field: c.Field, IsRange: true, Lo: c.Lo, Hi: Bound{Open: true}}.compile()
			belowLo = append(belowLo, func(st *oppstages.Stage) bool { return !fits(st) }) // null or below
		}
		if !c.Hi.Open {
			fits := Condition{Field: c.Field, IsRange: true, Lo: Bound{Open: true}, Hi: c.Hi}.compile()
			f := c.Field
			aboveHi = append(aboveHi, func(st *oppstages.Stage) bool { return keyValue(st, f) != nil && !fits(st) })
		}
	}
	// Ascending, nulls come first, so stages below a lower bound form a prefix and stages
	// above an upper bound a suffix; descending, the other way round.
	before, after = anyOf(belowLo), anyOf(aboveHi)
	if first.Desc {
		before, after = after, before
	}
	return before, after
}

// anyOf is true when any of ms is; nil for none.
func anyOf(ms []Matcher) Matcher {
	if len(ms) == 0 {
		return nil
	}
	return func(st *oppstages.Stage) bool {
		for _, m := range ms {
			if m(st) {
				return true
			}
		}
		return false
	}
}
