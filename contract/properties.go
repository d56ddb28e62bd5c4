package contract

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages/internal/clip"
)

// The property checks: every list query, generated from the data with the run's seed so
// that every pair of list-parameter levels is drawn (pairwise.go), is walked to its end at
// the page its row asks for (the server's default size, size 1, 2 or 3, or offset pages),
// and each property must hold over each whole walk. A failure names the property, shrinks
// the query to the smallest one that still breaks it, and shows the ids (-want +got) and
// the seed.

// DefaultCases is how many generated queries a run walks when Config.Cases is 0; a run
// walks at least one query per row of the covering array, whatever Cases says.
const DefaultCases = 16

// maxSmallPages bounds a small-page walk on a large target: its page size grows until the
// walk takes no more requests than this.
const maxSmallPages = 100

// shrinkBudget bounds the requests spent looking for a smaller failing query.
const shrinkBudget = 150

// property is one promise every walk must keep.
type property struct {
	name     string
	boundary bool // judged on the boundary queries instead of the generated ones
	judge    func(c *corpus, want []resource, w *walked) *violation
	// shows reports whether a walk holds anything the property can be judged on; nil
	// means every walk does. A property no walk shows is skipped, not passed.
	shows func(c *corpus, want []resource, w *walked) bool
}

// violation is how one walk breaks a property.
type violation struct {
	problem string
	diff    string // -want +got
}

var properties = []property{
	{name: "property/records", judge: judgeRecords},
	{name: "property/order", judge: judgeOrder, shows: showsOrder},
	{name: "property/each-once", judge: judgeEachOnce, shows: holdsRecords},
	{name: "property/links", judge: judgeLinks, shows: holdsRecordsOrLinks},
	{name: "property/count", judge: judgeCount, shows: holdsPages},
	{name: "property/fields", judge: judgeFields, shows: showsFields},
	{name: "property/include", judge: judgeInclude, shows: holdsRecords},
	{name: "property/links-followed", judge: judgeLinksFollowed, shows: holdsRecordsOrLinks},
	{name: "property/boundaries", boundary: true, judge: judgeRecords},
}

// propertyChecks are the property checks, in the order they run; none writes.
func propertyChecks() []check {
	out := make([]check, len(properties))
	for i, p := range properties {
		out[i] = check{name: p.name, run: p.check}
	}
	return out
}

// walked is one query walked from its first page along links.next to its end.
type walked struct {
	q      listQuery
	size   int    // page[size], 0 for the server's default
	offset bool   // deprecated offset pages: page[offset] and page[limit] instead of page[size]
	from   string // where the query came from: "query 7", or a boundary's reason
	pages  []walkedPage
	broke  string // why the walk stopped before a last page, if it did
	// followed are the pages the walk's links other than next led to, fetched once per run
	// (walkedFollowed), for property/links-followed to judge.
	followed []Exchange
}

type walkedPage struct {
	exchange Exchange
	path     string
	broke    string // why the answer is no page: a status other than 200, or no list
	recs     []resource
	included []resource
	links    map[string]string // the document's links
	paths    map[string]string // each link as a path below the API root; "" for one that is not
	meta     map[string]any
}

// linkNames are the links a page may carry; last only with offset pages.
var linkNames = []string{"first", "prev", "next", "last"}

// firstPage is the request for the walk's first page.
func (w *walked) firstPage() string {
	if !w.offset {
		return w.q.path(w.size)
	}
	v := w.q.values()
	v.Set("page[offset]", "0")
	v.Set("page[limit]", strconv.Itoa(w.size))
	return "/opportunityStages?" + v.Encode()
}

// ids are the records of the walk, in the order the pages gave them.
func (w *walked) ids() []int64 {
	var out []int64
	for _, p := range w.pages {
		out = append(out, ids(p.recs)...)
	}
	return out
}

// corpus is what the property checks share: the oracle and every walk, made once per
// run by the first property check that runs.
type corpus struct {
	vocab  vocabulary
	oracle *oracle
	walks  []*walked
	cases  int
	err    error
	listed []Exchange // the full listing's pages, which the oracle predicts from
	sent   []Exchange // every exchange of a corpus that could not be made

	expected map[expectKey][]resource
	pages    map[string]*walkedPage // every page fetched for the corpus, by path
	drawn    *pairSet               // the pairs of levels the walked queries drew
}

type expectKey struct {
	query string
	coll  collation
}

