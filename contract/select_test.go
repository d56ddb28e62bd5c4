package contract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// selectChild marks the process TestGoTestRunSelectsChecks starts.
const selectChild = "CONTRACT_TEST_SELECT_CHILD"

// TestSelectedByGoTestRun runs contract.Test against a mock that counts requests, and
// prints which checks ran and how many requests reached the mock. It does its work only
// in the process TestGoTestRunSelectsChecks starts with a -test.run naming some checks.
func TestSelectedByGoTestRun(t *testing.T) {
	if os.Getenv(selectChild) == "" {
		t.Skip("runs only inside TestGoTestRunSelectsChecks, with -test.run naming checks")
	}
	m, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		m.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	report := contract.Test(t, contract.Config{Target: srv.URL, Token: "t", Client: srv.Client()})
	var ran []string
	for _, r := range report.Results {
		ran = append(ran, r.Name)
	}
	fmt.Printf("checks that ran: %s\nrequests: %d\n", strings.Join(ran, " "), requests.Load())
}

// TestGoTestRunSelectsChecks runs the test binary again with -test.run naming two checks
// below TestSelectedByGoTestRun: contract.Test must run only those two, each inside its
// own subtest, and send only their requests.
func TestGoTestRunSelectsChecks(t *testing.T) {
	if os.Getenv(selectChild) != "" {
		t.Skip("the child process runs only TestSelectedByGoTestRun")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run", "^TestSelectedByGoTestRun$/^list$/^sort$/^name$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), selectChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child test failed: %v\n%s", err, out)
	}
	var ran, passed []string
	requests := -1
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if names, ok := strings.CutPrefix(line, "checks that ran: "); ok {
			ran = strings.Fields(names)
		}
		fmt.Sscanf(line, "requests: %d", &requests)
		if name, ok := strings.CutPrefix(line, "--- PASS: TestSelectedByGoTestRun/"); ok {
			passed = append(passed, strings.Fields(name)[0])
		}
	}
	want := []string{"list/sort/name/asc", "list/sort/name/desc"}
	if !slices.Equal(ran, want) {
		t.Errorf("checks that ran: %v, want %v\n%s", ran, want, out)
	}
	if !slices.Equal(passed, want) {
		t.Errorf("subtests that passed: %v, want %v\n%s", passed, want, out)
	}
	// The preflight and one walk of a few records per sort: far fewer than a whole run.
	if requests < 1 || requests > 10 {
		t.Errorf("%d requests reached the mock for two sort checks", requests)
	}
}
