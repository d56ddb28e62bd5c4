package contract

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// everything is every record, walked with the largest page.
func (s *session) everything(ctx context.Context) ([]resource, error) {
	all, _, err := s.walk(ctx, url.Values{}, 1000)
	return all, err
}

// checkListConforms gets the first page: every exchange is held to the spec as it
// arrives, and each record's links.self, where it has one, names the record.
func checkListConforms(ctx context.Context, s *session) error {
	page, rep, err := s.page(ctx, "/opportunityStages")
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return emptyTarget()
	}
	for _, r := range page {
		if self, ok := r.Links["self"].(string); ok && !strings.HasSuffix(self, fmt.Sprintf("/opportunityStages/%d", r.ID)) {
			return fmt.Errorf("record %d has links.self %q", r.ID, self)
		}
	}
	if rep.link("first") == "" {
		return errors.New("a non-empty list has no links.first")
	}
	return nil
}

// emptyTarget is the skip of a check that needs records where the target holds none.
func emptyTarget() skipped {
	return skipped{"the target holds no stages, so there is nothing to judge"}
}

func checkCursorWalk(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	size := smallPage(len(all))
	if len(all) <= size {
		return skipped{fmt.Sprintf("the target's %d records fit on one page of %d, so there is no cursor to follow", len(all), size)}
	}
	walked, pages, err := s.walk(ctx, url.Values{}, size)
	if err != nil {
		return err
	}
	if diff := cmp.Diff(ids(all), ids(walked)); diff != "" {
		return fmt.Errorf("walking with page[size]=%d in %d pages differs from one big page (-want +got):\n%s", size, pages, diff)
	}
	return nil
}

func checkPageSize(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	if len(all) < 2 {
		return skipped{fmt.Sprintf("the target holds %d records, so no page size can be seen to limit a page", len(all))}
	}
	for _, size := range []int{1, 2, 5} {
		page, rep, err := s.page(ctx, fmt.Sprintf("/opportunityStages?page%%5Bsize%%5D=%d", size))
		if err != nil {
			return err
		}
		if want := min(size, len(all)); len(page) != want {
			return fmt.Errorf("page[size]=%d returned %d records, want %d", size, len(page), want)
		}
		if more := len(all) > size; more != (rep.link("next") != "") {
			return fmt.Errorf("page[size]=%d of %d records: next link present = %v", size, len(all), !more)
		}
	}
	return nil
}

// sortCheck checks that sort=key (or -key) orders the non-null values, with the nulls
// together at one end.
func sortCheck(key string, desc bool) func(context.Context, *session) error {
	return func(ctx context.Context, s *session) error {
		param := key
		if desc {
			param = "-" + key
		}
		recs, _, err := s.walk(ctx, url.Values{"sort": {param}}, 1000)
		if err != nil {
			return err
		}
		return checkOrder(recs, []string{key}, []bool{desc})
	}
}

func checkTwoKeySort(ctx context.Context, s *session) error {
	recs, _, err := s.walk(ctx, url.Values{"sort": {"isClosed,-order"}}, 1000)
	if err != nil {
		return err
	}
	return checkOrder(recs, []string{"isClosed", "order"}, []bool{false, true})
}

