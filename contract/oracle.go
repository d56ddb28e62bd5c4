package contract

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The oracle: from one full listing, the suite predicts the answer to any list query it
// sends, following the semantics openapi.yaml writes down, without asking the server.
//
//   - A filter[attr] value is an exact value, a comma list (any of), an inclusive range
//     a..b, a..inf or neginf..b, or __null__ / __notnull__. Booleans have no ranges. Given
//     twice, the parameter's last value counts.
//   - With newFilterSyntax=true, filter[attr][gte|gt|lte|lt] compares with one value and a
//     repeated filter[attr][] is an any-of list whose values are taken whole. Every filter
//     must hold, so two comparisons make a window.
//   - Names match exactly, case included; ranges and sorting compare names under a
//     collation the spec leaves open, so byte order and case-folded order both pass.
//   - A date-only value stands for its whole UTC day: as an exact value it matches the
//     day, as a lower bound (a.., gte) it starts at the day's first instant, as an upper
//     bound (..b, lte) it includes the day's last; gt is after the day, lt before it.
//   - A null matches no filter but __null__. Nulls sort before every value ascending and after
//     every value descending; ascending id breaks every tie, and is the default order.
//   - fields[type] keeps only the named attributes and relationships of that type.
//   - include=creator adds each creator of a page's records to that page's included, once.

// kind is the type of a filterable member's values.
type kind int

const (
	kindInt kind = iota
	kindString
	kindBool
	kindTime
)

// listQuery is one list request the suite can send and predict; page size and cursors
// are the walk's business, not the query's.
type listQuery struct {
	newSyntax  bool // newFilterSyntax=true
	filters    []filter
	sort       []sortKey
	fields     []string // fields[opportunityStage]; nil: not sent
	userFields []string // fields[user]; nil: not sent
	include    bool     // include=creator
	count      bool     // count=true
}

// filter is one filter parameter.
type filter struct {
	attr  string
	op    string   // "": filter[attr]; gte, gt, lte, lt: filter[attr][op]; "[]": filter[attr][]
	value string   // the value; for "[]", the first of values
	more  []string // "[]": the values after value; "": values sent before value, which it overrides
}

// The filter forms newFilterSyntax=true enables.
const anyOf = "[]"

var comparisons = []string{"gte", "gt", "lte", "lt"}

func (f filter) param() string {
	switch f.op {
	case "":
		return "filter[" + f.attr + "]"
	case anyOf:
		return "filter[" + f.attr + "][]"
	}
	return "filter[" + f.attr + "][" + f.op + "]"
}

// sent are the parameter's values in the order they are sent.
func (f filter) sent() []string {
	if f.op == anyOf {
		return append([]string{f.value}, f.more...)
	}
	return append(slices.Clone(f.more), f.value)
}

type sortKey struct {
	attr string
	desc bool
}

func (k sortKey) String() string {
	if k.desc {
		return "-" + k.attr
	}
	return k.attr
}

// values is the query's parameters.
func (q listQuery) values() url.Values {
	v := url.Values{}
	if q.newSyntax {
		v.Set("newFilterSyntax", "true")
	}
	for _, f := range q.filters {
		v[f.param()] = append(v[f.param()], f.sent()...)
	}
	if len(q.sort) > 0 {
		keys := make([]string, len(q.sort))
		for i, k := range q.sort {
			keys[i] = k.String()
		}
		v.Set("sort", strings.Join(keys, ","))
	}
	if q.fields != nil {
		v.Set("fields[opportunityStage]", strings.Join(q.fields, ","))
	}
	if q.userFields != nil {
		v.Set("fields[user]", strings.Join(q.userFields, ","))
	}
	if q.include {
		v.Set("include", "creator")
	}
	if q.count {
		v.Set("count", "true")
	}
	return v
}

