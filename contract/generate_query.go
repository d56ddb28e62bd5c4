package contract

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

// vocabulary is what the spec says a list query may name.
type vocabulary struct {
	kinds       map[string]kind     // filterable members: the list operation's filter[...] parameters
	comparisons map[string][]string // filter[attr][gte|gt|lte|lt] the spec lists, by attr
	anyOf       map[string]bool     // filter[attr][] lists the spec lists
	newSyntax   bool                // the spec lists newFilterSyntax
	nullTests   bool                // the list operation describes __null__ and __notnull__
	offsetPages bool                // the spec lists page[offset] and page[limit]
	sortable    []string
	stageAttrs  []string // attribute names of a stage
	stageRels   []string // relationship names of a stage
	stageFields []string // attribute and relationship names of a stage
	userFields  []string // attribute names of a user
	defaultSize int      // page[size] when none is sent
}

// vocabulary reads the filterable members and their kinds, the fieldset names and the
// default page size from the spec.
func (s *session) vocabulary() (vocabulary, error) {
	v := vocabulary{kinds: map[string]kind{}, comparisons: map[string][]string{}, anyOf: map[string]bool{}, sortable: sortable, defaultSize: 50}
	stage := s.doc.Components.Schemas["OpportunityStage"]
	user := s.doc.Components.Schemas["User"]
	if stage == nil || user == nil {
		return v, errors.New("the spec has no OpportunityStage or User schema")
	}
	attrs := members(stage.Value, "attributes")
	v.stageAttrs = slices.Sorted(maps.Keys(attrs))
	v.stageRels = slices.Sorted(maps.Keys(members(stage.Value, "relationships")))
	v.stageFields = append(slices.Clone(v.stageAttrs), v.stageRels...)
	v.userFields = slices.Sorted(maps.Keys(members(user.Value, "attributes")))
	var list *openapi3.Operation
	for _, item := range s.doc.Paths.Map() {
		if item.Get != nil && item.Get.OperationID == oppstages.OpListOpportunityStages {
			list = item.Get
		}
	}
	if list == nil {
		return v, errors.New("the spec has no listOpportunityStages operation")
	}
	v.nullTests = strings.Contains(list.Description, "__null__") && strings.Contains(list.Description, "__notnull__")
	params := map[string]bool{}
	for _, p := range list.Parameters {
		params[p.Value.Name] = true
	}
	v.newSyntax = params["newFilterSyntax"]
	v.offsetPages = params["page[offset]"] && params["page[limit]"]
	for _, p := range list.Parameters {
		name := p.Value.Name
		if name == "page[size]" && p.Value.Schema != nil {
			if d, ok := p.Value.Schema.Value.Default.(float64); ok {
				v.defaultSize = int(d)
			}
		}
		attr, ok := strings.CutPrefix(name, "filter[")
		if !ok || !strings.HasSuffix(attr, "]") {
			continue
		}
		attr = strings.TrimSuffix(attr, "]")
		if base, op, nested := strings.Cut(attr, "]["); nested {
			switch {
			case !v.newSyntax:
			case op == "":
				v.anyOf[base] = true
			case slices.Contains(comparisons, op):
				v.comparisons[base] = append(v.comparisons[base], op)
			}
			continue
		}
		if attr == "id" {
			v.kinds[attr] = kindInt
			continue
		}
		schema := attrs[attr]
		if schema == nil {
			return v, fmt.Errorf("the spec filters on %s, which is not a stage attribute", attr)
		}
		switch {
		case schema.Value.Type.Is(openapi3.TypeInteger):
			v.kinds[attr] = kindInt
		case schema.Value.Type.Is(openapi3.TypeBoolean):
			v.kinds[attr] = kindBool
		case schema.Value.Format == "date-time":
			v.kinds[attr] = kindTime
		default:
			v.kinds[attr] = kindString
		}
	}
	return v, nil
}