// expect is the oracle's answer to q, computed once per query and collation.
func (c *corpus) expect(q listQuery, coll collation) []resource {
	key := expectKey{q.path(0), coll}
	if want, ok := c.expected[key]; ok {
		return want
	}
	if c.expected == nil {
		c.expected = map[expectKey][]resource{}
	}
	want := c.oracle.expect(q, coll)
	c.expected[key] = want
	return want
}

func (s *session) cases() int {
	if s.cfg.Cases > 0 {
		return s.cfg.Cases
	}
	return DefaultCases
}

// propertyCorpus fetches the data, builds the oracle and walks every query, once. Its
// exchanges are not the running check's own: each property check names those it judged.
func (s *session) propertyCorpus(ctx context.Context) (*corpus, error) {
	if s.corpus != nil {
		if s.corpus.err != nil { // the exchanges that show why, as the first check named them
			s.current.Requests = append(s.current.Requests, s.corpus.sent...)
		}
		return s.corpus, s.corpus.err
	}
	c := &corpus{cases: s.cases()}
	before := len(s.current.Requests)
	c.err = s.fillCorpus(ctx, c)
	if c.err == nil {
		s.current.Requests = s.current.Requests[:before]
	} else {
		c.sent = slices.Clone(s.current.Requests[before:])
	}
	if ctx.Err() == nil {
		s.corpus = c
	}
	return c, c.err
}

func (s *session) fillCorpus(ctx context.Context, c *corpus) error {
	var err error
	if c.vocab, err = s.vocabulary(); err != nil {
		return err
	}
	stages, users, listed, err := s.listing(ctx)
	if err != nil {
		return err
	}
	if s.mode == Full {
		planted, err := s.plantEdges(ctx, stages)
		if err != nil {
			return err
		}
		if planted {
			if stages, users, listed, err = s.listing(ctx); err != nil {
				return err
			}
		}
	}
	if len(stages) == 0 {
		return skipped{"the target holds no stages to query, so there is nothing to judge"}
	}
	c.listed = listed
	c.oracle = newOracle(c.vocab.kinds, stages, users)
	gen := newQueryGen(s.cfg.Seed, c.vocab, c.oracle)
	c.drawn = newPairSet(sizes(c.vocab.factors()))
	for i, p := range gen.plan(c.cases) {
		size := p.size
		if n := len(c.expect(p.q, byteOrder)); size > 0 && n > size*maxSmallPages {
			size = (n + maxSmallPages - 1) / maxSmallPages
		}
		w, err := s.walkQuery(ctx, c, p.q, size, p.offset)
		if err != nil {
			return err
		}
		w.from = fmt.Sprintf("query %d", i+1)
		c.walks = append(c.walks, w)
		c.drawn.add(p.row)
	}
	for _, b := range gen.boundaries(stages) {
		w, err := s.walkQuery(ctx, c, b.q, 0, false)
		if err != nil {
			return err
		}
		w.from = "boundary: " + b.why
		c.walks = append(c.walks, w)
	}
	return nil
}

// listing is every stage in the default order and every creator, with the largest page,
// and the exchanges that fetched them.
func (s *session) listing(ctx context.Context) (stages, users []resource, listed []Exchange, err error) {
	path := (listQuery{include: true}).path(1000)
	seen := map[int64]bool{}
	for pages := 1; ; pages++ {
		page, rep, err := s.page(ctx, path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("the full listing: %w", err)
		}
		listed = append(listed, rep.exchange)
		stages = append(stages, page...)
		included, _ := rep.doc["included"].([]any)
		for _, v := range included {
			u, err := asResource(v)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("the full listing's included: %w", err)
			}
			if !seen[u.ID] {
				seen[u.ID] = true
				users = append(users, u)
			}
		}
		next := rep.link("next")
		if next == "" || len(page) == 0 {
			return stages, users, listed, nil
		}
		if pages >= walkLimit {
			return nil, nil, nil, fmt.Errorf("the full listing did not end after %d pages", pages)
		}
		if path, err = s.relative(next); err != nil {
			return nil, nil, nil, err
		}
	}
}

