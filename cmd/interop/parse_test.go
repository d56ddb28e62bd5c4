package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readOutput reads a tool's output captured in testdata.
func readOutput(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestParseDredd(t *testing.T) {
	out := "\x1b[32mpass\x1b[39m: DELETE (204) /opportunityStages/8 duration: 188ms\n" +
		"\x1b[31mfail\x1b[39m: DELETE (400) /opportunityStages/8 duration: 35ms\n" +
		"\x1b[32mpass\x1b[39m: GET (200) /users/1?fields%5Buser%5D=name duration: 3ms\n" +
		"\x1b[32mcomplete\x1b[39m: 2 passing, 1 failing, 0 errors, 0 skipped, 3 total\n"
	got, err := parseDredd(out)
	if err != nil {
		t.Fatal(err)
	}
	want := dreddCounts{passing: 2, failing: 1, total: 3, operations: 2}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseDredd("error: API description processing error\n"); err == nil {
		t.Error("a run without a summary parsed")
	}
	got, err = parseDredd(readOutput(t, "dredd-oauth.txt"))
	if want := (dreddCounts{passing: 10, total: 10, operations: 2}); err != nil || got != want {
		t.Errorf("Dredd on oauth.yaml: got %+v, %v; want %+v", got, err, want)
	}
}

// A failed command, as exec returns it.
func exitError(t *testing.T) error {
	t.Helper()
	err := exec.Command("go", "tool", "-no-such-flag").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("want an exit error, got %v", err)
	}
	return err
}

// Dredd rejecting openapi.yaml for want of single examples is the failure documented;
// any other way of not running is a failure, and a run is judged as a run.
func TestJudgeDreddAPI(t *testing.T) {
	failed := exitError(t)
	tests := []struct {
		name   string
		out    string
		runErr error
		want   verdict
		err    bool
	}{
		{"rejected for want of single examples", readOutput(t, "dredd-openapi.txt"), failed, failedAsDocumented, false},
		{"rejected, yet exit 0", readOutput(t, "dredd-openapi.txt"), nil, fail, true},
		{"npx could not fetch Dredd", "npm error code E404\n", failed, fail, true},
		{"a run that passed", "complete: 26 passing, 0 failing, 0 errors, 0 skipped, 26 total\n", nil, pass, false},
		{"a run that failed", "complete: 20 passing, 6 failing, 0 errors, 0 skipped, 26 total\n", failed, fail, false},
		{"a run that skipped", "complete: 20 passing, 0 failing, 0 errors, 6 skipped, 26 total\n", nil, fail, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := judgeDreddAPI(tt.out, tt.runErr)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want one: %v", err, tt.err)
			}
			if err == nil && got.verdict != tt.want {
				t.Errorf("verdict %s (%s), want %s", got.verdict, got.counts, tt.want)
			}
			if got.verdict == failedAsDocumented && (!strings.Contains(got.counts, "3 errors like \"Required URI parameter 'id' has no example or default value\"") || !strings.Contains(got.why, "apiaryio/dredd#1908")) {
				t.Errorf("counts %q, why %q: want the rejection counted and the reason named", got.counts, got.why)
			}
		})
	}
}