// members are the properties of a schema's object-valued property (attributes,
// relationships).
func members(schema *openapi3.Schema, prop string) openapi3.Schemas {
	if p := schema.Properties[prop]; p != nil && p.Value != nil {
		return p.Value.Properties
	}
	return nil
}

// queryGen draws list queries from the data: values records hold and values next to
// them, so that every bound and every near miss gets tried. The same seed and data give
// the same queries.
type queryGen struct {
	rng         *rand.Rand
	vocab       vocabulary
	oracle      *oracle             // what a filter selects, for values that must select differently
	attrs       []string            // filterable members, sorted
	values      map[string][]string // values records hold, as classic filters can write them
	wholeValues map[string][]string // values records hold, as filter[attr][] takes them whole
}

func newQueryGen(seed uint64, vocab vocabulary, o *oracle) *queryGen {
	g := &queryGen{rng: rand.New(rand.NewPCG(seed, 31)), vocab: vocab, oracle: o, values: map[string][]string{}, wholeValues: map[string][]string{}}
	g.attrs = slices.Sorted(maps.Keys(vocab.kinds))
	for _, attr := range g.attrs {
		seen := map[string]bool{}
		for _, r := range o.stages {
			if raw, ok := literal(vocab.kinds[attr], r.value(attr)); ok && !seen[raw] {
				seen[raw] = true
				g.values[attr] = append(g.values[attr], raw)
			}
			if name, ok := r.value(attr).(string); ok && name != "" && vocab.kinds[attr] == kindString {
				g.wholeValues[attr] = append(g.wholeValues[attr], name)
			}
		}
	}
	return g
}

// literal writes a record's value as a filter value; names that a filter would read as a
// list or a range (or that would run into a range's dots) cannot be written.
func literal(k kind, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, v != "" && !strings.Contains(v, ",") && !strings.Contains(v, "..") && !strings.HasSuffix(v, ".")
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		n, ok := integer(v)
		return strconv.FormatInt(n, 10), ok && k == kindInt
	}
	return "", false
}

// planned is one generated list query, the page it is walked with, and the level of each
// factor it was made from.
type planned struct {
	q      listQuery
	size   int  // page[size] or page[limit]; 0 for the server's default
	offset bool // deprecated offset pages
	row    []int
}

// plan is the run's generated queries: one for each row of the covering array of the
// vocabulary's factors, then queries of levels the seed draws, up to cases in all. The seed
// picks every value, never which levels meet.
func (g *queryGen) plan(cases int) []planned {
	fs := g.vocab.factors()
	rows := coveringArray(sizes(fs))
	for len(rows) < cases {
		row := make([]int, len(fs))
		for i, f := range fs {
			row[i] = g.rng.IntN(len(f.levels))
		}
		rows = append(rows, row)
	}
	out := make([]planned, len(rows))
	for i, row := range rows {
		out[i] = g.fromRow(fs, row)
	}
	return out
}