// walkQuery walks q from its first page to its end, then follows the links of its pages
// other than next. Only a request that could not be sent is an error; whatever the server
// answers is kept for the properties to judge.
func (s *session) walkQuery(ctx context.Context, c *corpus, q listQuery, size int, offset bool) (*walked, error) {
	w := &walked{q: q, size: size, offset: offset}
	limit := len(c.oracle.stages) + 3 // more pages than records means the walk goes round
	fetched := map[string]bool{}
	path := w.firstPage()
	for {
		if fetched[path] {
			w.broke = "links.next leads back to a page already fetched: " + readable(path)
			break
		}
		fetched[path] = true
		p, err := s.fetchPage(ctx, c, path)
		if err != nil {
			return nil, err
		}
		if p.broke != "" {
			w.broke = p.broke
			break
		}
		w.pages = append(w.pages, *p)
		next := p.links["next"]
		if next == "" {
			break
		}
		if len(w.pages) >= limit {
			w.broke = fmt.Sprintf("the walk did not end after %d pages", len(w.pages))
			break
		}
		if path = p.paths["next"]; path == "" {
			_, err := s.relative(next)
			w.broke = err.Error()
			break
		}
	}
	return w, s.followWalk(ctx, c, w)
}

// fetchPage gets one list page and remembers it in the corpus by its path.
func (s *session) fetchPage(ctx context.Context, c *corpus, path string) (*walkedPage, error) {
	rep, err := s.do(ctx, request{method: "GET", path: path})
	if err != nil {
		return nil, err
	}
	p := &walkedPage{exchange: rep.exchange, path: path, links: map[string]string{}, paths: map[string]string{}}
	if c.pages == nil {
		c.pages = map[string]*walkedPage{}
	}
	c.pages[path] = p
	if rep.status != 200 {
		p.broke = fmt.Sprintf("GET %s answered %d: %s", readable(path), rep.status, clip.To(string(rep.body), 300))
		return p, nil
	}
	if p.recs, err = rep.many(); err != nil {
		p.broke = fmt.Sprintf("GET %s: %v", readable(path), err)
		return p, nil
	}
	included, _ := rep.doc["included"].([]any)
	for _, v := range included {
		if u, err := asResource(v); err == nil {
			p.included = append(p.included, u)
		}
	}
	for _, name := range linkNames {
		p.links[name] = rep.link(name)
		if p.links[name] != "" {
			p.paths[name], _ = s.relative(p.links[name])
		}
	}
	p.meta, _ = rep.doc["meta"].(map[string]any)
	return p, nil
}

// violated judges a walk under each collation of names; the property holds when one
// collation satisfies it. shown reports whether the walk held anything to judge.
func (p property) violated(c *corpus, w *walked) (v *violation, shown bool) {
	var first *violation
	var tried [][]int64
	for _, coll := range collations {
		want := c.expect(w.q, coll)
		if slices.ContainsFunc(tried, func(t []int64) bool { return slices.Equal(t, ids(want)) }) {
			continue
		}
		tried = append(tried, ids(want))
		shown = shown || p.shows == nil || p.shows(c, want, w)
		v := p.judge(c, want, w)
		if v == nil {
			return nil, shown
		}
		if first == nil {
			first = v
		}
	}
	return first, true
}

// check judges every walk of the corpus and explains the first that breaks the property.
// It names as its requests the full listing and the pages of every walk it judged.
func (p property) check(ctx context.Context, s *session) error {
	c, err := s.propertyCorpus(ctx)
	if err != nil {
		return err
	}
	evidence := slices.Clone(c.listed)
	defer func() { s.current.Requests = append(evidence, s.current.Requests...) }()
	judged, broken, walks := 0, 0, 0
	var first *walked
	var why *violation
	for _, w := range c.walks {
		if strings.HasPrefix(w.from, "boundary: ") != p.boundary {
			continue
		}
		walks++
		v, shown := p.violated(c, w)
		if !shown {
			continue
		}
		judged++
		for _, page := range w.pages {
			evidence = append(evidence, page.exchange)
		}
		evidence = append(evidence, w.followed...)
		if v != nil {
			broken++
			if first == nil {
				first, why = w, v
			}
		}
	}
	if judged == 0 {
		return skipped{fmt.Sprintf("none of the %d walks held anything to judge %s on", walks, p.name)}
	}
	if first == nil {
		return nil
	}
	small, smallWhy, err := s.shrink(ctx, c, p, first, why)
	if err != nil {
		return err
	}
	return p.explain(s, first, small, smallWhy, broken, judged)
}