// path is the request for the first page of q; size 0 leaves page[size] to the server.
func (q listQuery) path(size int) string {
	v := q.values()
	if size > 0 {
		v.Set("page[size]", strconv.Itoa(size))
	}
	if len(v) == 0 {
		return "/opportunityStages"
	}
	return "/opportunityStages?" + v.Encode()
}

// collation is how names compare in ranges and sorts.
type collation int

const (
	byteOrder collation = iota
	caseFolded
)

var collations = []collation{byteOrder, caseFolded}

// oracle predicts list answers from every record of the target.
type oracle struct {
	kinds  map[string]kind    // the filterable members
	stages []resource         // every stage, in the default order
	byID   map[int64]resource // the same stages by id
	users  map[int64]resource // every creator, by id
}

func newOracle(kinds map[string]kind, stages, users []resource) *oracle {
	o := &oracle{kinds: kinds, stages: stages, byID: map[int64]resource{}, users: map[int64]resource{}}
	for _, r := range stages {
		o.byID[r.ID] = r
	}
	for _, u := range users {
		o.users[u.ID] = u
	}
	return o
}

// expect is the records q selects, in the order q asks for, under one collation of names.
func (o *oracle) expect(q listQuery, c collation) []resource {
	var out []resource
	for _, r := range o.stages {
		if o.matchesAll(q.filters, r, c) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b resource) int { return o.compare(q.sort, a, b, c) })
	return out
}

func (o *oracle) matchesAll(fs []filter, r resource, c collation) bool {
	for _, f := range fs {
		if !o.matches(f, r, c) {
			return false
		}
	}
	return true
}

// matches reports whether record r satisfies one filter.
func (o *oracle) matches(f filter, r resource, c collation) bool {
	k := o.kinds[f.attr]
	v := r.value(f.attr)
	if f.op == "" {
		switch f.value {
		case "__null__":
			return v == nil
		case "__notnull__":
			return v != nil
		}
	}
	if v == nil {
		return false
	}
	switch f.op {
	case "":
	case anyOf:
		return slices.ContainsFunc(f.sent(), func(want string) bool { return equals(k, v, want) })
	default:
		return compares(k, v, f.op, f.value, c)
	}
	if lo, hi, isRange := strings.Cut(f.value, ".."); isRange && k != kindBool {
		return (lo == "neginf" || atLeast(k, v, lo, c)) && (hi == "inf" || atMost(k, v, hi, c))
	}
	for _, want := range strings.Split(f.value, ",") {
		if equals(k, v, want) {
			return true
		}
	}
	return false
}

// equals reports whether a record's value v is the filter value want.
func equals(k kind, v any, want string) bool {
	switch k {
	case kindTime:
		t, ok := instant(v)
		from, until, okW := span(want)
		return ok && okW && !t.Before(from) && t.Before(until)
	case kindString:
		s, ok := v.(string)
		return ok && s == want
	case kindBool:
		b, ok := v.(bool)
		return ok && strconv.FormatBool(b) == want
	default:
		n, ok := integer(v)
		w, err := strconv.ParseInt(want, 10, 64)
		return ok && err == nil && n == w
	}
}

// atLeast reports whether v >= bound; atMost whether v <= bound (a date bound covers its day).
func atLeast(k kind, v any, bound string, c collation) bool {
	if k == kindTime {
		t, ok := instant(v)
		from, _, okB := span(bound)
		return ok && okB && !t.Before(from)
	}
	x, ok := compareTo(k, v, bound, c)
	return ok && x >= 0
}

func atMost(k kind, v any, bound string, c collation) bool {
	if k == kindTime {
		t, ok := instant(v)
		_, until, okB := span(bound)
		return ok && okB && t.Before(until)
	}
	x, ok := compareTo(k, v, bound, c)
	return ok && x <= 0
}