// fromRow makes the query of one row, drawing its values.
func (g *queryGen) fromRow(fs []factor, row []int) planned {
	p := planned{row: row}
	level := map[string]string{}
	for i, f := range fs {
		level[f.name] = f.levels[row[i]]
	}
	q := &p.q
	first := ""
	if form := level["filter"]; form != levelNone {
		first = g.attrFor(form)
		q.filters = append(q.filters, g.ofForm(form, first, q)...)
	}
	if second := level["second filter"]; second != levelNone {
		others := slices.DeleteFunc(slices.Clone(g.attrs), func(a string) bool { return a == first })
		q.filters = append(q.filters, g.classic(others[g.rng.IntN(len(others))]))
		q.newSyntax = q.newSyntax || second == secondWithNewFlag
	}
	switch level["sort"] {
	case sortAsc, sortDesc:
		q.sort = []sortKey{{attr: g.vocab.sortable[g.rng.IntN(len(g.vocab.sortable))], desc: level["sort"] == sortDesc}}
	case sortSeveral:
		for _, attr := range g.shuffled(g.vocab.sortable, 2+g.rng.IntN(2)) {
			q.sort = append(q.sort, sortKey{attr: attr, desc: g.rng.IntN(2) == 0})
		}
	}
	switch level["page"] {
	case pageOne:
		p.size = 1
	case pageSmall:
		p.size = 2 + g.rng.IntN(2)
	case pageOffset:
		p.size, p.offset = 1+g.rng.IntN(3), true
	}
	switch level["include"] {
	case includeCreator:
		q.include = true
	case includeUserFields:
		q.include = true
		q.userFields = g.pick(g.vocab.userFields, 1+g.rng.IntN(len(g.vocab.userFields)))
	}
	switch level["fields"] {
	case fieldsAttributes:
		q.fields = g.pick(g.vocab.stageAttrs, 1+g.rng.IntN(len(g.vocab.stageAttrs)))
	case fieldsRelationship:
		names := append(g.pick(g.vocab.stageAttrs, g.rng.IntN(len(g.vocab.stageAttrs)+1)), g.pick(g.vocab.stageRels, 1+g.rng.IntN(len(g.vocab.stageRels)))...)
		q.fields = slices.DeleteFunc(slices.Clone(g.vocab.stageFields), func(f string) bool { return !slices.Contains(names, f) })
	}
	q.count = level["count"] == countTrue
	return p
}

// attrFor draws a filterable member the filter form applies to.
func (g *queryGen) attrFor(form string) string {
	var fit []string
	for _, attr := range g.attrs {
		k := g.vocab.kinds[attr]
		switch form {
		case formRange, formOpenRange:
			if k == kindBool {
				continue
			}
		case formComparison, formWindow:
			if len(g.vocab.comparisons[attr]) == 0 {
				continue
			}
		case formAnyOf:
			if !g.vocab.anyOf[attr] {
				continue
			}
		}
		fit = append(fit, attr)
	}
	if len(fit) == 0 {
		fit = g.attrs
	}
	return fit[g.rng.IntN(len(fit))]
}

// ofForm draws the filters on attr of one form.
func (g *queryGen) ofForm(form, attr string, q *listQuery) []filter {
	k := g.vocab.kinds[attr]
	ops := g.vocab.comparisons[attr]
	switch form {
	case formExact:
		return []filter{{attr: attr, value: g.value(attr)}}
	case formList:
		if k == kindBool {
			return []filter{{attr: attr, value: "true,false"}}
		}
		vs := []string{g.value(attr), g.value(attr)}
		if g.rng.IntN(2) == 0 {
			vs = append(vs, g.value(attr))
		}
		return []filter{{attr: attr, value: strings.Join(vs, ",")}}
	case formRange:
		lo, hi := g.value(attr), g.value(attr)
		if g.rng.IntN(8) > 0 && boundAfter(k, lo, hi) {
			lo, hi = hi, lo
		}
		return []filter{{attr: attr, value: lo + ".." + hi}}
	case formOpenRange:
		if g.rng.IntN(2) == 0 {
			return []filter{{attr: attr, value: g.value(attr) + "..inf"}}
		}
		return []filter{{attr: attr, value: "neginf.." + g.value(attr)}}
	case formNull:
		return []filter{{attr: attr, value: g.either("__null__", "__notnull__")}}
	case formRepeated:
		return []filter{g.repeated(attr)}
	case formComparison:
		q.newSyntax = true
		return []filter{{attr: attr, op: ops[g.rng.IntN(len(ops))], value: g.value(attr)}}
	case formWindow:
		q.newSyntax = true
		lo, hi := g.value(attr), g.value(attr)
		if boundAfter(k, lo, hi) {
			lo, hi = hi, lo
		}
		return []filter{{attr: attr, op: g.either("gte", "gt"), value: lo}, {attr: attr, op: g.either("lte", "lt"), value: hi}}
	case formAnyOf:
		q.newSyntax = true
		f := filter{attr: attr, op: anyOf, value: g.whole(attr)}
		for range 1 + g.rng.IntN(2) {
			f.more = append(f.more, g.whole(attr))
		}
		return []filter{f}
	}
	return nil
}