// shrink looks for a smaller query that still breaks the property at the same page size:
// one filter, list value, sort key, fieldset, include or count fewer at a time.
func (s *session) shrink(ctx context.Context, c *corpus, p property, w *walked, v *violation) (*walked, *violation, error) {
	stop := len(s.exchanges.seen) + shrinkBudget
	for progress := true; progress; {
		progress = false
		for _, q := range simpler(w.q) {
			if len(s.exchanges.seen) >= stop {
				return w, v, nil
			}
			cw, err := s.walkQuery(ctx, c, q, w.size, w.offset)
			if err != nil {
				return nil, nil, err
			}
			cw.from = w.from
			if cv, _ := p.violated(c, cw); cv != nil {
				w, v, progress = cw, cv, true
				break
			}
		}
	}
	return w, v, nil
}

// simpler lists the queries one step smaller than q.
func simpler(q listQuery) []listQuery {
	var out []listQuery
	with := func(i int, f filter) listQuery {
		changed := q
		changed.filters = slices.Clone(q.filters)
		changed.filters[i] = f
		return changed
	}
	for i, f := range q.filters {
		less := q
		less.filters = slices.Delete(slices.Clone(q.filters), i, i+1)
		out = append(out, less)
		switch {
		case f.op == anyOf:
			values := f.sent()
			for j := range values {
				if rest := slices.Delete(slices.Clone(values), j, j+1); len(rest) > 0 {
					out = append(out, with(i, filter{attr: f.attr, op: anyOf, value: rest[0], more: rest[1:]}))
				}
			}
		case f.op == "" && len(f.more) > 0:
			out = append(out, with(i, filter{attr: f.attr, value: f.value}))
		case f.op == "" && !strings.Contains(f.value, ".."):
			if parts := strings.Split(f.value, ","); len(parts) > 1 {
				for j := range parts {
					out = append(out, with(i, filter{attr: f.attr, value: strings.Join(slices.Delete(slices.Clone(parts), j, j+1), ",")}))
				}
			}
		}
	}
	if q.newSyntax && !slices.ContainsFunc(q.filters, func(f filter) bool { return f.op != "" }) {
		less := q
		less.newSyntax = false
		out = append(out, less)
	}
	for i := range q.sort {
		less := q
		less.sort = slices.Delete(slices.Clone(q.sort), i, i+1)
		out = append(out, less)
	}
	if q.fields != nil {
		less := q
		less.fields = nil
		out = append(out, less)
	}
	if q.userFields != nil {
		less := q
		less.userFields = nil
		out = append(out, less)
	}
	if q.include {
		less := q
		less.include, less.userFields = false, nil
		out = append(out, less)
	}
	if q.count {
		less := q
		less.count = false
		out = append(out, less)
	}
	return out
}

func (p property) explain(s *session, first, small *walked, v *violation, broken, judged int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d walks break it (seed %d, %d cases)\n", p.name, broken, judged, s.cfg.Seed, s.cases())
	fmt.Fprintf(&b, "smallest request that shows it: GET %s, walked along links.next\n", readable(small.firstPage()))
	if first.firstPage() != small.firstPage() {
		fmt.Fprintf(&b, "shrunk from %s: GET %s\n", first.from, readable(first.firstPage()))
	} else {
		fmt.Fprintf(&b, "found as %s\n", first.from)
	}
	b.WriteString(v.problem)
	if v.diff != "" {
		fmt.Fprintf(&b, " (-want +got):\n%s", strings.TrimRight(v.diff, "\n"))
	}
	fmt.Fprintf(&b, "\nreproduce with -seed %d -cases %d -run '^%s$'", s.cfg.Seed, s.cases(), p.name)
	return fmt.Errorf("%s", b.String())
}

// readable shows a request path with its brackets unescaped.
func readable(path string) string {
	return strings.NewReplacer("%5B", "[", "%5D", "]", "%2C", ",", "%3A", ":").Replace(path)
}

// judgeRecords: the pages together hold exactly the records the query selects.
func judgeRecords(c *corpus, want []resource, w *walked) *violation {
	if w.broke != "" {
		return &violation{problem: "the walk broke off: " + w.broke}
	}
	got := slices.Compact(slices.Sorted(slices.Values(w.ids())))
	if diff := cmp.Diff(sortedIDs(want), got, cmpopts.EquateEmpty()); diff != "" {
		return &violation{problem: "the walk returned other records than the query selects; ids", diff: diff}
	}
	return nil
}

