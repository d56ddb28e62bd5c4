package contract_test

import (
	"net/http/httptest"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// A correct server with many stages passes the checks that walk in small pages: the pages
// grow with the records, so no walk runs into the suite's bound on pages.
func TestSmallPageWalksPassWithManyStages(t *testing.T) {
	m, err := mock.New(mock.Options{Generate: 1500, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Seed: 3,
		Run: "^(list/cursor-walk|clients/)"})
	if err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, r := range report.Results {
		ran[r.Name] = true
		if !r.Passed {
			t.Errorf("%s", contract.Line(r))
		}
	}
	for _, name := range []string{"list/cursor-walk", "clients/repeated-parameters-appended-to-next"} {
		if !ran[name] {
			t.Errorf("check %s did not run", name)
		}
	}
}
