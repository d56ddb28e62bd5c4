package contract_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// queriesSent runs the property checks against a fresh mock and lists the first page of
// every walk they sent: the requests without a cursor.
func queriesSent(t *testing.T, seed uint64, cases int) []string {
	t.Helper()
	srv := newMock(t, mock.Options{Generate: 12})
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(),
		Seed: seed, Cases: cases, Run: "^property/records$"})
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		t.Fatalf("%s", contract.Line(report.Results[0]))
	}
	var out []string
	for _, e := range report.Results[0].Requests {
		u, err := url.Parse(e.URL)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Query().Has("page[after]") {
			out = append(out, u.RequestURI())
		}
	}
	return out
}

func TestSeedReproducesTheQueries(t *testing.T) {
	first, again := queriesSent(t, 7, 6), queriesSent(t, 7, 6)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("the same seed sent other queries (-first +again):\n%s", diff)
	}
	if other := queriesSent(t, 8, 6); cmp.Equal(first, other) {
		t.Error("seeds 7 and 8 sent the same queries")
	}
	// Every row of the pairwise array is walked, however few cases are asked for; more cases
	// than rows walk more.
	if fewer := queriesSent(t, 7, 1); len(fewer) != len(first) {
		t.Errorf("-cases 1 walked %d queries, -cases 6 walked %d: both walk the pairwise array", len(fewer), len(first))
	}
	more := queriesSent(t, 7, 80)
	if len(more) <= len(first) {
		t.Errorf("-cases 80 walked %d queries, -cases 6 walked %d", len(more), len(first))
	}
	walked := 0
	for _, q := range first {
		if strings.Contains(q, "filter") {
			walked++
		}
	}
	if walked == 0 {
		t.Errorf("no generated query filters:\n%s", strings.Join(first, "\n"))
	}
}
