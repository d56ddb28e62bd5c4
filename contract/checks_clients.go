package contract

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The request forms long-running clients send: parameters repeated, the newFilterSyntax
// operators and lists, null tests and deprecated offset pages, and the forms Rails lets
// through (checks_lenient.go). Each check compares a form with one whose answer the other
// checks vouch for, so a run against the real API shows where the mock's guesses about
// these forms are wrong. All are read-only but the two that post a body.

// clientChecks lists the checks of the forms real clients send.
func clientChecks() []check {
	return []check{
		{name: "clients/repeated-parameters-appended-to-next", run: checkAppendedToNext},
		{name: "clients/repeated-parameter-last-wins", run: checkLastWins},
		{name: "clients/new-syntax/order-window", run: checkOrderWindow},
		{name: "clients/new-syntax/strict-bounds", run: checkStrictBounds},
		{name: "clients/new-syntax/date-window", run: checkDateWindow},
		{name: "clients/new-syntax/any-of-list", run: checkAnyOfList},
		{name: "clients/new-syntax/needs-flag", run: checkNeedsFlag},
		{name: "clients/null-filters", run: checkNullFilters},
		{name: "clients/offset-pages", run: checkOffsetPages},
		{name: "clients/offset-mixed-with-cursor", run: checkOffsetMixedWithCursor},
		{name: "clients/trailing-slash", run: checkTrailingSlash},
		{name: "clients/api-root", run: checkAPIRoot},
		{name: "clients/blank-parameters", run: checkBlankParameters},
		{name: "clients/json-media-type", writes: true, run: checkJSONMediaType},
		{name: "clients/trailing-bytes", writes: true, run: checkTrailingBytes},
	}
}

// rng is the check's random source, the same for the same seed.
func (s *session) rng(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(s.cfg.Seed, stream)) }

// sameRecords walks both queries with small pages and requires the same records.
func (s *session) sameRecords(ctx context.Context, want, got url.Values) error {
	expected, _, err := s.walk(ctx, want, 1000)
	if err != nil {
		return err
	}
	actual, pages, err := s.walk(ctx, got, smallPage(len(expected)))
	if err != nil {
		return err
	}
	if diff := cmp.Diff(sortedIDs(expected), sortedIDs(actual)); diff != "" {
		return fmt.Errorf("%s (walked in %d pages) differs from %s (-want +got):\n%s", got.Encode(), pages, want.Encode(), diff)
	}
	return nil
}

// newSyntax is q with newFilterSyntax=true.
func newSyntax(q url.Values) url.Values {
	q.Set("newFilterSyntax", "true")
	return q
}

// checkAppendedToNext follows links.next with the first page's parameters appended
// again, as Python's requests does, and requires the same walk as without.
func checkAppendedToNext(ctx context.Context, s *session) error {
	query := url.Values{"count": {"true"}, "sort": {"updatedAt"}, "filter[updatedAt]": {"2000-01-01..inf"}}
	want, _, err := s.walk(ctx, query, 1000)
	if err != nil {
		return err
	}
	params := cloneQuery(query)
	params.Set("page[size]", strconv.Itoa(smallPage(len(want))))
	var got []resource
	seen := map[int64]bool{}
	path := "/opportunityStages?" + params.Encode()
	fetched := 0
	for pages := 1; path != ""; pages++ {
		if pages > walkLimit {
			return fmt.Errorf("the walk did not end after %d pages", pages)
		}
		page, rep, err := s.page(ctx, path)
		if err != nil {
			return err
		}
		for _, r := range page {
			if seen[r.ID] {
				return fmt.Errorf("record %d appears twice when the parameters are appended again (page %d)", r.ID, pages)
			}
			seen[r.ID] = true
		}
		got = append(got, page...)
		fetched = pages
		path = ""
		if next := rep.link("next"); next != "" {
			if path, err = s.relative(next); err != nil {
				return err
			}
			path += "&" + params.Encode()
		}
	}
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		return fmt.Errorf("a walk with the parameters appended to links.next differs (-want +got):\n%s", diff)
	}
	if fetched < 2 {
		return skipped{fmt.Sprintf("the %d records fit on the first page, so there was no links.next to append the parameters to", len(want))}
	}
	return nil
}

