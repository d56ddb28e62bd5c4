package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/junit"
)

// Test runs the suite as part of go test: each check runs inside a subtest of its own
// name, so that -run selects checks ("go test -run '^TestSuite$/seed=1/list/sort'" runs the
// sort checks alone), failing with the check's diff, also when every problem rests only on
// a guess (its lines open "inferred: "). A run that cannot start fails the test.
func Test(t *testing.T, cfg Config) Report {
	t.Helper()
	report, err := run(context.Background(), cfg, func(name string, check func() Result) (res Result, ran bool) {
		t.Run(name, func(t *testing.T) {
			res, ran = check(), true
			switch {
			case res.Skipped:
				t.Skip(res.SkipReason)
			case !res.Passed:
				t.Error(res.Failure)
			}
		})
		return res, ran
	})
	if err != nil {
		t.Fatalf("contract run: %v", err)
	}
	for _, left := range report.Leftovers {
		t.Errorf("left behind: %s", left)
	}
	t.Log(report.Coverage)
	return report
}

// Line is the one-line summary of a result, followed by its failure indented. A check
// that failed only on guesses says so on its first line, and each of its problems opens
// "inferred: ".
func Line(res Result) string {
	if res.Skipped {
		return fmt.Sprintf("SKIP %s: %s", res.Name, res.SkipReason)
	}
	if res.Passed {
		return fmt.Sprintf("PASS %s (%s)", res.Name, res.Duration.Round(100_000))
	}
	only := ""
	if res.Verdict == Inferred {
		only = ", on inferred facts only"
	}
	return fmt.Sprintf("FAIL %s (%s)%s\n    %s", res.Name, res.Duration.Round(100_000), only, strings.ReplaceAll(res.Failure, "\n", "\n    "))
}

// Summary is the closing line: "N passed, N failed", then how many of the failures rest
// only on guesses and how many checks were skipped, when any: "40 passed, 7 failed (5 on
// inferred facts only), 3 skipped".
func (r Report) Summary() string {
	line := fmt.Sprintf("%d passed, %d failed", r.Passed, r.Failed)
	if r.Inferred > 0 {
		line += fmt.Sprintf(" (%d on inferred facts only)", r.Inferred)
	}
	if r.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	return line
}

// WriteJSON writes the report as JSON.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteJUnit writes the report as JUnit XML, one test case per check, and the pairwise
// coverage as the property pairwiseCoverage ("339/339"). A check that failed
// only on guesses has a failure of type "inferred", its message opening "inferred: ".
func WriteJUnit(w io.Writer, r Report) error {
	suite := junit.Suite{Name: "contract " + r.Target, Time: r.Duration.Seconds(),
		Properties: []junit.Property{{Name: "pairwiseCoverage", Value: fmt.Sprintf("%d/%d", r.Coverage.Covered, r.Coverage.Pairs)}}}
	for _, res := range r.Results {
		c := junit.Case{Name: res.Name, Classname: "contract", Time: res.Duration.Seconds()}
		if res.Skipped {
			c.Skipped = &junit.Skipped{Message: res.SkipReason}
		} else if !res.Passed {
			first, _, _ := strings.Cut(res.Failure, "\n")
			c.Failure = &junit.Failure{Message: first, Type: string(res.Verdict), Text: res.Failure}
		}
		suite.Cases = append(suite.Cases, c)
	}
	return junit.Write(w, suite)
}