// judgeOrder: the records come in the order the sort asks for, nulls first ascending, id
// breaking ties. Only records both expected and returned are compared, so a missing or
// extra record is property/records' business.
func judgeOrder(c *corpus, want []resource, w *walked) *violation {
	expected := map[int64]bool{}
	for _, r := range want {
		expected[r.ID] = true
	}
	returned := map[int64]bool{}
	var got []int64
	for _, id := range w.ids() {
		if expected[id] && !returned[id] {
			got = append(got, id)
		}
		returned[id] = true
	}
	var wantIDs []int64
	for _, r := range want {
		if returned[r.ID] {
			wantIDs = append(wantIDs, r.ID)
		}
	}
	if diff := cmp.Diff(wantIDs, got, cmpopts.EquateEmpty()); diff != "" {
		return &violation{problem: "the records came in another order than sort=" + w.q.values().Get("sort") + " (then id) asks for; ids in order", diff: diff}
	}
	return nil
}

// judgeEachOnce: every record comes once, no page holds more than its size, the walk ends
// and every links.next leads to records.
func judgeEachOnce(c *corpus, want []resource, w *walked) *violation {
	v := pagesBroken(c, w)
	if v != nil {
		v.problem += "; ids in walk order"
		v.diff = cmp.Diff(ids(want), w.ids(), cmpopts.EquateEmpty())
	}
	return v
}

func pagesBroken(c *corpus, w *walked) *violation {
	if strings.HasPrefix(w.broke, "links.next leads back") || strings.HasPrefix(w.broke, "the walk did not end") {
		return &violation{problem: w.broke}
	}
	size := w.size
	if size == 0 {
		size = c.vocab.defaultSize
	}
	seen := map[int64]int{}
	for i, p := range w.pages {
		if len(p.recs) > size {
			return &violation{problem: fmt.Sprintf("page %d (GET %s) holds %d records, more than its size %d", i+1, readable(p.path), len(p.recs), size)}
		}
		if i > 0 && len(p.recs) == 0 {
			return &violation{problem: fmt.Sprintf("links.next of page %d led to an empty page (GET %s)", i, readable(p.path))}
		}
		for _, r := range p.recs {
			if at, dup := seen[r.ID]; dup {
				return &violation{problem: fmt.Sprintf("record %d came twice, on page %d and on page %d (GET %s)", r.ID, at, i+1, readable(p.path))}
			}
			seen[r.ID] = i + 1
		}
	}
	return nil
}

// judgeLinks: links.first, prev and next repeat the query, every filter, sort, fieldset,
// include and count, and the page size.
func judgeLinks(c *corpus, want []resource, w *walked) *violation {
	asked := lastWins(w.q.values())
	for i, p := range w.pages {
		if i == 0 && len(p.recs) > 0 && p.links["first"] == "" {
			return &violation{problem: "the first page holds records but no links.first"}
		}
		for _, name := range linkNames {
			link := p.links[name]
			if link == "" {
				continue
			}
			u, err := url.Parse(link)
			if err != nil {
				return &violation{problem: fmt.Sprintf("links.%s of page %d is not a URL: %v", name, i+1, err)}
			}
			got := lastWins(u.Query())
			got.Del("page[after]")
			got.Del("page[before]")
			expected := cloneQuery(asked)
			switch {
			case w.offset:
				got.Del("page[offset]")
				expected.Set("page[limit]", strconv.Itoa(w.size))
			case w.size > 0:
				expected.Set("page[size]", strconv.Itoa(w.size))
			case got.Get("page[size]") == strconv.Itoa(c.vocab.defaultSize):
				expected.Set("page[size]", got.Get("page[size]"))
			}
			if !reflect.DeepEqual(expected, got) {
				diff := cmp.Diff(expected, got)
				return &violation{problem: fmt.Sprintf("links.%s of page %d (GET %s) does not repeat the query; parameters", name, i+1, readable(p.path)), diff: diff}
			}
		}
	}
	return nil
}