// checkLastWins sends two different values of a parameter; the answer must be the one to
// the last value alone.
func checkLastWins(ctx context.Context, s *session) error {
	want, _, err := s.page(ctx, "/opportunityStages?sort=-id&page%5Bsize%5D=5")
	if err != nil {
		return err
	}
	if len(want) < 2 {
		return skipped{fmt.Sprintf("the target holds %d records, which every sort orders alike", len(want))}
	}
	got, _, err := s.page(ctx, "/opportunityStages?sort=name&sort=-id&page%5Bsize%5D=50&page%5Bsize%5D=5")
	if err != nil {
		return err
	}
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		return fmt.Errorf("sort=name&sort=-id&page[size]=50&page[size]=5 differs from sort=-id&page[size]=5 (-want +got):\n%s", diff)
	}
	return nil
}

// orderBounds picks two order values from the data, lo <= hi.
func orderBounds(all []resource, rng *rand.Rand) (lo, hi int64, ok bool) {
	os := orders(all)
	if len(os) == 0 {
		return 0, 0, false
	}
	a, b := int64(os[rng.IntN(len(os))]), int64(os[rng.IntN(len(os))])
	return min(a, b), max(a, b), true
}

func checkOrderWindow(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	lo, hi, ok := orderBounds(all, s.rng(21))
	if !ok {
		return skipped{"no stage has an order, so there is no window to judge"}
	}
	classic := url.Values{"filter[order]": {fmt.Sprintf("%d..%d", lo, hi)}}
	window := newSyntax(url.Values{"filter[order][gte]": {fmt.Sprint(lo)}, "filter[order][lte]": {fmt.Sprint(hi)}})
	return s.sameRecords(ctx, classic, window)
}

func checkStrictBounds(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	lo, hi, ok := orderBounds(all, s.rng(22))
	if !ok {
		return skipped{"no stage has an order, so there is no window to judge"}
	}
	strict := newSyntax(url.Values{"filter[order][gt]": {fmt.Sprint(lo - 1)}, "filter[order][lt]": {fmt.Sprint(hi + 1)}})
	if err := s.sameRecords(ctx, url.Values{"filter[order]": {fmt.Sprintf("%d..%d", lo, hi)}}, strict); err != nil {
		return err
	}
	above := newSyntax(url.Values{"filter[id][gt]": {fmt.Sprint(all[len(all)/2].ID)}})
	return s.sameRecords(ctx, url.Values{"filter[id]": {fmt.Sprintf("%d..inf", all[len(all)/2].ID+1)}}, above)
}

// checkDateWindow is an incremental-sync window with whole-second bounds around two
// stamps from the data.
func checkDateWindow(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	var stamps []time.Time
	for _, r := range all {
		if u, ok := r.Attrs["updatedAt"].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, u); err == nil {
				stamps = append(stamps, t)
			}
		}
	}
	if len(stamps) == 0 {
		return skipped{"no stage has an updatedAt, so there is no window to judge"}
	}
	rng := s.rng(23)
	a, b := stamps[rng.IntN(len(stamps))], stamps[rng.IntN(len(stamps))]
	if b.Before(a) {
		a, b = b, a
	}
	from := a.Truncate(time.Second).Format(time.RFC3339)
	to := b.Truncate(time.Second).Add(time.Second).Format(time.RFC3339)
	classic := url.Values{"filter[updatedAt]": {from + ".." + to}}
	window := newSyntax(url.Values{"filter[updatedAt][gte]": {from}, "filter[updatedAt][lte]": {to}, "sort": {"updatedAt"}})
	return s.sameRecords(ctx, classic, window)
}

func checkAnyOfList(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return emptyTarget()
	}
	rng := s.rng(24)
	var picked []string
	for range 3 {
		picked = append(picked, strconv.FormatInt(all[rng.IntN(len(all))].ID, 10))
	}
	classic := url.Values{"filter[id]": {picked[0] + "," + picked[1] + "," + picked[2]}}
	return s.sameRecords(ctx, classic, newSyntax(url.Values{"filter[id][]": picked}))
}

// checkNeedsFlag: without newFilterSyntax=true an operator form is refused. The refusal is
// inferred, so a target that answers the form is skipped, not failed.
func checkNeedsFlag(ctx context.Context, s *session) error {
	return inferredRefusal(ctx, s, "an operator form without newFilterSyntax=true", "filter%5Border%5D%5Bgte%5D=1")
}