func TestParseSpecmatic(t *testing.T) {
	out := "Tests run: 3, Successes: 1, Failures: 2, WIP: 0, Errors: 0\n...\nTests run: 7, Successes: 6, Failures: 0, WIP: 0, Errors: 1\n"
	got, err := parseSpecmatic(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(specmaticCounts{run: 7, successes: 6, errors: 1}, got, cmp.AllowUnexported(specmaticCounts{})); diff != "" {
		t.Errorf("the last summary counts (-want +got):\n%s", diff)
	}
	if _, err := parseSpecmatic("Specmatic Test Suite has FAILED"); err == nil {
		t.Error("a run without a summary parsed")
	}
	got, err = parseSpecmatic(readOutput(t, "specmatic-oauth.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := specmaticCounts{run: 10, successes: 4, failures: 6, failed: []string{"POST /oauth/token -> 200"}, skipped: 4}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(specmaticCounts{})); diff != "" {
		t.Errorf("Specmatic on oauth.yaml (-want +got):\n%s", diff)
	}
}

// Specmatic failing the token exchange's 200 alone is the failure documented; a failure
// of any other scenario, an error, or nothing passing is a failure.
func TestJudgeSpecmaticOAuth(t *testing.T) {
	exchange := []string{tokenExchange}
	tests := []struct {
		name string
		c    specmaticCounts
		want verdict
	}{
		{"as captured", specmaticCounts{run: 10, successes: 4, failures: 6, failed: exchange}, failedAsDocumented},
		{"every test passed", specmaticCounts{run: 10, successes: 10}, pass},
		{"another scenario failed too", specmaticCounts{run: 10, successes: 3, failures: 7, failed: []string{"POST /oauth/token -> 200", "POST /oauth/token -> 400"}}, fail},
		{"another scenario failed alone", specmaticCounts{run: 10, successes: 9, failures: 1, failed: []string{"POST /oauth/token -> 401"}}, fail},
		{"nothing passed", specmaticCounts{run: 6, failures: 6, failed: exchange}, fail},
		{"an error", specmaticCounts{run: 10, successes: 3, failures: 6, errors: 1, failed: exchange}, fail},
		{"a failure hidden as WIP", specmaticCounts{run: 10, successes: 4, wip: 6}, fail},
		{"no test", specmaticCounts{}, fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeSpecmaticOAuth(tt.c)
			if got.verdict != tt.want {
				t.Errorf("verdict %s (%s), want %s", got.verdict, got.counts, tt.want)
			}
			if (got.why != "") != (tt.want == failedAsDocumented) {
				t.Errorf("why %q for verdict %s", got.why, got.verdict)
			}
		})
	}
}

func TestParseLinters(t *testing.T) {
	spectral, err := parseSpectral(`[{"severity":0},{"severity":1},{"severity":1},{"severity":3}]No results with a severity of 'error' found!`)
	if err != nil {
		t.Fatal(err)
	}
	if want := (lintCounts{errors: 1, warnings: 2, hints: 1}); spectral != want {
		t.Errorf("spectral: got %+v, want %+v", spectral, want)
	}
	redocly, err := parseRedocly(`{"totals":{"errors":0,"warnings":3,"ignored":1},"problems":[]}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := (lintCounts{warnings: 3, ignored: 1}); redocly != want {
		t.Errorf("redocly: got %+v, want %+v", redocly, want)
	}
	// One report per document, one after the other.
	redocly, err = parseRedocly("{\n\"totals\":{\"errors\":1,\"warnings\":0,\"ignored\":0},\"problems\":[{}]\n}{\n\"totals\":{\"errors\":0,\"warnings\":2,\"ignored\":1},\"problems\":[]\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := (lintCounts{errors: 1, warnings: 2, ignored: 1}); redocly != want {
		t.Errorf("redocly, two documents: got %+v, want %+v", redocly, want)
	}
	if _, err := parseRedocly(`{"totals":{"errors":0,"warnings":0,"ignored":0}}{"problems":[]}`); err == nil {
		t.Error("redocly: a report without totals parsed")
	}
	for name, parse := range map[string]func(string) (lintCounts, error){"spectral": parseSpectral, "redocly": parseRedocly} {
		if _, err := parse("npm error could not determine executable to run"); err == nil {
			t.Errorf("%s: output without a report parsed", name)
		}
	}
}

// Each tool has its line; a failure as documented says why and does not fail the run,
// any other failure names its log and does.
func TestRunToolsCountsVerdicts(t *testing.T) {
	ran := func(o outcome, err error) func(context.Context, *env) (outcome, error) {
		return func(context.Context, *env) (outcome, error) { return o, err }
	}
	passing := tool{"lint", ran(outcome{verdict: pass, counts: "0 errors"}, nil)}
	documented := tool{"dredd openapi.yaml", ran(outcome{verdict: failedAsDocumented, counts: "rejected", why: "single examples only"}, nil)}
	failing := tool{"specmatic openapi.yaml", ran(outcome{verdict: fail, counts: "1 failed"}, nil)}
	broken := tool{"prism-proxy", ran(outcome{verdict: pass, counts: "Prism did not start"}, errors.New("nothing listens"))}
	tests := []struct {
		name  string
		list  []tool
		want  summary
		lines []string
	}{
		{"passes and documented failures", []tool{passing, documented}, summary{passed: 1, asDocumented: 1},
			[]string{"PASS          lint", "EXPECTED-FAIL dredd openapi.yaml", "    why: single examples only", "1 passed, 1 failed as documented, 0 failed"}},
		{"a failure", []tool{passing, failing, documented}, summary{passed: 1, asDocumented: 1, failed: 1},
			[]string{"FAIL          specmatic openapi.yaml 1 failed", "    log: /scratch/specmatic-openapi.yaml.log", "1 passed, 1 failed as documented, 1 failed"}},
		{"a tool that could not run", []tool{broken}, summary{failed: 1},
			[]string{"FAIL          prism-proxy", "Prism did not start (nothing listens)", "0 passed, 0 failed as documented, 1 failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := (&env{dir: "/scratch"}).runTools(context.Background(), tt.list, &out)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("summary %+v, want %+v", got, tt.want)
			}
			for _, line := range tt.lines {
				if !strings.Contains(out.String(), line) {
					t.Errorf("output lacks %q:\n%s", line, out.String())
				}
			}
		})
	}
}