// checkOrder reports the first adjacent pair out of order, under byte-wise or
// case-insensitive string collation (either is accepted). Records that no key tells
// apart show nothing: a check that sees no pair a key orders is skipped.
func checkOrder(recs []resource, keys []string, desc []bool) error {
	var firstErr error
	ordered := 0
	for _, fold := range []bool{false, true} {
		decided, err := orderedUnder(recs, keys, desc, fold)
		ordered = max(ordered, decided)
		if err == nil {
			if ordered == 0 {
				return skipped{fmt.Sprintf("no two of the %d records differ in %s, so there is no order to judge", len(recs), strings.Join(keys, " or "))}
			}
			return nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// orderedUnder checks the order under one collation and counts the adjacent pairs a key
// orders (a null beside a value counts: nulls come together).
func orderedUnder(recs []resource, keys []string, desc []bool, fold bool) (decided int, err error) {
	// Nulls of the first key must be contiguous at one end.
	nulls := []bool{}
	for _, r := range recs {
		nulls = append(nulls, r.value(keys[0]) == nil)
	}
	decided = countChanges(nulls)
	if decided > 1 {
		return decided, fmt.Errorf("nulls of %s are scattered through the sorted list", keys[0])
	}
	for i := 1; i < len(recs); i++ {
		a, b := recs[i-1], recs[i]
		for k, key := range keys {
			va, vb := a.value(key), b.value(key)
			if va == nil || vb == nil {
				break
			}
			c, ok := compareValues(va, vb, fold)
			if !ok {
				return decided, fmt.Errorf("%s of records %d and %d are of different kinds", key, a.ID, b.ID)
			}
			if desc[k] {
				c = -c
			}
			if c != 0 {
				decided++
			}
			if c < 0 {
				break
			}
			if c > 0 {
				return decided, fmt.Errorf("record %d (%s=%s) comes before record %d (%s=%s) in sort %s",
					a.ID, key, show(va), b.ID, key, show(vb), sortParam(keys, desc))
			}
		}
	}
	return decided, nil
}

func countChanges(v []bool) int {
	n := 0
	for i := 1; i < len(v); i++ {
		if v[i] != v[i-1] {
			n++
		}
	}
	return n
}

func sortParam(keys []string, desc []bool) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if desc[i] {
			parts[i] = "-" + k
		}
	}
	return strings.Join(parts, ",")
}

// A filter case picks a filter from the data and says which records must match it.
type filterCase func(all []resource, rng *rand.Rand) (param, value string, match func(resource) bool, ok bool)

// filterCheck checks that a filter returns exactly the records that satisfy it.
func filterCheck(pick filterCase) func(context.Context, *session) error {
	return func(ctx context.Context, s *session) error {
		all, err := s.everything(ctx)
		if err != nil {
			return err
		}
		// A draw that selects every record shows nothing; the seed's generator draws again,
		// a few times, for one that leaves some out.
		rng := rand.New(rand.NewPCG(s.cfg.Seed, 11))
		var param, value string
		var want []resource
		for draw := 0; draw < 16 && (draw == 0 || len(want) == len(all)); draw++ {
			var match func(resource) bool
			var ok bool
			param, value, match, ok = pick(all, rng)
			if !ok {
				return skipped{"the target holds no records this filter can be checked on"}
			}
			want = want[:0]
			for _, r := range all {
				if match(r) {
					want = append(want, r)
				}
			}
		}
		if len(want) == len(all) {
			return skipped{fmt.Sprintf("%s=%s selects all %d records the target holds, so it cannot show the filter working", param, value, len(all))}
		}
		got, _, err := s.walk(ctx, url.Values{param: {value}}, 1000)
		if err != nil {
			return err
		}
		if diff := cmp.Diff(sortedIDs(want), sortedIDs(got)); diff != "" {
			return fmt.Errorf("%s=%s matched other records (-want +got):\n%s", param, value, diff)
		}
		return nil
	}
}

func names(all []resource) []string {
	var out []string
	for _, r := range all {
		if n, ok := r.Attrs["name"].(string); ok && n != "" && !strings.ContainsAny(n, ",") && !strings.Contains(n, "..") && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func orders(all []resource) []float64 {
	var out []float64
	for _, r := range all {
		if o, ok := r.Attrs["order"].(float64); ok {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

func filterExact(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	ns := names(all)
	if len(ns) == 0 {
		return "", "", nil, false
	}
	n := ns[rng.IntN(len(ns))]
	return "filter[name]", n, func(r resource) bool { return r.Attrs["name"] == n }, true
}

func filterList(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	ns := names(all)
	if len(ns) < 2 {
		return "", "", nil, false
	}
	i := rng.IntN(len(ns))
	a, b := ns[i], ns[(i+1)%len(ns)]
	return "filter[name]", a + "," + b, func(r resource) bool { return r.Attrs["name"] == a || r.Attrs["name"] == b }, true
}

func inRange(v any, lo, hi *float64) bool {
	o, ok := v.(float64)
	return ok && (lo == nil || o >= *lo) && (hi == nil || o <= *hi)
}

func filterRange(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	os := orders(all)
	if len(os) == 0 {
		return "", "", nil, false
	}
	lo := os[rng.IntN(len(os))]
	hi := os[rng.IntN(len(os))]
	lo, hi = min(lo, hi), max(lo, hi)
	return "filter[order]", fmt.Sprintf("%.0f..%.0f", lo, hi), func(r resource) bool { return inRange(r.Attrs["order"], &lo, &hi) }, true
}

func filterOpenUpper(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	os := orders(all)
	if len(os) == 0 {
		return "", "", nil, false
	}
	lo := os[len(os)/2]
	return "filter[order]", fmt.Sprintf("%.0f..inf", lo), func(r resource) bool { return inRange(r.Attrs["order"], &lo, nil) }, true
}

func filterOpenLower(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	os := orders(all)
	if len(os) == 0 {
		return "", "", nil, false
	}
	hi := os[len(os)/2]
	return "filter[order]", fmt.Sprintf("neginf..%.0f", hi), func(r resource) bool { return inRange(r.Attrs["order"], nil, &hi) }, true
}

func filterBoolean(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	if len(all) == 0 {
		return "", "", nil, false
	}
	want := rng.IntN(2) == 0
	return "filter[isClosed]", fmt.Sprint(want), func(r resource) bool { return r.Attrs["isClosed"] == want }, true
}

func filterDateRange(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	var stamps []string
	for _, r := range all {
		if u, ok := r.Attrs["updatedAt"].(string); ok {
			stamps = append(stamps, u)
		}
	}
	if len(stamps) == 0 {
		return "", "", nil, false
	}
	since := stamps[rng.IntN(len(stamps))]
	return "filter[updatedAt]", since + "..inf", func(r resource) bool {
		u, ok := r.Attrs["updatedAt"].(string)
		if !ok {
			return false
		}
		c, _ := compareValues(u, since, false)
		return c >= 0
	}, true
}

func filterIDList(all []resource, rng *rand.Rand) (string, string, func(resource) bool, bool) {
	if len(all) == 0 {
		return "", "", nil, false
	}
	picked := map[int64]bool{}
	var parts []string
	for range 3 {
		id := all[rng.IntN(len(all))].ID
		if !picked[id] {
			picked[id] = true
			parts = append(parts, fmt.Sprint(id))
		}
	}
	return "filter[id]", strings.Join(parts, ","), func(r resource) bool { return picked[r.ID] }, true
}

func checkSparseFields(ctx context.Context, s *session) error {
	page, _, err := s.page(ctx, "/opportunityStages?fields%5BopportunityStage%5D=name,order&page%5Bsize%5D=20")
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return emptyTarget()
	}
	for _, r := range page {
		var got []string
		for k := range r.Attrs {
			got = append(got, k)
		}
		slices.Sort(got)
		if diff := cmp.Diff([]string{"name", "order"}, got); diff != "" {
			return fmt.Errorf("record %d: attributes with fields[opportunityStage]=name,order (-want +got):\n%s", r.ID, diff)
		}
		if len(r.Rels) != 0 {
			return fmt.Errorf("record %d carries relationships that were not asked for", r.ID)
		}
	}
	return nil
}

func creatorOf(r resource) (int64, bool) {
	c, _ := r.Rels["creator"].(map[string]any)
	data, _ := c["data"].(map[string]any)
	id, ok := data["id"].(float64)
	return int64(id), ok
}

func checkIncludeCreator(ctx context.Context, s *session) error {
	page, rep, err := s.page(ctx, "/opportunityStages?include=creator&page%5Bsize%5D=50")
	if err != nil {
		return err
	}
	want := map[int64]bool{}
	for _, r := range page {
		if id, ok := creatorOf(r); ok {
			want[id] = true
		}
	}
	if len(want) == 0 {
		return skipped{fmt.Sprintf("none of the %d records on the page names a creator to include", len(page))}
	}
	included, _ := rep.doc["included"].([]any)
	got := map[int64]bool{}
	for _, v := range included {
		u, err := asResource(v)
		if err != nil {
			return err
		}
		if u.Type != "user" {
			return fmt.Errorf("included resource %d has type %q, want user", u.ID, u.Type)
		}
		if got[u.ID] {
			return fmt.Errorf("user %d is included twice", u.ID)
		}
		got[u.ID] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		return fmt.Errorf("included users against the creators of the page (-want +got):\n%s", diff)
	}
	return nil
}

func checkCount(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	rep, err := s.get(ctx, "/opportunityStages?count=true&page%5Bsize%5D=1")
	if err != nil {
		return err
	}
	meta, _ := rep.doc["meta"].(map[string]any)
	count, ok := meta["count"].(float64)
	if !ok {
		return fmt.Errorf("count=true gave no meta.count: %s", show(meta))
	}
	if truncated, _ := meta["count_truncated"].(bool); !truncated && int(count) != len(all) {
		return fmt.Errorf("meta.count is %s, but a walk finds %d records", show(count), len(all))
	}
	return nil
}

func checkResourceMeta(ctx context.Context, s *session) error {
	page, _, err := s.page(ctx, "/opportunityStages?provideAuthorizationMeta=true&provideDataConnections=true&page%5Bsize%5D=10")
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return emptyTarget()
	}
	for _, r := range page {
		_, w := r.Meta["canWrite"].(bool)
		_, d := r.Meta["canDelete"].(bool)
		_, dc := r.Meta["dataConnections"].([]any)
		if !w || !d || !dc {
			return fmt.Errorf("record %d: meta %s lacks canWrite, canDelete or dataConnections", r.ID, show(r.Meta))
		}
	}
	recs, _, err := s.page(ctx, "/opportunityStages?page%5Bsize%5D=10")
	if err != nil {
		return err
	}
	for _, r := range recs {
		if len(r.Meta) > 0 {
			return fmt.Errorf("record %d carries meta nobody asked for: %s", r.ID, show(r.Meta))
		}
	}
	return nil
}

func checkGetMatchesList(ctx context.Context, s *session) error {
	page, _, err := s.page(ctx, "/opportunityStages?page%5Bsize%5D=5")
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return emptyTarget()
	}
	for _, listed := range page {
		one, err := s.get(ctx, fmt.Sprintf("/opportunityStages/%d", listed.ID))
		if err != nil {
			return err
		}
		got, err := one.one()
		if err != nil {
			return err
		}
		if diff := cmp.Diff(printable(listed.raw), printable(got.raw)); diff != "" {
			return fmt.Errorf("GET /opportunityStages/%d differs from the list (-list +get):\n%s", listed.ID, diff)
		}
		if id, ok := creatorOf(got); ok {
			if _, err := s.get(ctx, fmt.Sprintf("/users/%d", id)); err != nil {
				return fmt.Errorf("the creator of record %d does not resolve: %w", got.ID, err)
			}
		}
	}
	return nil
}

func checkNoToken(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages", noToken: true})
	if err != nil {
		return err
	}
	if err := expectStatus(rep, http.StatusUnauthorized, "GET without a token"); err != nil {
		return err
	}
	if said, _ := rep.doc["error"].(string); said != noAuthorization {
		return found{{Message: fmt.Sprintf("GET without a token: the gateway's 401 says error %q, the vendor's says %q", said, noAuthorization),
			Inferred: true, InferredReason: "outreach-api.md §2 [I]: the 401 body for a missing header comes from one public emulator's notes"}}
	}
	return nil
}

// noAuthorization is the error the vendor's gateway answers a request without a token with.
const noAuthorization = "No Authorization header."

func checkUnknownID(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	var top int64
	for _, r := range all {
		top = max(top, r.ID)
	}
	rep, err := s.do(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/opportunityStages/%d", top+1_000_000)})
	if err != nil {
		return err
	}
	if err := expectStatus(rep, http.StatusNotFound, "GET an unknown id"); err != nil {
		return err
	}
	if rep.firstErrorID() == "" {
		return errors.New("the 404 carries no JSON:API error")
	}
	return s.identity(rep, "GET an unknown id", errorResourceNotFound).orNil()
}

func checkBadParameter(ctx context.Context, s *session) error {
	return eachAnswers(ctx, s, http.StatusBadRequest, "page%5Bsize%5D=0", "page%5Bsize%5D=ten", "sort=notAnAttribute", "count=maybe")
}

func checkNonFilterable(ctx context.Context, s *session) error {
	return eachAnswers(ctx, s, http.StatusBadRequest, "filter%5Bcolor%5D=%23000000", "filter%5Bcreator%5D%5Bid%5D=1")
}

// eachAnswers lists with each query and requires the status for every one; it sends
// every query, also after one got no answer or another status, and reports them all.
func eachAnswers(ctx context.Context, s *session, status int, queries ...string) error {
	var problems []error
	for _, q := range queries {
		if ctx.Err() != nil {
			return errors.Join(append(problems, ctx.Err())...)
		}
		rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages?" + q})
		if err == nil {
			err = expectStatus(rep, status, "GET ?"+q)
		}
		if err != nil {
			problems = append(problems, err)
		}
	}
	return errors.Join(problems...)
}

func checkUnknownRoute(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStagez"})
	if err != nil {
		return err
	}
	if err := expectStatus(rep, http.StatusNotFound, "GET an unknown path"); err != nil {
		return err
	}
	return s.identity(rep, "GET an unknown path", errorRouteNotFound).orNil()
}

// checkUnknownField names a field the type does not have in each fieldset: the vendor
// refuses it with its error for an unknown field.
func checkUnknownField(ctx context.Context, s *session) error {
	var problems found
	for _, q := range []string{"fields%5BopportunityStage%5D=name,notAField", "include=creator&fields%5Buser%5D=notAField"} {
		rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages?" + q})
		if err != nil {
			return err
		}
		problems = append(problems, s.identity(rep, "GET ?"+readable(q), errorUnknownField)...)
	}
	return problems.orNil()
}
