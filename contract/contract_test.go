package contract_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/internal/junit"
	"github.com/oppstages/oppstages/mock"
)

var (
	target = flag.String("target", "", "root URL of a server to check; empty runs the suite against an in-process mock")
	token  = flag.String("token", "contract-test", "bearer token for -target")
	mode   = flag.String("mode", "full", "full or readonly")
	seed   = flag.Uint64("seed", 1, "seed for generated bodies and list queries; against the mock the next seed runs too")
	cases  = flag.Int("cases", 0, "generated list queries the property checks walk; 0 means contract.DefaultCases")
)

// newMock serves a fresh mock over loopback, as any target would be.
func newMock(t *testing.T, opts mock.Options) *httptest.Server {
	t.Helper()
	if opts.Generate == 0 {
		opts.Generate = 40
	}
	m, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestSuite runs every check against -target, or against the mock when none is given;
// against the mock it runs with -seed, and with the seed after it against other data.
// Against a server:
//
//	go test ./contract -run TestSuite -args -target URL -token T -mode readonly
func TestSuite(t *testing.T) {
	if *target != "" {
		suite(t, *seed, mock.Options{})
		return
	}
	runs := []struct {
		seed uint64
		data mock.Options
	}{
		{*seed, mock.Options{Generate: 40, Seed: 3}},
		{*seed + 1, mock.Options{Generate: 16, Seed: 4}},
	}
	for _, run := range runs {
		t.Run(fmt.Sprintf("seed=%d", run.seed), func(t *testing.T) {
			t.Parallel()
			suite(t, run.seed, run.data)
		})
	}
}

func suite(t *testing.T, seed uint64, data mock.Options) {
	cfg := contract.Config{Target: *target, Token: *token, Mode: contract.Mode(*mode), Seed: seed, Cases: *cases}
	var m *mock.Server
	if cfg.Target == "" {
		var err error
		m, err = mock.New(data)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m.Handler())
		defer srv.Close()
		cfg.Target, cfg.Client = srv.URL, srv.Client()
	}
	report := contract.Test(t, cfg)
	// The suite has over 70 checks, over 60 of them read-only; fewer passing means checks
	// were dropped without a failure, unless -run selected some.
	wantAtLeast := map[contract.Mode]int{contract.Full: 70, contract.ReadOnly: 60}[cfg.Mode]
	if report.Passed < wantAtLeast && !checksSelected() {
		t.Errorf("only %d checks passed in %s mode; the suite should run them all", report.Passed, cfg.Mode)
	}
	if want := 8 + data.Generate; m != nil && m.Len() != want {
		t.Errorf("the mock holds %d stages after the run, want the %d it started with: the suite must clean up", m.Len(), want)
	}
}

// checksSelected reports whether go test's -run or -skip may leave checks out: a -run
// pattern that reaches below TestSuite/seed=N, or any -skip.
func checksSelected() bool {
	run, skip := flag.Lookup("test.run"), flag.Lookup("test.skip")
	return (run != nil && strings.Count(run.Value.String(), "/") >= 2) || (skip != nil && skip.Value.String() != "")
}

func TestReadOnlySendsOnlyGETs(t *testing.T) {
	srv := newMock(t, mock.Options{})
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: contract.ReadOnly, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed != 0 {
		for _, r := range report.Results {
			if !r.Passed {
				t.Errorf("%s", contract.Line(r))
			}
		}
	}
	for _, r := range report.Results {
		for _, e := range r.Requests {
			if e.Method != "GET" {
				t.Errorf("%s sent %s %s in readonly mode", r.Name, e.Method, e.URL)
			}
		}
		if strings.HasPrefix(r.Name, "create/") || strings.HasPrefix(r.Name, "generated/") {
			t.Errorf("write check %s ran in readonly mode", r.Name)
		}
	}
}

func TestRunFilterAndBadConfig(t *testing.T) {
	srv := newMock(t, mock.Options{})
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Run: "^list/sort/name/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 {
		t.Errorf("-run ^list/sort/name/ ran %d checks, want 2", len(report.Results))
	}
	for _, cfg := range []contract.Config{
		{},
		{Target: "ftp://x"},
		{Target: srv.URL, Mode: "sometimes"},
		{Target: srv.URL, Run: "("},
		{Target: srv.URL, Spec: []byte("openapi: 3.0.3\n")},
	} {
		if _, err := contract.Run(t.Context(), cfg); err == nil {
			t.Errorf("config %+v was accepted", cfg)
		}
	}
	if _, err := contract.Run(t.Context(), contract.Config{Target: "http://127.0.0.1:1"}); !errors.Is(err, contract.ErrUnreachable) {
		t.Errorf("an unreachable target: %v", err)
	}
	if _, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Client: srv.Client()}); !errors.Is(err, contract.ErrRefused) {
		t.Errorf("no token: %v, want ErrRefused", err)
	}
}

