package main

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/junit"
	"github.com/oppstages/oppstages/mock"
)

// With -client-report, stopping the server writes the default sandbox's client report,
// replacing the file whole: JSON, or JUnit XML for a name ending in .xml.
func TestClientReportWrittenOnStop(t *testing.T) {
	for _, name := range []string{"report.json", "report.xml"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte("an older report"), 0o644); err != nil {
				t.Fatal(err)
			}
			addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-client-report", path}, nil)
			req, _ := http.NewRequest("POST", "http://"+addr+"/api/v2/opportunityStages",
				strings.NewReader(`{"data":{"type":"opportunityStage","attributes":{"name":""}}}`))
			req.Header.Set("Authorization", "Bearer t")
			req.Header.Set("Content-Type", "application/vnd.api+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("refused create: %v %v", resp, err)
			}
			resp.Body.Close()
			if got, _ := os.ReadFile(path); string(got) != "an older report" {
				t.Errorf("the report was written before the server stopped: %q", got)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(name, ".xml") {
				if err := junit.Validate(got); err != nil {
					t.Errorf("the JUnit report breaks the schema: %v\n%s", err, got)
				}
				var suite junit.Suite
				if err := xml.Unmarshal(got, &suite); err != nil || suite.Failures != 1 || suite.Tests != len(mock.ReportCheckNames()) {
					t.Errorf("suite %+v (%v), want one failure among %d tests", suite, err, len(mock.ReportCheckNames()))
				}
			} else {
				var report mock.ClientReport
				if err := json.Unmarshal(got, &report); err != nil {
					t.Fatalf("%v\n%s", err, got)
				}
				if c, _ := report.Check("valid-requests"); c.Verdict != mock.VerdictFail || !slices.Equal(c.Entries, []int64{1}) {
					t.Errorf("valid-requests: %s %v: %s", c.Verdict, c.Entries, c.Detail)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the directory holds %d files, want the report alone", len(entries))
			}
			if !strings.Contains(stdout.String(), "client report written") || !strings.Contains(stdout.String(), "failed=1") {
				t.Errorf("no line saying the report was written in:\n%s", stdout.String())
			}
		})
	}
}
