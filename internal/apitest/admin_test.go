package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// Every operation of admin.yaml, called on a mock with each answer it has that a test can
// provoke, conforms: the client validates each answer against admin.yaml (and fails this
// test when one breaks it). The calls run in order, on one mock with a state file.
func TestEveryAdminOperationConforms(t *testing.T) {
	srv, err := mock.New(mock.Options{Seed: 1, StateFile: filepath.Join(t.TempDir(), "state.json")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dropConnection(t, srv)
	c := apitest.New(t, srv.Handler())
	locked, err := mock.New(mock.Options{Seed: 1, AdminToken: "admin-secret"})
	if err != nil {
		t.Fatal(err)
	}
	lockedClient := apitest.New(t, locked.Handler())

	sandbox := http.Header{"X-Mock-Sandbox": {"tour"}}
	badSandbox := http.Header{"X-Mock-Sandbox": {"no spaces"}}
	box, err := srv.Sandbox("")
	if err != nil {
		t.Fatal(err)
	}
	state := string(box.State())
	calls := []struct {
		op     string // the operation of admin.yaml the call exercises, "" for none
		client *apitest.Client
		req    apitest.Request
		want   int
	}{
		{"getHealth", c, apitest.Request{Method: "GET", Target: "/__admin/health", Header: sandbox}, 200},
		{"getHealth", c, apitest.Request{Method: "GET", Target: "/__admin/health", Header: badSandbox}, 400},
		{"getHealth", lockedClient, apitest.Request{Method: "GET", Target: "/__admin/health", Token: "-"}, 401},
		{"getHealth", lockedClient, apitest.Request{Method: "GET", Target: "/__admin/health", Token: "admin-secret"}, 200},
		{"getHealth", c, apitest.Request{Method: "GET", Target: "/__admin/health", Header: http.Header{"Origin": {"https://evil.example"}}}, 403},
		{"getHealth", c, apitest.Request{Method: "GET", Target: "/__admin/health", Header: http.Header{"X-Big": {strings.Repeat("x", 70<<10)}}}, 431},
		{"listSandboxes", c, apitest.Request{Method: "GET", Target: "/__admin/sandboxes"}, 200},
		{"getState", c, apitest.Request{Method: "GET", Target: "http://rebound.example/__admin/state"}, 403},
		{"getState", c, apitest.Request{Method: "GET", Target: "/__admin/state", Header: sandbox}, 200},
		{"replaceState", c, apitest.Request{Method: "PUT", Target: "/__admin/state", Body: state, ContentType: "application/vnd.api+json", Header: sandbox}, 200},
		{"replaceState", c, apitest.Request{Method: "PUT", Target: "/__admin/state", Body: `{"data":[]}`, Header: sandbox}, 200},
		{"replaceState", c, apitest.Request{Method: "PUT", Target: "/__admin/state", Body: `{"data":null}`, Header: sandbox}, 400},
		{"resetSandbox", c, apitest.Request{Method: "POST", Target: "/__admin/reset", Header: sandbox}, 200},
		{"saveSnapshot", c, apitest.Request{Method: "POST", Target: "/__admin/snapshot"}, 200},
		{"saveSnapshot", lockedClient, apitest.Request{Method: "POST", Target: "/__admin/snapshot", Token: "admin-secret"}, 409},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox,
			Body: `{"method":"get","path":"/api/v2/opportunityStages/*","status":503,"headers":{"Retry-After":"3"},"delay":"1ms","times":1,"probability":1}`}, 201},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"operationId":"createOpportunityStage","example":"maintenance","body":{"errors":[]}}`}, 201},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"path":"/api/v2/users/*","drop":true}`}, 201},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"times":0,"status":500}`}, 400},
		{"", c, apitest.Request{Method: "GET", Target: "/api/v2/opportunityStages/1", Header: sandbox}, 503},
		{"listFaults", c, apitest.Request{Method: "GET", Target: "/__admin/faults", Header: sandbox}, 200},
		{"removeFault", c, apitest.Request{Method: "DELETE", Target: "/__admin/faults/1", Header: sandbox}, 204},
		{"removeFault", c, apitest.Request{Method: "DELETE", Target: "/__admin/faults/1", Header: sandbox}, 404},
		{"removeFault", c, apitest.Request{Method: "DELETE", Target: "/__admin/faults/one", Header: sandbox}, 404},
		{"clearFaults", c, apitest.Request{Method: "DELETE", Target: "/__admin/faults", Header: sandbox}, 204},
		{"listRequests", c, apitest.Request{Method: "GET", Target: "/__admin/requests?method=GET&path=/api/v2/opportunityStages/*&status=503&operationId=getOpportunityStage&since=2020-01-01T00:00:00Z&after=0", Header: sandbox}, 200},
		{"listRequests", c, apitest.Request{Method: "GET", Target: "/__admin/requests?status=0"}, 200},
		{"listRequests", c, apitest.Request{Method: "GET", Target: "/__admin/requests?colour=red"}, 400},
		{"clearRequests", c, apitest.Request{Method: "DELETE", Target: "/__admin/requests", Header: sandbox}, 204},
		{"getSettings", c, apitest.Request{Method: "GET", Target: "/__admin/settings", Header: sandbox}, 200},
		{"patchSettings", c, apitest.Request{Method: "PATCH", Target: "/__admin/settings", Header: sandbox,
			Body: `{"skuDisabled":true,"rateLimit":5,"rateWindow":"90s","latency":"1ms-2ms","errorRate":0.5}`}, 200},
		{"patchSettings", c, apitest.Request{Method: "PATCH", Target: "/__admin/settings", Header: sandbox, Body: `{"latency":null}`}, 200},
		{"patchSettings", c, apitest.Request{Method: "PATCH", Target: "/__admin/settings", Header: sandbox, Body: `{"errorRate":2}`}, 400},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"method":"POST","path":"/api/v2/opportunityStages","drop":"after","times":1}`}, 201},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"expireToken":true,"times":1}`}, 201},
		{"addFault", c, apitest.Request{Method: "POST", Target: "/__admin/faults", Header: sandbox, Body: `{"expireToken":true,"status":500}`}, 400},
		{"listFaults", c, apitest.Request{Method: "GET", Target: "/__admin/faults", Header: sandbox}, 200},
		{"clearFaults", c, apitest.Request{Method: "DELETE", Target: "/__admin/faults", Header: sandbox}, 204},
		{"runGauntlet", c, apitest.Request{Method: "POST", Target: "/__admin/gauntlet", Header: sandbox}, 201},
		{"getClientReport", c, apitest.Request{Method: "GET", Target: "/__admin/client-report", Header: sandbox}, 200},
		{"getClientReport", c, apitest.Request{Method: "GET", Target: "/__admin/client-report?format=junit&since=2020-01-01T00:00:00Z", Header: sandbox}, 200},
		{"getClientReport", c, apitest.Request{Method: "GET", Target: "/__admin/client-report?format=yaml"}, 400},
		{"redirectToDashboard", c, apitest.Request{Method: "GET", Target: "/__admin/ui"}, 301},
		{"getDashboard", c, apitest.Request{Method: "GET", Target: "/__admin/ui/"}, 200},
		{"getDashboardAsset", c, apitest.Request{Method: "GET", Target: "/__admin/ui/app.js"}, 200},
		{"getDashboardAsset", c, apitest.Request{Method: "GET", Target: "/__admin/ui/style.css"}, 200},
		{"getDashboardAsset", c, apitest.Request{Method: "HEAD", Target: "/__admin/ui/style.css"}, 200},
		{"getDashboardAsset", c, apitest.Request{Method: "GET", Target: "/__admin/ui/nope.js"}, 404},
		{"", c, apitest.Request{Method: "POST", Target: "/__admin/ui/"}, 405},
		{"", c, apitest.Request{Method: "GET", Target: "/__admin/nope"}, 404},
		{"", c, apitest.Request{Method: "GET", Target: "/__admin"}, 404},
		{"", c, apitest.Request{Method: "PUT", Target: "/__admin/health"}, 0}, // 404 or 405, as long as it conforms
	}
	exercised := map[string]bool{}
	for _, call := range calls {
		r := call.client.Do(call.req)
		if call.want != 0 && r.Status != call.want {
			t.Errorf("%s %s: %d, want %d\n%s", call.req.Method, call.req.Target, r.Status, call.want, r.Body)
		}
		if call.op != "" && r.Status < 400 {
			exercised[call.op] = true
		}
	}
	doc, err := oppstages.AdminSpec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !exercised[op.OperationID] {
				t.Errorf("%s %s (%s) was never answered with a success or a redirect here; add a call", method, path, op.OperationID)
			}
		}
	}
}

// dropConnection has srv's journal record a dropped connection (status 0, no response
// headers), which only a real connection can show.
func dropConnection(t *testing.T, srv *mock.Server) {
	t.Helper()
	box, err := srv.Sandbox("")
	if err != nil {
		t.Fatal(err)
	}
	rule, err := box.AddFault(mock.FaultRule{Path: "/api/v2/users/1", Drop: mock.DropBefore, Times: new(1)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/api/v2/users/1", nil)
	req.Header.Set("Authorization", "Bearer "+apitest.Token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("rule %d did not drop the connection: %d", rule.ID, resp.StatusCode)
	}
	if log, _ := box.Requests(mock.JournalFilter{}); !slices.ContainsFunc(log.Requests, func(e mock.JournalEntry) bool { return e.Status == 0 }) {
		t.Fatal("the journal has no dropped connection")
	}
}

// What admin.yaml says another method gets on a path ("Any other method ... is a 405",
// "(405 otherwise)") is what the mock answers: each such operation's path, called with a
// method admin.yaml does not give it, gets the status the description names.
func TestAdminDescriptionsSayWhatOtherMethodsGet(t *testing.T) {
	srv, err := mock.New(mock.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, srv.Handler())
	doc, err := oppstages.AdminSpec()
	if err != nil {
		t.Fatal(err)
	}
	claim := regexp.MustCompile(`(?i)other(?: method[^.]*?|wise)\D*\b([45]\d\d)\b`)
	checked := 0
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			m := claim.FindStringSubmatch(op.Description)
			if m == nil {
				continue
			}
			want, _ := strconv.Atoi(m[1])
			method := ""
			for _, candidate := range []string{"PATCH", "PUT", "POST", "DELETE"} {
				if item.GetOperation(candidate) == nil {
					method = candidate
					break
				}
			}
			target := "/__admin" + strings.NewReplacer("{id}", "1", "{asset}", "app.js").Replace(path)
			if r := c.Do(apitest.Request{Method: method, Target: target}); r.Status != want {
				t.Errorf("%s %s: %d, but admin.yaml says another method gets %d (%q)", method, target, r.Status, want, m[0])
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no description of admin.yaml says what another method gets; the pattern finds nothing")
	}
}