// An interrupted run still deletes what it created.
func TestInterruptedRunCleansUp(t *testing.T) {
	m, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := contract.Config{Target: srv.URL, Token: "t", Mode: contract.Full, Client: srv.Client(), Run: "^(create|generated/valid|list/count)",
		Progress: func(r contract.Result) {
			if r.Name == "create/round-trip" {
				cancel()
			}
		}}
	report, err := contract.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 {
		t.Errorf("%d checks ran, want the run to stop after create/round-trip", len(report.Results))
	}
	if m.Len() != 8 || len(report.Leftovers) != 0 {
		t.Errorf("after an interrupted run: %d stages (want 8), leftovers %v", m.Len(), report.Leftovers)
	}
}

// A create whose answer never came (the run was interrupted while the target stored it)
// is looked for and deleted too: the target kept the record though the run saw no id.
func TestInterruptedCreateIsFoundAndDeleted(t *testing.T) {
	m, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stored sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			m.Handler().ServeHTTP(w, r)
			return
		}
		// Store the first create, then keep its answer back until the run gives up.
		first := false
		stored.Do(func() { first = true })
		if !first {
			m.Handler().ServeHTTP(w, r)
			return
		}
		m.Handler().ServeHTTP(httptest.NewRecorder(), r)
		cancel()
		<-r.Context().Done()
	}))
	defer srv.Close()
	cfg := contract.Config{Target: srv.URL, Token: "t", Mode: contract.Full, Client: srv.Client(), Run: "^create/round-trip$"}
	report, err := contract.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 8 || len(report.Leftovers) != 0 {
		t.Errorf("after a create whose answer never came: %d stages (want 8), leftovers %v", m.Len(), report.Leftovers)
	}
}

// Every seed draws filters that leave some of the default pipeline out, so no seed loses
// a filter check to a draw that selects everything.
func TestFilterChecksRunOnEverySeed(t *testing.T) {
	m, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	for seed := uint64(1); seed <= 20; seed++ {
		report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Seed: seed, Run: "^list/filter"})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range report.Results {
			if !res.Passed {
				t.Errorf("seed %d: %s: passed %v, skipped %v: %s%s", seed, res.Name, res.Passed, res.Skipped, res.SkipReason, res.Failure)
			}
		}
	}
}

func TestReportFormats(t *testing.T) {
	report := contract.Report{Target: "http://x", Mode: contract.Full, Passed: 1, Failed: 1, Skipped: 1, Results: []contract.Result{
		{Name: "a/ok", Passed: true},
		{Name: "b/bad", Failure: "mismatch (-want +got):\n- 1\n+ 2"},
		{Name: "c/later", Skipped: true, SkipReason: "readonly mode"},
	}}
	var xml, js bytes.Buffer
	if err := contract.WriteJUnit(&xml, report); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<testsuite name="contract http://x" tests="3" failures="1" skipped="1"`, `<testcase name="b/bad"`,
		`<failure message="mismatch (-want +got):">`, `<skipped message="readonly mode">`} {
		if !strings.Contains(xml.String(), want) {
			t.Errorf("JUnit lacks %q:\n%s", want, xml.String())
		}
	}
	if err := junit.Validate(xml.Bytes()); err != nil {
		t.Errorf("the JUnit report breaks the schema: %v\n%s", err, xml.String())
	}
	if err := contract.WriteJSON(&js, report); err != nil {
		t.Fatal(err)
	}
	var back contract.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Failed != 1 || back.Results[1].Failure == "" {
		t.Errorf("JSON report does not read back: %v %+v", err, back)
	}
	if report.Summary() != "1 passed, 1 failed, 1 skipped" {
		t.Errorf("summary %q", report.Summary())
	}
	if line := contract.Line(report.Results[1]); !strings.HasPrefix(line, "FAIL b/bad") || !strings.Contains(line, "\n    - 1") {
		t.Errorf("line %q", line)
	}
}

// TestCorrectServerPassesOnTwentySeeds runs, in full mode, every check a seed steers (the
// filter checks, the client forms, the generated bodies and the property walks) against
// the mock on twenty seeds: each passes them all, and each draws every pair of
// list-parameter levels.
func TestCorrectServerPassesOnTwentySeeds(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			m, err := mock.New(mock.Options{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(m.Handler())
			defer srv.Close()
			report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: contract.Full, Client: srv.Client(),
				Seed: seed, Run: "^(list/filter|clients|generated|property)/"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range report.Results {
				if !r.Passed && !r.Skipped {
					t.Errorf("%s", contract.Line(r))
				}
			}
			if report.Passed < 30 || !report.OK() {
				t.Errorf("seed %d: %s, left behind %v", seed, report.Summary(), report.Leftovers)
			}
			if c := report.Coverage; c.Covered != c.Pairs || c.Pairs == 0 {
				t.Errorf("seed %d drew %s", seed, c)
			}
		})
	}
}
