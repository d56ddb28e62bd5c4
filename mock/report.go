package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/clientreport"
	"github.com/oppstages/oppstages/internal/clip"
	"github.com/oppstages/oppstages/internal/query"
)

// ClientReport is how the client under test behaved, judged from a sandbox's journal:
// Checks holds one verdict per named check (see ReportCheckNames), with a detail that says
// what a correct client does and the journal entries that show it.
type ClientReport = clientreport.Report

// ReportCheck is one check of a ClientReport: Name, Verdict, Detail and Entries.
type ReportCheck = clientreport.Check

// Verdict is a check's verdict: "pass", "fail" or "unexercised".
type Verdict = clientreport.Verdict

// The verdicts of a check.
const (
	VerdictPass        = clientreport.Pass
	VerdictFail        = clientreport.Fail
	VerdictUnexercised = clientreport.Unexercised
)

// ReportCheckNames are the names of the checks, in the order a report lists them; they are
// stable, for scripts and CI to depend on.
func ReportCheckNames() []string { return append([]string(nil), clientreport.Names...) }

// ClientReport judges what the sandbox's journal holds, per credential: the requests whose
// situations arose at or after since (the zero time for all) are judged, and earlier ones
// still tell what was issued, exchanged or expired before. It is computed when asked,
// from the journal: nothing is kept on the request path for it.
func (h *Sandbox) ClientReport(since time.Time) ClientReport {
	return clientreport.FromJournal(h.box().journal, since)
}

// SaveClientReport writes the sandbox's client report (of everything its journal holds) to
// path, replacing the file whole, so that a reader never sees half of one: as JUnit XML
// when the name ends in .xml, one test case per check, else as the JSON that GET
// /__admin/client-report answers, indented. It returns the report written.
func (h *Sandbox) SaveClientReport(path string) (ClientReport, error) {
	report := h.ClientReport(time.Time{})
	var b bytes.Buffer
	var err error
	if strings.EqualFold(filepath.Ext(path), ".xml") {
		err = clientreport.WriteJUnit(&b, report, reportSuiteName(h.name))
	} else {
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	}
	if err == nil {
		err = atomicfile.WriteMode(path, b.Bytes(), 0o644) // hashes and paths, no secret: a CI step run as another user reads it
	}
	if err != nil {
		return ClientReport{}, fmt.Errorf("client report: %w", err)
	}
	return report, nil
}

// Gauntlet arms one of each provocation the client report judges, as fault rules that
// fire once each, tried in this order after the sandbox's other rules: a 429 with
// Retry-After: 1, a 503 maintenance with Retry-After: 2, a 500, a create whose answer is
// lost once it is stored (drop "after" on POST /api/v2/opportunityStages), and a token
// expired. It returns the rules added; when one cannot be added, none is kept.
func (h *Sandbox) Gauntlet() ([]FaultRule, error) {
	once := func() *int { return new(1) }
	rules := []FaultRule{
		{Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "1"}, Times: once()},
		{Status: http.StatusServiceUnavailable, Example: "maintenance", Headers: map[string]string{"Retry-After": "2"}, Times: once()},
		{Status: http.StatusInternalServerError, Times: once()},
		{Method: http.MethodPost, Path: "/api/v2/opportunityStages", Drop: DropAfter, Times: once()},
		{ExpireToken: true, Times: once()},
	}
	added := make([]FaultRule, 0, len(rules))
	for _, r := range rules {
		rule, err := h.AddFault(r)
		if err != nil {
			for _, a := range added {
				_ = h.RemoveFault(a.ID) // it was just added: it is there
			}
			return nil, fmt.Errorf("gauntlet: %w", err)
		}
		added = append(added, rule)
	}
	return added, nil
}

// adminClientReport answers GET /__admin/client-report: the report as JSON, or with
// format=junit as JUnit XML, of what arose since the RFC 3339 time since, if given.
func (s *Server) adminClientReport(box *Sandbox, r *http.Request) response {
	q, qerr := query.ParseQuery(r.URL.RawQuery)
	if qerr != nil {
		return adminError(http.StatusBadRequest, qerr.Detail)
	}
	var since time.Time
	format := "json"
	for name, values := range q {
		v := values[len(values)-1]
		switch name {
		case "since":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return adminFailure(&InputError{Field: "since", Reason: fmt.Sprintf("%q is not an RFC 3339 time such as 2026-03-01T12:00:00Z", clip.String(v))})
			}
			since = t
		case "format":
			if v != "json" && v != "junit" {
				return adminFailure(&InputError{Field: "format", Reason: fmt.Sprintf("%q is neither json nor junit", clip.String(v))})
			}
			format = v
		default:
			return adminFailure(&InputError{Field: clip.String(name), Reason: "is not a parameter of the client report; use since, format"})
		}
	}
	report := box.ClientReport(since)
	if format == "json" {
		return adminJSON(http.StatusOK, report)
	}
	var b bytes.Buffer
	if err := clientreport.WriteJUnit(&b, report, reportSuiteName(box.Name())); err != nil {
		return adminError(http.StatusInternalServerError, err.Error()) // writing to memory does not fail
	}
	return response{status: http.StatusOK, contentType: "application/xml", body: b.Bytes()}
}

// reportSuiteName names the JUnit suite of a sandbox's report.
func reportSuiteName(sandbox string) string {
	return strings.TrimSpace("client-report " + sandbox)
}

// adminGauntlet answers POST /__admin/gauntlet with the rules it added.
func (s *Server) adminGauntlet(box *Sandbox, r *http.Request) response {
	if r.URL.RawQuery != "" {
		return adminFailure(&InputError{Field: "query", Reason: "the gauntlet takes no parameters"})
	}
	if body, err := io.ReadAll(io.LimitReader(r.Body, 1)); err != nil || len(body) > 0 {
		return adminFailure(&InputError{Field: "body", Reason: "the gauntlet takes no body"})
	}
	rules, err := box.Gauntlet()
	if err != nil {
		return adminFailure(err)
	}
	return adminJSON(http.StatusCreated, map[string]any{"rules": rules})
}