// judgeCount: with count=true every page's meta.count is the number of records the query
// selects (unless count_truncated); without it there is no count.
func judgeCount(c *corpus, want []resource, w *walked) *violation {
	var wantCounts, gotCounts []int
	for _, p := range w.pages {
		count, has := p.meta["count"].(float64)
		if !w.q.count {
			if has {
				return &violation{problem: fmt.Sprintf("GET %s carries meta.count without count=true", readable(p.path))}
			}
			continue
		}
		if truncated, _ := p.meta["count_truncated"].(bool); truncated {
			continue
		}
		if !has {
			count = -1
		}
		wantCounts, gotCounts = append(wantCounts, len(want)), append(gotCounts, int(count))
	}
	if diff := cmp.Diff(wantCounts, gotCounts, cmpopts.EquateEmpty()); diff != "" {
		return &violation{problem: "meta.count on each page against the number of records the query selects (-1: no count)", diff: diff}
	}
	return nil
}

// judgeFields: each record carries exactly the members fields[opportunityStage] keeps (all
// without it), with the values of the full listing.
func judgeFields(c *corpus, want []resource, w *walked) *violation {
	for i, p := range w.pages {
		for _, r := range p.recs {
			full, ok := c.oracle.byID[r.ID]
			if !ok {
				continue
			}
			if want, got := shown(full, w.q.fields), shown(r, nil); !reflect.DeepEqual(want, got) {
				diff := cmp.Diff(printable(want), printable(got))
				return &violation{problem: fmt.Sprintf("record %d on page %d (GET %s) is not the full listing's record cut to fields[opportunityStage]=%s",
					r.ID, i+1, readable(p.path), w.q.values().Get("fields[opportunityStage]")), diff: diff}
			}
		}
	}
	return nil
}

// judgeInclude: with include=creator each page's included holds each creator of its
// records once, cut to fields[user]; without it there is nothing included.
func judgeInclude(c *corpus, want []resource, w *walked) *violation {
	for i, p := range w.pages {
		var got []map[string]any
		for _, u := range p.included {
			got = append(got, shown(u, nil))
		}
		slices.SortStableFunc(got, byShownID)
		var expected []map[string]any
		if w.q.include {
			expected = c.oracle.included(p.recs, w.q.userFields)
		}
		if diff := cmp.Diff(shownIDs(expected), shownIDs(got)); diff != "" {
			return &violation{problem: fmt.Sprintf("included users of page %d (GET %s) against the creators of its records; ids", i+1, readable(p.path)), diff: diff}
		}
		if diff := cmp.Diff(printableMaps(expected), printableMaps(got), cmpopts.EquateEmpty()); diff != "" {
			return &violation{problem: fmt.Sprintf("included users of page %d (GET %s) against the full listing's, cut to fields[user]", i+1, readable(p.path)), diff: diff}
		}
	}
	return nil
}

// lastWins is a query as the server reads it: a parameter given more than once counts
// with its last value, except filter[attr][] lists, which keep them all.
func lastWins(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		if len(vs) > 1 && !strings.HasSuffix(k, "[]") {
			vs = vs[len(vs)-1:]
		}
		out[k] = vs
	}
	return out
}

func shownIDs(ms []map[string]any) []int64 {
	out := []int64{}
	for _, m := range ms {
		id, _ := m["id"].(int64)
		out = append(out, id)
	}
	return out
}

// showsOrder: at least two of the records the query selects came back, so they have an
// order to judge.
func showsOrder(c *corpus, want []resource, w *walked) bool {
	expected := map[int64]bool{}
	for _, r := range want {
		expected[r.ID] = true
	}
	both := 0
	for _, id := range w.ids() {
		if expected[id] {
			both++
		}
	}
	return both >= 2
}

// holdsRecords: a page of the walk holds records.
func holdsRecords(c *corpus, want []resource, w *walked) bool {
	return slices.ContainsFunc(w.pages, func(p walkedPage) bool { return len(p.recs) > 0 })
}

// holdsRecordsOrLinks: a page of the walk holds records or links.
func holdsRecordsOrLinks(c *corpus, want []resource, w *walked) bool {
	return slices.ContainsFunc(w.pages, func(p walkedPage) bool {
		return len(p.recs) > 0 || slices.ContainsFunc(linkNames, func(name string) bool { return p.links[name] != "" })
	})
}

// holdsPages: the walk got at least one page.
func holdsPages(c *corpus, want []resource, w *walked) bool { return len(w.pages) > 0 }

// showsFields: a record of the walk is in the full listing, to be compared with it.
func showsFields(c *corpus, want []resource, w *walked) bool {
	return slices.ContainsFunc(w.pages, func(p walkedPage) bool {
		return slices.ContainsFunc(p.recs, func(r resource) bool { _, ok := c.oracle.byID[r.ID]; return ok })
	})
}