// compares reports whether v op bound holds for a comparison operator.
func compares(k kind, v any, op, bound string, c collation) bool {
	if k == kindTime {
		t, ok := instant(v)
		from, until, okB := span(bound)
		if !ok || !okB {
			return false
		}
		switch op {
		case "gte":
			return !t.Before(from)
		case "gt":
			return !t.Before(until)
		case "lte":
			return t.Before(until)
		default:
			return t.Before(from)
		}
	}
	x, ok := compareTo(k, v, bound, c)
	switch op {
	case "gte":
		return ok && x >= 0
	case "gt":
		return ok && x > 0
	case "lte":
		return ok && x <= 0
	default:
		return ok && x < 0
	}
}

// compareTo orders a record's value against a filter value of an ordered, untimed kind.
func compareTo(k kind, v any, bound string, c collation) (int, bool) {
	if k == kindString {
		s, ok := v.(string)
		return collate(s, bound, c), ok
	}
	n, ok := integer(v)
	b, err := strconv.ParseInt(bound, 10, 64)
	return cmp.Compare(n, b), ok && err == nil
}

func collate(a, b string, c collation) int {
	if c == caseFolded {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}
	return strings.Compare(a, b)
}

// span is the instants a filter's date or date-time stands for, as [from, until): one
// instant for a date-time, the whole UTC day for a date.
func span(s string) (from, until time.Time, ok bool) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d, d.AddDate(0, 0, 1), true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, t.Add(time.Nanosecond), err == nil
}

func instant(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func integer(v any) (int64, bool) {
	f, ok := v.(float64)
	return int64(f), ok && f == float64(int64(f))
}

// compare orders two records by the sort keys, nulls first ascending, then by id.
func (o *oracle) compare(keys []sortKey, a, b resource, c collation) int {
	for _, k := range keys {
		x := compareNullsFirst(o.kinds[k.attr], a.value(k.attr), b.value(k.attr), c)
		if k.desc {
			x = -x
		}
		if x != 0 {
			return x
		}
	}
	return cmp.Compare(a.ID, b.ID)
}

func compareNullsFirst(k kind, a, b any, c collation) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch k {
	case kindTime:
		ta, _ := instant(a)
		tb, _ := instant(b)
		return ta.Compare(tb)
	case kindString:
		sa, _ := a.(string)
		sb, _ := b.(string)
		return collate(sa, sb, c)
	case kindBool:
		ba, _ := a.(bool)
		bb, _ := b.(bool)
		return cmp.Compare(rank(ba), rank(bb))
	default:
		na, _ := a.(float64)
		nb, _ := b.(float64)
		return cmp.Compare(na, nb)
	}
}

// shown is a resource object as a list answer shows it: type, id, the attributes and
// relationships that fields (nil: all) keeps, links and meta; empty members are left out,
// so an absent member and an empty one compare equal.
func shown(r resource, fields []string) map[string]any {
	keep := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			if fields == nil || slices.Contains(fields, k) {
				out[k] = v
			}
		}
		return out
	}
	out := map[string]any{"type": r.Type, "id": r.ID}
	for name, m := range map[string]map[string]any{"attributes": keep(r.Attrs), "relationships": keep(r.Rels), "links": r.Links, "meta": r.Meta} {
		if len(m) > 0 {
			out[name] = m
		}
	}
	return out
}

// included is what a page's included must hold under include=creator: each creator of
// the page's records once, shown with fields[user], ordered by id.
func (o *oracle) included(page []resource, userFields []string) []map[string]any {
	seen := map[int64]bool{}
	var out []map[string]any
	for _, r := range page {
		full, ok := o.byID[r.ID]
		if !ok {
			continue
		}
		id, ok := creatorOf(full)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		if u, ok := o.users[id]; ok {
			out = append(out, shown(u, userFields))
		} else {
			out = append(out, map[string]any{"type": "user", "id": id})
		}
	}
	slices.SortFunc(out, byShownID)
	return out
}

func byShownID(a, b map[string]any) int {
	x, _ := a["id"].(int64)
	y, _ := b["id"].(int64)
	return cmp.Compare(x, y)
}
