package mock_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/junit"
	"github.com/oppstages/oppstages/mock"
)

// reportOf reads GET /__admin/client-report of a sandbox.
func reportOf(t *testing.T, c *apitest.Client, sandbox, query string) mock.ClientReport {
	t.Helper()
	req := apitest.Request{Method: "GET", Target: "/__admin/client-report" + query}
	if sandbox != "" {
		req = withHeader(req, "X-Mock-Sandbox", sandbox)
	}
	r := c.Do(req)
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("client report: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	var report mock.ClientReport
	if err := json.Unmarshal(r.Body, &report); err != nil {
		t.Fatal(err)
	}
	return report
}

// verdictOf is the verdict of the named check.
func verdictOf(t *testing.T, r mock.ClientReport, name string) mock.ReportCheck {
	t.Helper()
	c, ok := r.Check(name)
	if !ok {
		t.Fatalf("the report has no check %s: %+v", name, r)
	}
	return c
}

// GET /__admin/client-report answers each sandbox's report as JSON or JUnit XML, and
// refuses what it does not read, naming the parameter.
func TestClientReportOverTheAdminAPI(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":""}}}`) // refused: 422
	c.Do(withHeader(apitest.Request{Method: "GET", Target: stages}, "X-Mock-Sandbox", "tidy"))

	report := reportOf(t, c, "", "")
	if len(report.Checks) != len(mock.ReportCheckNames()) || report.Passed+report.Failed+report.Unexercised != len(report.Checks) {
		t.Fatalf("report: %+v", report)
	}
	for i, name := range mock.ReportCheckNames() {
		if report.Checks[i].Name != name {
			t.Errorf("check %d is %s, want %s", i, report.Checks[i].Name, name)
		}
	}
	if v := verdictOf(t, report, "valid-requests"); v.Verdict != mock.VerdictFail || !slices.Equal(v.Entries, []int64{1}) {
		t.Errorf("default sandbox, valid-requests: %s %v: %s", v.Verdict, v.Entries, v.Detail)
	}
	if v := verdictOf(t, reportOf(t, c, "tidy", ""), "valid-requests"); v.Verdict != mock.VerdictPass {
		t.Errorf("sandbox tidy, valid-requests: %s: %s", v.Verdict, v.Detail)
	}
	if v := verdictOf(t, reportOf(t, c, "", "?since=2030-01-01T00:00:00Z"), "valid-requests"); v.Verdict != mock.VerdictUnexercised {
		t.Errorf("since a time after every request, valid-requests: %s: %s", v.Verdict, v.Detail)
	}

	r := c.Do(apitest.Request{Method: "GET", Target: "/__admin/client-report?format=junit"})
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("JUnit report: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if err := junit.Validate(r.Body); err != nil {
		t.Errorf("the JUnit report breaks the schema: %v\n%s", err, r.Body)
	}
	var suite junit.Suite
	if err := xml.Unmarshal(r.Body, &suite); err != nil {
		t.Fatal(err)
	}
	if suite.Name != "client-report" || suite.Tests != len(report.Checks) || suite.Failures != report.Failed || suite.Skipped != report.Unexercised {
		t.Errorf("suite %q: %d tests, %d failures, %d skipped; want client-report, %d, %d, %d",
			suite.Name, suite.Tests, suite.Failures, suite.Skipped, len(report.Checks), report.Failed, report.Unexercised)
	}

	for _, tc := range []struct{ query, field, want string }{
		{"?since=yesterday", "since", `"yesterday" is not an RFC 3339 time`},
		{"?format=xml", "format", `"xml" is neither json nor junit`},
		{"?check=retry-after", "check", "is not a parameter of the client report"},
	} {
		r := c.Get("/__admin/client-report" + tc.query)
		var body struct{ Error, Field string }
		if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != http.StatusBadRequest || body.Field != tc.field || !strings.Contains(body.Error, tc.want) {
			t.Errorf("%s: %d %s, want 400 naming %s and saying %q", tc.query, r.Status, r.Body, tc.field, tc.want)
		}
	}
}

// POST /__admin/gauntlet adds one rule per provocation, each firing once, and answers
// them; a sandbox without room for them keeps none.
func TestGauntletArmsEveryProvocation(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Do(apitest.Request{Method: "POST", Target: "/__admin/gauntlet"})
	var body struct{ Rules []mock.FaultRule }
	if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != http.StatusCreated {
		t.Fatalf("gauntlet: %d %s", r.Status, r.Body)
	}
	var got []string
	for _, rule := range body.Rules {
		if rule.Times == nil || *rule.Times != 1 {
			t.Errorf("rule %d fires %v times, want once", rule.ID, rule.Times)
		}
		switch {
		case rule.ExpireToken:
			got = append(got, "expireToken")
		case rule.Drop != "":
			got = append(got, string(rule.Drop)+" "+rule.Method+" "+rule.Path)
		default:
			got = append(got, http.StatusText(rule.Status)+" "+rule.Headers["Retry-After"])
		}
	}
	want := []string{"Too Many Requests 1", "Service Unavailable 2", "Internal Server Error ", "after POST /api/v2/opportunityStages", "expireToken"}
	if !slices.Equal(got, want) {
		t.Errorf("rules %q, want %q", got, want)
	}

	full, fc := newServer(t, mock.Options{MaxFaults: 3})
	for _, req := range []apitest.Request{
		{Method: "POST", Target: "/__admin/gauntlet?times=3"},
		{Method: "POST", Target: "/__admin/gauntlet", Body: `{"times":3}`},
	} {
		if r := c.Do(req); r.Status != http.StatusBadRequest {
			t.Errorf("gauntlet %s %q: %d %s, want 400: it takes neither parameters nor a body", req.Target, req.Body, r.Status, r.Body)
		}
	}
	if r := fc.Do(apitest.Request{Method: "POST", Target: "/__admin/gauntlet"}); r.Status != http.StatusBadRequest {
		t.Errorf("gauntlet without room: %d %s, want 400", r.Status, r.Body)
	}
	box, _ := full.Sandbox("")
	if rules := box.Faults(); len(rules) != 0 {
		t.Errorf("a gauntlet that did not fit left %d rules", len(rules))
	}
}

// SaveClientReport writes the report whole, as JSON or, for a .xml name, JUnit XML, and
// says why when it cannot.
func TestSaveClientReport(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":""}}}`) // refused: 422
	box, _ := s.Sandbox("")
	dir := t.TempDir()
	for _, name := range []string{"report.json", "report.XML"} {
		path := filepath.Join(dir, name)
		written, err := box.SaveClientReport(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v (%v), want 0644: a CI step run as another user reads the report", name, info.Mode().Perm(), err)
		}
		if strings.HasSuffix(name, ".XML") {
			if err := junit.Validate(got); err != nil || !strings.Contains(string(got), `failures="1"`) {
				t.Errorf("%s: %v\n%s", name, err, got)
			}
			continue
		}
		var report mock.ClientReport
		if err := json.Unmarshal(got, &report); err != nil || report.Failed != 1 || written.Failed != 1 {
			t.Errorf("%s: %v: failed %d (returned %d), want 1\n%s", name, err, report.Failed, written.Failed, got)
		}
	}
	if _, err := box.SaveClientReport(filepath.Join(dir, "missing", "report.json")); err == nil || !strings.Contains(err.Error(), "client report") {
		t.Errorf("a report in a missing directory: %v, want an error naming the client report", err)
	}
}
