package contract_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// A target that ignores Prefer, as the real API does, gets the 429 check reported as
// skipped with its reason: neither passed nor failed.
func TestRateLimitCheckIsSkippedWhenPreferIsIgnored(t *testing.T) {
	m, err := mock.New(mock.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ignorePrefer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Del("Prefer")
		m.Handler().ServeHTTP(w, r)
	})
	srv := httptest.NewServer(ignorePrefer)
	defer srv.Close()
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Run: "^errors/rate-limited$"})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("%d results, want the one errors/rate-limited", len(report.Results))
	}
	r := report.Results[0]
	if !r.Skipped || r.Passed || !strings.Contains(r.SkipReason, "Prefer") {
		t.Errorf("result %+v, want skipped with a reason naming Prefer", r)
	}
	if report.Skipped != 1 || report.Passed != 0 || report.Failed != 0 || !report.OK() {
		t.Errorf("report counts passed %d, failed %d, skipped %d; want 0, 0, 1", report.Passed, report.Failed, report.Skipped)
	}
	if line := contract.Line(r); !strings.HasPrefix(line, "SKIP errors/rate-limited: ") {
		t.Errorf("line %q", line)
	}
}

// Links that are absolute but point at another host cannot be followed to the target.
func TestLinksToAnotherHostFail(t *testing.T) {
	m, err := mock.New(mock.Options{Seed: 1, BaseURL: "http://elsewhere.example"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Run: "^links/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Results {
		if r.Passed || !strings.Contains(r.Failure, "elsewhere.example") {
			t.Errorf("%s", contract.Line(r))
		}
	}
	if len(report.Results) != 2 {
		t.Errorf("%d link checks ran, want 2", len(report.Results))
	}
}
