package mock_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages/mock"
)

// TestRequestAllocations holds the request path to the allocations it makes now: a get,
// a list page and a create through the whole handler, counted as the benchmarks count
// them (request and recorder included). A change that allocates more fails here, not
// unseen in a benchmark. Each bound is the figure measured when the test was written
// (go1.26, linux/amd64) plus 5% or 3 allocations, whichever is more; lower the figure
// when the path gets cheaper.
func TestRequestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own account")
	}
	s, err := mock.New(mock.Options{RateLimit: -1, Generate: 1000, BaseURL: "http://bench.test",
		Clock: func() time.Time { return epoch }})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	create := `{"data":{"type":"opportunityStage","attributes":{"name":"Counted","order":3,"isClosed":false,"color":"#FFFFFF"}}}`
	for _, tc := range []struct {
		name, method, target, body string
		status                     int
		measured                   float64
	}{
		{name: "get", method: "GET", target: "/api/v2/opportunityStages/7", status: 200, measured: 28},
		{name: "list page", method: "GET", target: "/api/v2/opportunityStages", status: 200, measured: 50},
		{name: "list page sized", method: "GET", target: "/api/v2/opportunityStages?page%5Bsize%5D=50", status: 200, measured: 65},
		{name: "create", method: "POST", target: "/api/v2/opportunityStages", body: create, status: 201, measured: 78},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := 0
			allocs := testing.AllocsPerRun(200, func() {
				var r *http.Request
				if tc.body != "" {
					r = httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
					r.Header.Set("Content-Type", "application/vnd.api+json")
				} else {
					r = httptest.NewRequest(tc.method, tc.target, nil)
				}
				r.Header.Set("Authorization", "Bearer counted")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				status = w.Code
			})
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			t.Logf("%s %s: %.0f allocations", tc.method, tc.target, allocs)
			if bound := tc.measured + max(3, math.Ceil(tc.measured*0.05)); allocs > bound {
				t.Errorf("%s %s makes %.0f allocations, more than the %.0f allowed (%.0f when measured)", tc.method, tc.target, allocs, bound, tc.measured)
			}
		})
	}
}