// repeated draws filter[attr] sent twice, whose last value counts: the first value is one
// that selects other records than the last, where a few draws find one, so that a server
// that reads the first shows it.
func (g *queryGen) repeated(attr string) filter {
	f := g.classic(attr)
	selects := func(value string) []int64 {
		return ids(g.oracle.expect(listQuery{filters: []filter{{attr: attr, value: value}}}, byteOrder))
	}
	last := selects(f.value)
	earlier := g.classic(attr).value
	for range 8 {
		if !slices.Equal(selects(earlier), last) {
			break
		}
		earlier = g.classic(attr).value
	}
	f.more = []string{earlier}
	return f
}

// weighted draws a number n with probability weights[n]/sum.
func (g *queryGen) weighted(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := g.rng.IntN(total)
	for n, w := range weights {
		if x < w {
			return n
		}
		x -= w
	}
	return 0
}

// pick draws n distinct members of from, in from's order.
func (g *queryGen) pick(from []string, n int) []string {
	out := g.shuffled(from, n)
	slices.SortFunc(out, func(a, b string) int { return slices.Index(from, a) - slices.Index(from, b) })
	return out
}

// shuffled draws n distinct members of from, in random order.
func (g *queryGen) shuffled(from []string, n int) []string {
	idx := g.rng.Perm(len(from))[:min(n, len(from))]
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

func (g *queryGen) either(a, b string) string {
	if g.rng.IntN(2) == 0 {
		return a
	}
	return b
}

// whole draws a value records hold for a filter that takes its values whole: any name,
// commas and dots included.
func (g *queryGen) whole(attr string) string {
	if vs := g.wholeValues[attr]; len(vs) > 0 && g.rng.IntN(3) == 0 {
		return vs[g.rng.IntN(len(vs))]
	}
	return g.value(attr)
}

// classic draws filter[attr] in one of the classic forms.
func (g *queryGen) classic(attr string) filter {
	k := g.vocab.kinds[attr]
	if k == kindBool {
		if g.rng.IntN(3) == 0 {
			return filter{attr: attr, value: "true,false"}
		}
		return filter{attr: attr, value: g.value(attr)}
	}
	switch g.weighted(7, 4, 5, 2, 2) {
	case 0:
		return filter{attr: attr, value: g.value(attr)}
	case 1:
		vs := []string{g.value(attr), g.value(attr)}
		if g.rng.IntN(2) == 0 {
			vs = append(vs, g.value(attr))
		}
		return filter{attr: attr, value: strings.Join(vs, ",")}
	case 2:
		lo, hi := g.value(attr), g.value(attr)
		if g.rng.IntN(8) > 0 && boundAfter(k, lo, hi) {
			lo, hi = hi, lo
		}
		return filter{attr: attr, value: lo + ".." + hi}
	case 3:
		return filter{attr: attr, value: g.value(attr) + "..inf"}
	default:
		return filter{attr: attr, value: "neginf.." + g.value(attr)}
	}
}

// boundAfter reports whether a sorts after b as a filter value of kind k.
func boundAfter(k kind, a, b string) bool {
	switch k {
	case kindInt:
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return x > y
	case kindTime:
		x, _, _ := span(a)
		y, _, _ := span(b)
		return x.After(y)
	}
	return a > b
}

// value draws a filter value for attr: a value a record holds, or one next to it.
func (g *queryGen) value(attr string) string {
	k := g.vocab.kinds[attr]
	vs := g.values[attr]
	if k == kindBool {
		return strconv.FormatBool(g.rng.IntN(2) == 0)
	}
	if len(vs) == 0 { // no record holds a value: one of the kind, that selects none
		switch k {
		case kindTime:
			return time.Date(2020+g.rng.IntN(6), 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN(365)).Format(time.DateOnly)
		case kindString:
			return words[g.rng.IntN(len(words))]
		}
		return strconv.Itoa(g.rng.IntN(100))
	}
	v := vs[g.rng.IntN(len(vs))]
	switch k {
	case kindInt:
		n, _ := strconv.ParseInt(v, 10, 64)
		return strconv.FormatInt(n+int64(g.weighted(1, 3, 1))-1, 10)
	case kindTime:
		t, _, _ := span(v)
		switch g.weighted(4, 1, 1, 3, 1) {
		case 1:
			return stamp(t.Add(-time.Millisecond))
		case 2:
			return stamp(t.Add(time.Millisecond))
		case 3:
			return t.UTC().Format(time.DateOnly)
		case 4:
			return t.UTC().AddDate(0, 0, 2*g.rng.IntN(2)-1).Format(time.DateOnly)
		}
		return v
	default:
		near := v
		switch g.weighted(5, 2, 2, 1) {
		case 1:
			near = prefix(v)
		case 2:
			near = caseVariant(v)
		case 3:
			near = v + " x"
		}
		if _, ok := literal(kindString, near); !ok {
			return v
		}
		return near
	}
}

// stamp writes an instant the way the API does: UTC, milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// prefix is the first half of s, at least one character.
func prefix(s string) string {
	n := max(utf8.RuneCountInString(s)/2, 1)
	return string([]rune(s)[:n])
}

// caseVariant is s in another case: upper case, or lower case when s already is.
func caseVariant(s string) string {
	if up := strings.ToUpper(s); up != s {
		return up
	}
	return strings.ToLower(s)
}

// boundary is a query chosen for the edge it sits on.
type boundary struct {
	why string
	q   listQuery
}

// boundaries are queries at the data's edges: range bounds equal to records' own values
// (both ends inclusive), date-only bounds on a record's own day, exact names that are
// prefixes or case variants of other names.
func (g *queryGen) boundaries(stages []resource) []boundary {
	var out []boundary
	add := func(why, attr, value string) {
		out = append(out, boundary{why: why, q: listQuery{filters: []filter{{attr: attr, value: value}}}})
	}
	compare := func(why, attr string, fs ...filter) {
		if len(g.vocab.comparisons[attr]) > 0 {
			out = append(out, boundary{why: why, q: listQuery{newSyntax: true, filters: fs}})
		}
	}
	for _, attr := range g.attrs {
		vs := g.values[attr]
		if len(vs) == 0 {
			continue
		}
		switch g.vocab.kinds[attr] {
		case kindInt:
			sorted := slices.Clone(vs)
			slices.SortFunc(sorted, func(a, b string) int {
				x, _ := strconv.ParseInt(a, 10, 64)
				y, _ := strconv.ParseInt(b, 10, 64)
				return int(x - y)
			})
			i := g.rng.IntN(len(sorted))
			v, w := sorted[i], sorted[min(i+1, len(sorted)-1)]
			add(attr+" range whose both ends are one record's value", attr, v+".."+v)
			add(attr+" range between two neighbouring records' values", attr, v+".."+w)
			add(attr+" upper-open range from a record's value", attr, v+"..inf")
			add(attr+" lower-open range up to a record's value", attr, "neginf.."+v)
			compare(attr+" gte and lte on one record's value", attr, filter{attr: attr, op: "gte", value: v}, filter{attr: attr, op: "lte", value: v})
			compare(attr+" gt and lt around two neighbouring records' values", attr, filter{attr: attr, op: "gt", value: v}, filter{attr: attr, op: "lt", value: w})
		case kindTime:
			v := vs[g.rng.IntN(len(vs))]
			t, _, _ := span(v)
			day := t.UTC().Format(time.DateOnly)
			add(attr+" range whose both ends are one record's instant", attr, v+".."+v)
			add(attr+" exact instant of a record", attr, v)
			add(attr+" date-only range on a record's own day", attr, day+".."+day)
			add(attr+" date-only exact value of a record's day", attr, day)
			add(attr+" lower-open range up to a record's day", attr, "neginf.."+day)
			add(attr+" upper-open range from a record's day", attr, day+"..inf")
			compare(attr+" gte and lte on a record's own day", attr, filter{attr: attr, op: "gte", value: day}, filter{attr: attr, op: "lte", value: day})
			compare(attr+" gt a record's day", attr, filter{attr: attr, op: "gt", value: day})
			compare(attr+" lt a record's day", attr, filter{attr: attr, op: "lt", value: day})
			compare(attr+" gt and lte on one record's instant", attr, filter{attr: attr, op: "gt", value: v}, filter{attr: attr, op: "lte", value: v})
		case kindString:
			v := vs[g.rng.IntN(len(vs))]
			add(attr+" range whose both ends are one record's value", attr, v+".."+v)
			if p, ok := prefixOfAnother(vs); ok {
				add(attr+" exact value that is a prefix of another record's value", attr, p)
			}
			if c, ok := caseVariantOfAnother(vs); ok {
				add(attr+" exact value whose case variant another record holds", attr, c)
			}
			add(attr+" exact value that is the first half of a record's value", attr, prefix(v))
			add(attr+" exact value in another case than a record's", attr, caseVariant(v))
			compare(attr+" gte and lte on one record's value", attr, filter{attr: attr, op: "gte", value: v}, filter{attr: attr, op: "lte", value: v})
		}
	}
	return out
}

// prefixOfAnother finds a value that is a proper prefix of another.
func prefixOfAnother(vs []string) (string, bool) {
	for _, a := range vs {
		for _, b := range vs {
			if len(a) < len(b) && strings.HasPrefix(b, a) {
				return a, true
			}
		}
	}
	return "", false
}

// caseVariantOfAnother finds a value that another equals but for case.
func caseVariantOfAnother(vs []string) (string, bool) {
	for _, a := range vs {
		for _, b := range vs {
			if a != b && strings.EqualFold(a, b) {
				return a, true
			}
		}
	}
	return "", false
}

// plantEdges creates, in full mode, the records the data lacks for the boundaries: a name
// that another name starts with, a name that is a case variant of another (with an order
// another record holds, a tie), and a record whose name, order and isClosed are null.
// Clean-up deletes them with the rest.
func (s *session) plantEdges(ctx context.Context, stages []resource) (bool, error) {
	var names []string
	var order any
	nulls := false
	for _, r := range stages {
		if n, ok := literal(kindString, r.Attrs["name"]); ok {
			names = append(names, n)
		}
		if o := r.Attrs["order"]; o != nil && order == nil {
			order = o
		}
		nulls = nulls || (r.Attrs["name"] == nil && r.Attrs["order"] == nil && r.Attrs["isClosed"] == nil)
	}
	planted := false
	if _, ok := prefixOfAnother(names); !ok && len(names) > 0 {
		if _, err := s.create(ctx, validBody(map[string]any{"name": names[0] + " Follow-up"})); err != nil {
			return planted, fmt.Errorf("create a name that %q is a prefix of: %w", names[0], err)
		}
		planted = true
	}
	if _, ok := caseVariantOfAnother(names); !ok && len(names) > 0 {
		attrs := map[string]any{"name": caseVariant(names[0]), "isClosed": true}
		if order != nil {
			attrs["order"] = order
		}
		if _, err := s.create(ctx, validBody(attrs)); err != nil {
			return planted, fmt.Errorf("create a case variant of %q: %w", names[0], err)
		}
		planted = true
	}
	if !nulls {
		if _, err := s.create(ctx, validBody(map[string]any{"color": "#000001"})); err != nil {
			return planted, fmt.Errorf("create a stage with null name, order and isClosed: %w", err)
		}
		planted = true
	}
	return planted, nil
}
