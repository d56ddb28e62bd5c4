package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

func withHeader(req apitest.Request, kv ...string) apitest.Request {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	return req
}

// operationRequests is one valid request per operation.
var operationRequests = map[string]apitest.Request{
	"listOpportunityStages":  {Method: "GET", Target: stages},
	"getOpportunityStage":    {Method: "GET", Target: stages + "/1"},
	"createOpportunityStage": {Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`, ContentType: "application/vnd.api+json"},
	"updateOpportunityStage": {Method: "PATCH", Target: stages + "/1", Body: `{"data":{"type":"opportunityStage","id":1}}`, ContentType: "application/vnd.api+json"},
	"deleteOpportunityStage": {Method: "DELETE", Target: stages + "/2"},
	"getUser":                {Method: "GET", Target: "/api/v2/users/1"},
	"listOpportunities":      {Method: "GET", Target: "/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1"},
	"getApiRoot":             {Method: "GET", Target: "/api/v2"},
}

func documentedStatuses(t *testing.T) map[string][]int {
	t.Helper()
	doc, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for _, item := range doc.Paths.Map() { // openapi.yaml's: the authorization server, which Prefer does not apply to, is oauth.yaml's
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				n, _ := strconv.Atoi(code)
				out[op.OperationID] = append(out[op.OperationID], n)
			}
		}
	}
	return out
}

// Prefer: code=N gives every documented status of every operation, and each answer is
// validated against openapi.yaml by the client.
func TestPreferCodeForEveryDocumentedStatus(t *testing.T) {
	for op, statuses := range documentedStatuses(t) {
		for _, status := range statuses {
			t.Run(fmt.Sprintf("%s/%d", op, status), func(t *testing.T) {
				_, c := newServer(t, mock.Options{})
				r := c.Do(withHeader(operationRequests[op], "Prefer", fmt.Sprintf("code=%d", status)))
				if r.Status != status {
					t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
				}
				if status == 429 && r.Header.Get("X-RateLimit-Remaining") != "0" {
					t.Errorf("429 with %s requests remaining", r.Header.Get("X-RateLimit-Remaining"))
				}
			})
		}
	}
}

// Every file in fixtures/errors replays by name, exactly, for an operation that documents
// its status; the client validates it against openapi.yaml.
func TestEveryErrorFixtureReplaysAndConforms(t *testing.T) {
	errs, err := fixtures.DefaultErrors()
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) < 15 {
		t.Errorf("%d error fixtures, want one per reproducible error", len(errs))
	}
	statuses := documentedStatuses(t)
	for name, fx := range errs {
		t.Run(name, func(t *testing.T) {
			op := "createOpportunityStage"
			if !slices.Contains(statuses[op], fx.Status) {
				t.Fatalf("status %d is not documented for %s", fx.Status, op)
			}
			_, c := newServer(t, mock.Options{})
			r := c.Do(withHeader(operationRequests[op], "Prefer", "example="+name))
			if r.Status != fx.Status {
				t.Fatalf("status %d, want %d", r.Status, fx.Status)
			}
			var want, got any
			_ = json.Unmarshal(fx.Body, &want)
			_ = json.Unmarshal(r.Body, &got)
			var opts []cmp.Option
			if fx.Status == http.StatusTooManyRequests { // names the current reset: TestCannedRateLimitDetailIsCurrent
				opts = append(opts, cmp.FilterPath(func(p cmp.Path) bool {
					return p.Last().String() == `["detail"]`
				}, cmp.Ignore()))
			}
			if diff := cmp.Diff(want, got, opts...); diff != "" {
				t.Errorf("body differs from the fixture (-want +got):\n%s", diff)
			}
			for k, v := range fx.Headers {
				if r.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, r.Header.Get(k), v)
				}
			}
		})
	}
}

func TestPreferMistakes(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	tests := []struct {
		prefer string
		status int
		id     string
		detail string
	}{
		{"code=418", 400, "mockBadPrefer", "use one of 200, 400, 401"},
		{"code=abc", 400, "mockBadPrefer", "status code"},
		{"example=nope", 400, "mockBadPrefer", "examples: "},
		{"code=404, example=rateLimited", 400, "mockBadPrefer", "no example"},
		{"code=404, example=routeNotFound", 404, "routeNotFound", ""},
		{"return=minimal", 200, "", ""},
		{"code=200", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.prefer, func(t *testing.T) {
			r := c.Do(withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", tt.prefer))
			if tt.id == "" {
				if r.Status != tt.status {
					t.Fatalf("status %d, want %d", r.Status, tt.status)
				}
				return
			}
			e := wantError(t, r, tt.status, tt.id)
			if !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("detail %q does not mention %q", e.Detail, tt.detail)
			}
		})
	}
	// A success example is served as documented.
	r := c.Do(withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", "example=stagesPage"))
	if r.Status != 200 || !strings.Contains(string(r.Body), "count_truncated") {
		t.Errorf("example=stagesPage: %d %s", r.Status, r.Body)
	}
}

func TestMockDelay(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	start := time.Now()
	if r := c.Do(withHeader(apitest.Request{Method: "GET", Target: stages + "/1"}, "X-Mock-Delay", "60ms")); r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	if elapsed := time.Since(start); elapsed < 60*time.Millisecond {
		t.Errorf("answered after %s, before the 60ms delay", elapsed)
	}
	for _, bad := range []string{"soon", "-5ms", "24h"} {
		wantError(t, c.Do(withHeader(apitest.Request{Method: "GET", Target: stages}, "X-Mock-Delay", bad)), 400, "mockBadHeader")
	}
}

func postFault(t *testing.T, c *apitest.Client, sandbox, rule string) *apitest.Response {
	t.Helper()
	req := apitest.Request{Method: "POST", Target: "/__admin/faults", Body: rule, ContentType: "application/json"}
	if sandbox != "" {
		req = withHeader(req, "X-Mock-Sandbox", sandbox)
	}
	return c.Do(req)
}

func TestFaultRules(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := postFault(t, c, "", `{"method":"get","path":"/api/v2/opportunityStages/*","operationId":"getOpportunityStage","status":503,"headers":{"Retry-After":"120"},"times":2}`)
	if r.Status != 201 || r.JSON["id"] != 1.0 {
		t.Fatalf("post fault: %d %s", r.Status, r.Body)
	}
	for i := range 2 {
		got := c.Get(stages + "/3")
		e := wantError(t, got, 503, "scheduledServerMaintenance")
		if got.Header.Get("Retry-After") != "120" || e.Detail == "" {
			t.Errorf("fault %d: Retry-After %q", i, got.Header.Get("Retry-After"))
		}
	}
	if got := c.Get(stages + "/3"); got.Status != 200 {
		t.Errorf("after times ran out: %d", got.Status)
	}
	if got := c.Get(stages); got.Status != 200 {
		t.Errorf("the rule matched the list path: %d", got.Status)
	}
	// A body given in the rule is sent as is; an example names a fixture.
	postFault(t, c, "", `{"method":"DELETE","status":500,"body":{"errors":[{"id":"internalServerError","title":"Internal Server Error","detail":"captured"}]}}`)
	if e := wantError(t, c.Do(deleteReq(4)), 500, "internalServerError"); e.Detail != "captured" {
		t.Errorf("detail %q, want the rule's body", e.Detail)
	}
	postFault(t, c, "", `{"operationId":"createOpportunityStage","status":403,"example":"skuDisabled"}`)
	wantError(t, c.Send("POST", stages, operationRequests["createOpportunityStage"].Body), 403, "unauthorizedRequest")

	list := c.Get("/__admin/faults")
	faults, _ := list.JSON["faults"].([]any)
	if len(faults) != 3 || faults[0].(map[string]any)["fired"] != 2.0 || faults[0].(map[string]any)["times"] != 0.0 {
		t.Errorf("fault list: %s", list.Body)
	}
	if r := c.Do(apitest.Request{Method: "DELETE", Target: "/__admin/faults/2"}); r.Status != 204 {
		t.Errorf("delete rule: %d", r.Status)
	}
	if r := c.Do(apitest.Request{Method: "DELETE", Target: "/__admin/faults/2"}); r.Status != 404 {
		t.Errorf("delete rule twice: %d", r.Status)
	}
	if r := c.Do(deleteReq(4)); r.Status != 204 {
		t.Errorf("deleted rule still fires: %d", r.Status)
	}
	c.Do(apitest.Request{Method: "DELETE", Target: "/__admin/faults"})
	if r := c.Send("POST", stages, operationRequests["createOpportunityStage"].Body); r.Status != 201 {
		t.Errorf("after clearing the rules: %d", r.Status)
	}
}

func TestFaultTimesIsExactUnderConcurrency(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	postFault(t, c, "", `{"path":"/api/v2/opportunityStages","status":502,"times":1}`)
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			r := c.Get(stages)
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[502] != 1 || counts[200] != 49 {
		t.Errorf("statuses %v, want one 502 and 49 200s", counts)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	run := func(seed uint64) []int {
		_, c := newServer(t, mock.Options{Seed: seed})
		postFault(t, c, "", `{"status":500,"probability":0.5}`)
		var out []int
		for range 40 {
			out = append(out, c.Get(stages+"/1").Status)
		}
		return out
	}
	a, b := run(3), run(3)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different fault sequence:\n%v\n%v", a, b)
	}
	fired := 0
	for _, s := range a {
		if s == 500 {
			fired++
		}
	}
	if fired < 8 || fired > 32 {
		t.Errorf("probability 0.5 fired %d of 40 times", fired)
	}
}

func TestBadFaultRules(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	tests := map[string]string{
		"not JSON":              `{`,
		"unknown field":         `{"status":500,"colour":"red"}`,
		"nothing to do":         `{"path":"/api/v2/opportunityStages"}`,
		"status out of range":   `{"status":99}`,
		"drop and status":       `{"status":500,"drop":true}`,
		"partial wildcard":      `{"path":"/api/v2/opp*","status":500}`,
		"relative path":         `{"path":"api/v2","status":500}`,
		"negative times":        `{"status":500,"times":-1}`,
		"zero times":            `{"status":500,"times":0}`,
		"probability above one": `{"status":500,"probability":2}`,
		"unknown operation":     `{"operationId":"listWidgets","status":500}`,
		"unknown example":       `{"status":500,"example":"nope"}`,
		"bad delay":             `{"delay":"soon"}`,
		"huge delay":            `{"delay":"2h"}`,
		"bad method":            `{"method":"FETCH","status":500}`,
		"bad header":            `{"status":500,"headers":{"Bad Header":"x"}}`,
		"two objects":           `{"status":500}{"status":501}`,
	}
	for name, rule := range tests {
		t.Run(name, func(t *testing.T) {
			r := postFault(t, c, "", rule)
			if r.Status != 400 || r.JSON["error"] == "" {
				t.Errorf("status %d body %s, want 400 with an error", r.Status, r.Body)
			}
		})
	}
	if list := c.Get("/__admin/faults"); len(list.JSON["faults"].([]any)) != 0 {
		t.Errorf("rejected rules were stored: %s", list.Body)
	}
}

func TestSKUDisabled(t *testing.T) {
	_, c := newServer(t, mock.Options{SKUDisabled: true})
	wantError(t, c.Get(stages), 403, "unauthorizedRequest")
	wantError(t, c.Do(apitest.Request{Method: "GET", Target: stages, Token: "-"}), 401, "")
	r := c.Do(apitest.Request{Method: "PATCH", Target: "/__admin/settings", Body: `{"skuDisabled":false}`})
	if r.Status != 200 || r.JSON["skuDisabled"] != false {
		t.Fatalf("patch settings: %d %s", r.Status, r.Body)
	}
	if r := c.Get(stages); r.Status != 200 {
		t.Errorf("after turning the SKU back on: %d", r.Status)
	}
}

func TestErrorRate(t *testing.T) {
	_, c := newServer(t, mock.Options{ErrorRate: 1})
	seen := map[int]bool{}
	for range 30 {
		r := c.Get(stages)
		if r.Status < 500 {
			t.Fatalf("error rate 1 answered %d", r.Status)
		}
		seen[r.Status] = true
	}
	if len(seen) < 2 {
		t.Errorf("only %v among 30 random 5xx", seen)
	}
	journal := c.Get("/__admin/requests")
	entries := journal.JSON["requests"].([]any)
	if len(entries) != 30 || !strings.HasPrefix(entries[0].(map[string]any)["fault"].(string), "error-rate") {
		t.Errorf("journal: %s", journal.Body)
	}
}

func TestSettingsLive(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	got := c.Get("/__admin/settings")
	want := map[string]any{"skuDisabled": false, "rateLimit": 10000.0, "rateWindow": "1h0m0s", "latency": "0", "errorRate": 0.0}
	if diff := cmp.Diff(want, got.JSON); diff != "" {
		t.Errorf("default settings (-want +got):\n%s", diff)
	}
	r := c.Do(apitest.Request{Method: "PATCH", Target: "/__admin/settings", Body: `{"rateLimit":1,"latency":"1ms-3ms","errorRate":0}`})
	if r.Status != 200 || r.JSON["latency"] != "1ms-3ms" {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	c.Get(stages)
	wantError(t, c.Get(stages), 429, "rateLimitExceeded")
	for _, bad := range []string{`{"rateLimit":-1}`, `{"errorRate":1.5}`, `{"latency":"fast"}`, `{"latency":"5ms-1ms"}`, `{"rateWindow":"0s"}`, `{"speed":1}`, `[]`} {
		if r := c.Do(apitest.Request{Method: "PATCH", Target: "/__admin/settings", Body: bad}); r.Status != 400 {
			t.Errorf("%s: %d, want 400", bad, r.Status)
		}
	}
	c.Do(apitest.Request{Method: "POST", Target: "/__admin/reset"})
	if r := c.Get(stages); r.Status != 200 {
		t.Errorf("reset did not restore the settings and limits: %d", r.Status)
	}
}

// A fault rule may name only an example: it answers with that fixture and its status.
func TestFaultRuleWithOnlyAnExample(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	if r := postFault(t, c, "", `{"operationId":"getUser","example":"maintenance"}`); r.Status != 201 || r.JSON["status"] != 503.0 {
		t.Fatalf("post rule with only an example: %d %s", r.Status, r.Body)
	}
	got := c.Get("/api/v2/users/1")
	wantError(t, got, 503, "scheduledServerMaintenance")
	if got.Header.Get("Retry-After") == "" {
		t.Error("the maintenance 503 has no Retry-After")
	}
	if r := postFault(t, c, "", `{"example":"nope"}`); r.Status != 400 {
		t.Errorf("a rule naming an unknown example: %d %s", r.Status, r.Body)
	}
}

// Every canned 429 names the real limit and the real reset time, which agree with the
// Retry-After and X-RateLimit-Reset headers sent beside it.
func TestCannedRateLimitDetailIsCurrent(t *testing.T) {
	_, c := newServer(t, mock.Options{RateLimit: 500})
	postFault(t, c, "", `{"operationId":"getUser","example":"rateLimited"}`)
	for name, r := range map[string]*apitest.Response{
		"Prefer: code=429":            c.Do(withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", "code=429")),
		"Prefer: example=rateLimited": c.Do(withHeader(apitest.Request{Method: "GET", Target: stages + "/1"}, "Prefer", "example=rateLimited")),
		"rule with the example":       c.Get("/api/v2/users/1"),
	} {
		e := wantError(t, r, 429, "rateLimitExceeded")
		reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
		if err != nil {
			t.Fatalf("%s: X-RateLimit-Reset %q", name, r.Header.Get("X-RateLimit-Reset"))
		}
		at := time.Unix(reset, 0).UTC()
		want := "You have exceeded your permitted rate limit of 500; please try again at " + at.Format("2006-01-02T15:04:05") + "."
		if e.Detail != want {
			t.Errorf("%s: detail %q, want %q", name, e.Detail, want)
		}
		if retry := r.Header.Get("Retry-After"); retry != strconv.Itoa(int(at.Sub(epoch).Round(time.Second)/time.Second)) {
			t.Errorf("%s: Retry-After %s disagrees with the reset at %s (now %s)", name, retry, at, epoch)
		}
	}
}
