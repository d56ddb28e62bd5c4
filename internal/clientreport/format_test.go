package clientreport

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/junit"
)

// The JSON is the shape the admin API promises: checks of name, verdict, detail and
// entries (an array, also when empty), then the counts.
func TestReportJSON(t *testing.T) {
	r := New(Input{Entries: scenarios[1].flawed, Evicted: 3})
	doc, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]json.RawMessage
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"checks", "evicted", "failed", "passed", "unexercised"}, slices.Sorted(maps.Keys(back))); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var checks []map[string]any
	if err := json.Unmarshal(back["checks"], &checks); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range checks {
		names = append(names, c["name"].(string))
		if diff := cmp.Diff([]string{"detail", "entries", "name", "verdict"}, slices.Sorted(maps.Keys(c))); diff != "" {
			t.Errorf("%s: members (-want +got):\n%s", c["name"], diff)
		}
		if _, isArray := c["entries"].([]any); !isArray {
			t.Errorf("%s: entries %v is no array", c["name"], c["entries"])
		}
	}
	if diff := cmp.Diff(Names, names); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	counts := []any{string(back["passed"]), string(back["failed"]), string(back["unexercised"]), string(back["evicted"])}
	if diff := cmp.Diff([]any{"1", "1", "7", "3"}, counts); diff != "" {
		t.Errorf("passed, failed, unexercised, evicted (-want +got):\n%s", diff)
	}
}

// The JUnit report has one test case per check, a failure for a fail and a skip for an
// unexercised check, and validates against the schema the contract command's report does.
func TestJUnit(t *testing.T) {
	r := New(Input{Entries: scenarios[1].flawed, Evicted: 4})
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r, "client-report sandbox ci-1"); err != nil {
		t.Fatal(err)
	}
	if err := junit.Validate(buf.Bytes()); err != nil {
		t.Fatalf("the report breaks the JUnit schema: %v\n%s", err, buf.String())
	}
	var suite junit.Suite
	if err := xml.Unmarshal(buf.Bytes(), &suite); err != nil {
		t.Fatal(err)
	}
	if suite.Name != "client-report sandbox ci-1" || suite.Tests != len(Names) || suite.Failures != r.Failed || suite.Skipped != r.Unexercised {
		t.Errorf("suite %q: tests %d, failures %d, skipped %d; report %+v", suite.Name, suite.Tests, suite.Failures, suite.Skipped, r)
	}
	want := []junit.Property{{Name: "passed", Value: strconv.Itoa(r.Passed)}, {Name: "failed", Value: "1"},
		{Name: "unexercised", Value: strconv.Itoa(r.Unexercised)}, {Name: "evicted", Value: "4"}}
	if diff := cmp.Diff(want, suite.Properties); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	for i, c := range suite.Cases {
		check := r.Checks[i]
		if c.Name != check.Name || (c.Failure != nil) != (check.Verdict == Fail) || (c.Skipped != nil) != (check.Verdict == Unexercised) {
			t.Errorf("case %+v for check %+v", c, check)
		}
		if c.Failure != nil && (c.Failure.Message != check.Detail || !strings.HasSuffix(c.Failure.Text, "entries: 1, 2")) {
			t.Errorf("failure %+v", c.Failure)
		}
	}
}