// inferredRefusal lists with each query and requires the 400 that openapi.yaml infers
// (x-inferred) for what. A target that answers a query with a success has shown that the
// guess does not hold for it: the check is skipped with what it answered, neither passed
// nor failed. Any other status fails, as it would for a confirmed refusal.
func inferredRefusal(ctx context.Context, s *session, what string, queries ...string) error {
	var accepted []string
	for _, q := range queries {
		rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages?" + q})
		if err != nil {
			return err
		}
		if rep.status >= 200 && rep.status < 300 {
			accepted = append(accepted, fmt.Sprintf("%d to GET ?%s", rep.status, q))
			continue
		}
		if err := expectStatus(rep, http.StatusBadRequest, "GET ?"+q); err != nil {
			return err
		}
	}
	if len(accepted) > 0 {
		return s.guessDoesNotHold("", "the 400 to "+what, accepted)
	}
	return nil
}

// guessDoesNotHold is the skip of a check whose behaviour openapi.yaml only infers
// (x-inferred), against a target that answered otherwise without breaking anything: what
// it shows is information about the inference, not a failure of the target. where names
// the extension or operation that records the inference, guess what it infers, and
// answered what the target answered.
func (s *session) guessDoesNotHold(where, guess string, answered []string) skipped {
	marker := "x-inferred"
	if where != "" {
		marker = where + ", x-inferred"
	}
	return skipped{fmt.Sprintf("information, not a failure: %s only infers (%s) %s; the target answered %s, so the guess does not hold for it",
		s.specName, marker, guess, strings.Join(answered, ", "))}
}

// checkNullFilters: __null__ and __notnull__ split the records by whether order is null.
func checkNullFilters(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	for _, value := range []string{"__null__", "__notnull__"} {
		got, _, err := s.walk(ctx, url.Values{"filter[order]": {value}}, 1000)
		if err != nil {
			return err
		}
		var want []resource
		for _, r := range all {
			if (r.Attrs["order"] == nil) == (value == "__null__") {
				want = append(want, r)
			}
		}
		if diff := cmp.Diff(sortedIDs(want), sortedIDs(got)); diff != "" {
			return fmt.Errorf("filter[order]=%s (-want +got):\n%s", value, diff)
		}
	}
	return nil
}

// checkOffsetPages walks offset pages through links.next and requires the records of a
// cursor walk in the same order, and links first and last on every page.
func checkOffsetPages(ctx context.Context, s *session) error {
	want, _, err := s.walk(ctx, url.Values{"sort": {"name"}}, 1000)
	if err != nil {
		return err
	}
	if len(want) == 0 {
		return emptyTarget()
	}
	limit := min(max(3, len(want)/50+1), 1000) // small pages, but a walk of at most about 50
	var got []resource
	path := fmt.Sprintf("/opportunityStages?sort=name&page%%5Boffset%%5D=0&page%%5Blimit%%5D=%d", limit)
	for pages := 1; path != ""; pages++ {
		if pages > walkLimit {
			return fmt.Errorf("the offset walk did not end after %d pages", pages)
		}
		page, rep, err := s.page(ctx, path)
		if err != nil {
			return err
		}
		if len(page) > limit {
			return fmt.Errorf("offset page %d holds %d records, more than page[limit]=%d", pages, len(page), limit)
		}
		if len(page) > 0 && (rep.link("first") == "" || rep.link("last") == "") {
			return fmt.Errorf("offset page %d lacks links.first or links.last", pages)
		}
		if pages > 1 && rep.link("prev") == "" {
			return fmt.Errorf("offset page %d has no links.prev", pages)
		}
		got = append(got, page...)
		path = ""
		if next := rep.link("next"); next != "" {
			if path, err = s.relative(next); err != nil {
				return err
			}
		}
	}
	if len(got) < len(want) && len(got) > 10000 {
		want = want[:len(got)] // offset pages end near page[offset]'s maximum
	}
	if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
		return fmt.Errorf("offset pages differ from cursor pages (-want +got):\n%s", diff)
	}
	return nil
}

func checkOffsetMixedWithCursor(ctx context.Context, s *session) error {
	_, rep, err := s.page(ctx, "/opportunityStages?page%5Bsize%5D=1")
	if err != nil {
		return err
	}
	next := rep.link("next")
	if next == "" {
		return skipped{"one record per page gave no links.next: the target holds too few stages for a cursor to mix with offsets"}
	}
	u, err := url.Parse(next)
	if err != nil {
		return err
	}
	q := url.Values{"page[offset]": {"1"}, "page[after]": {u.Query().Get("page[after]")}}
	return inferredRefusal(ctx, s, "offset pages mixed with cursor pages", q.Encode(), "page%5Blimit%5D=2&page%5Bsize%5D=2")
}
