package mock_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages/mock"
)

// runGauntlet arms the gauntlet over the admin API.
func (c *tcpClient) runGauntlet() {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/__admin/gauntlet", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("gauntlet: %d", resp.StatusCode)
	}
}

// politeClient calls the API as a careful integration does: it waits for Retry-After,
// backs off after a 5xx or a broken connection, refreshes an expired token, and after a
// create whose answer was lost looks before creating again.
type politeClient struct {
	*tcpClient
	granted tokens
}

func (p *politeClient) call(method, target, body string) reply {
	p.t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/vnd.api+json"
	}
	backoff := 500 * time.Millisecond
	for range 8 {
		r := p.do(method, target, contentType, body)
		switch {
		case r.err != nil && method == http.MethodPost:
			return r // the create may have been carried out: the caller looks first
		case r.err != nil || r.status >= 500 && r.header.Get("Retry-After") == "":
			p.wait(backoff)
			backoff *= 2
		case r.status == http.StatusTooManyRequests || r.status == http.StatusServiceUnavailable:
			seconds, err := strconv.Atoi(r.header.Get("Retry-After"))
			if err != nil {
				p.t.Fatalf("%d without a Retry-After in seconds: %q", r.status, r.header.Get("Retry-After"))
			}
			p.wait(time.Duration(seconds) * time.Second)
		case r.status == http.StatusUnauthorized && strings.Contains(string(r.body), "Expired"):
			p.granted = p.refresh(p.granted.refresh, http.StatusOK)
		default:
			return r
		}
	}
	p.t.Fatalf("%s %s: no answer after 8 tries", method, target)
	return reply{}
}

// createOnce creates a stage, and when the answer is lost, looks for it before creating
// it again.
func (p *politeClient) createOnce(name string) {
	p.t.Helper()
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"` + name + `","order":7}}}`
	for range 3 {
		r := p.call("POST", stages, body)
		if r.err == nil {
			p.want(r, http.StatusCreated)
			return
		}
		found := p.call("GET", stages+"?filter%5Bname%5D="+strings.ReplaceAll(name, " ", "+"), "")
		if strings.Contains(string(found.body), `"`+name+`"`) {
			return
		}
	}
	p.t.Fatalf("could not create %q", name)
}

// A correct client that meets the whole gauntlet, in a realistic flow (sign in, list and
// page, create, retry politely, refresh its token), fails no check.
func TestCorrectClientPassesTheGauntlet(t *testing.T) {
	c := servedMock(t, mock.Options{Generate: 20})
	p := &politeClient{tcpClient: c}
	p.granted = c.authorize()
	c.runGauntlet()

	first := p.call("GET", stages+"?page%5Bsize%5D=10", "")
	p.want(p.call("GET", nextLink(t, p.want(first, http.StatusOK)), ""), http.StatusOK)
	p.createOnce("Closed won")
	p.want(p.call("GET", stages+"/1", ""), http.StatusOK)

	report := c.report()
	logReport(t, "a correct client", report)
	if report.Failed != 0 {
		t.Errorf("%d checks fail", report.Failed)
		logJournal(t, c)
	}
	for _, name := range []string{"valid-requests", "retry-after", "no-retry-storm", "expired-token", "refresh-token-reuse", "no-duplicate-create", "opaque-cursors"} {
		if v := verdictOf(t, report, name); v.Verdict != mock.VerdictPass {
			t.Errorf("%s: %s, want pass: the gauntlet did not exercise it: %s", name, v.Verdict, v.Detail)
		}
	}
	box, _ := c.srv.Sandbox("")
	if n := len(box.Faults()); n != 5 || anyLeft(box.Faults()) {
		t.Errorf("the gauntlet's rules did not all fire: %+v", box.Faults())
	}
}

// anyLeft says a rule has times left to fire.
func anyLeft(rules []mock.FaultRule) bool {
	for _, r := range rules {
		if r.Times != nil && *r.Times > 0 {
			return true
		}
	}
	return false
}

// A naive client that meets the gauntlet (it sends again at once whatever failed, its
// create included, keeps its expired token a while, then refreshes it and creates again
// without looking) fails the checks of those flaws.
func TestNaiveClientFailsTheGauntlet(t *testing.T) {
	c := servedMock(t, mock.Options{Generate: 20})
	granted := c.authorize()
	c.runGauntlet()
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"Closed won","order":7}}}`
	unauthorized := 0
	for range 8 {
		r := c.do("POST", stages, "application/vnd.api+json", body)
		if r.err == nil && r.status == http.StatusCreated {
			break
		}
		if r.err == nil && r.status == http.StatusUnauthorized {
			if unauthorized++; unauthorized == 2 {
				c.refresh(granted.refresh, http.StatusOK)
			}
		}
	}
	c.get(stages)
	report := c.report()
	logReport(t, "a naive client", report)
	for _, name := range []string{"retry-after", "no-retry-storm", "expired-token", "no-duplicate-create"} {
		if v := verdictOf(t, report, name); v.Verdict != mock.VerdictFail {
			t.Errorf("%s: %s, want fail: %s", name, v.Verdict, v.Detail)
		}
	}
	if v := verdictOf(t, report, "valid-requests"); v.Verdict == mock.VerdictFail {
		t.Errorf("valid-requests fails a client that sent only valid requests: %s", v.Detail)
	}
}

// logReport writes a report to the test log as the admin API answers it.
func logReport(t *testing.T, who string, r mock.ClientReport) {
	t.Helper()
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the report of %s:\n%s", who, out)
}
