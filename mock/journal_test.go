package mock_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// lastEntry is the newest journal entry of the sandbox, read through the Go API.
func lastEntry(t *testing.T, box *mock.Sandbox) mock.JournalEntry {
	t.Helper()
	log, err := box.Requests(mock.JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.Requests) == 0 {
		t.Fatal("the journal is empty")
	}
	return log.Requests[len(log.Requests)-1]
}

// sameJSON fails unless a and b hold equal JSON values.
func sameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v in %s", what, err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v in %s", what, err, b)
	}
	if diff := cmp.Diff(va, vb); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

func TestJournalEntryFields(t *testing.T) {
	patch := `{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"Renamed"}}}`
	create := `{"data":{"type":"opportunityStage","attributes":{"name":"New","order":9}}}`
	for _, c := range []struct {
		name   string
		fault  string // a fault rule to post first
		req    apitest.Request
		op     string
		status int
		mark   string // the entry's fault
	}{
		{name: "list", req: apitest.Request{Method: "GET", Target: stages + "?sort=-order&page%5Bsize%5D=2"}, op: "listOpportunityStages", status: 200},
		{name: "get", req: apitest.Request{Method: "GET", Target: stages + "/3?include=creator"}, op: "getOpportunityStage", status: 200},
		{name: "create", req: apitest.Request{Method: "POST", Target: stages, Body: create, ContentType: "application/vnd.api+json"}, op: "createOpportunityStage", status: 201},
		{name: "update", req: apitest.Request{Method: "PATCH", Target: stages + "/3", Body: patch, ContentType: "application/vnd.api+json"}, op: "updateOpportunityStage", status: 200},
		{name: "delete", req: apitest.Request{Method: "DELETE", Target: stages + "/3"}, op: "deleteOpportunityStage", status: 204},
		{name: "user", req: apitest.Request{Method: "GET", Target: "/api/v2/users/1"}, op: "getUser", status: 200},
		{name: "unknown route", req: apitest.Request{Method: "GET", Target: "/api/v2/nope"}, status: 404},
		{name: "unknown id", req: apitest.Request{Method: "GET", Target: stages + "/999"}, op: "getOpportunityStage", status: 404},
		{name: "no token", req: apitest.Request{Method: "GET", Target: stages, Token: "-"}, op: "listOpportunityStages", status: 401},
		{name: "bad filter", req: apitest.Request{Method: "GET", Target: stages + "?filter%5Bcolor%5D=red"}, op: "listOpportunityStages", status: 400},
		{name: "invalid body", req: apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"order":"x"}}}`, ContentType: "application/vnd.api+json"}, op: "createOpportunityStage", status: 422},
		{name: "wrong media type", req: apitest.Request{Method: "POST", Target: stages, Body: create, ContentType: "text/plain"}, op: "createOpportunityStage", status: 415},
		{name: "prefer", req: withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", "code=429"), op: "listOpportunityStages", status: 429, mark: "prefer code=429"},
		{name: "fault rule", fault: `{"method":"PATCH","status":503}`, req: apitest.Request{Method: "PATCH", Target: stages + "/3", Body: patch, ContentType: "application/vnd.api+json"}, op: "updateOpportunityStage", status: 503, mark: "rule 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, client := newServer(t, mock.Options{})
			box, err := s.Sandbox("journal-" + strings.ReplaceAll(c.name, " ", "-"))
			if err != nil {
				t.Fatal(err)
			}
			if c.fault != "" {
				postFault(t, client, box.Name(), c.fault)
			}
			resp := client.Do(inSandbox(box.Name(), c.req))
			if resp.Status != c.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, c.status, resp.Body)
			}
			e := lastEntry(t, box)
			path, query, _ := strings.Cut(c.req.Target, "?")
			got := []any{e.Sandbox, e.Method, e.Path, e.Query, e.OperationID, e.Status, e.Fault}
			want := []any{box.Name(), c.req.Method, path, query, c.op, c.status, c.mark}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("sandbox, method, path, query, operationId, status, fault (-want +got):\n%s", diff)
			}
			if e.ID < 1 || e.Time.IsZero() || e.DurationMS < 0 {
				t.Errorf("id %d, time %v, duration %v", e.ID, e.Time, e.DurationMS)
			}
			if c.req.Body != "" {
				if e.RequestHeaders.Get("Content-Type") != c.req.ContentType {
					t.Errorf("request Content-Type %q", e.RequestHeaders.Get("Content-Type"))
				}
				sameJSON(t, "request body", []byte(c.req.Body), e.RequestBody)
			} else if e.RequestBody != nil {
				t.Errorf("a request body out of nothing: %s", e.RequestBody)
			}
			if wantAuth := map[bool]string{true: "", false: "Bearer REDACTED"}[c.req.Token == "-"]; e.RequestHeaders.Get("Authorization") != wantAuth {
				t.Errorf("request Authorization %q, want %q", e.RequestHeaders.Get("Authorization"), wantAuth)
			}
			if e.ResponseHeaders.Get("X-RateLimit-Limit") == "" || e.ResponseHeaders.Get("Content-Type") != resp.Header.Get("Content-Type") {
				t.Errorf("response headers %v, want those sent: %v", e.ResponseHeaders, resp.Header)
			}
			if len(resp.Body) == 0 {
				if e.ResponseBody != nil {
					t.Errorf("a response body out of nothing: %s", e.ResponseBody)
				}
			} else {
				sameJSON(t, "response body", resp.Body, e.ResponseBody)
			}
			if e.RequestBodyTruncated || e.ResponseBodyTruncated || e.Violations != nil {
				t.Errorf("truncated %v/%v, violations %v", e.RequestBodyTruncated, e.ResponseBodyTruncated, e.Violations)
			}
		})
	}
}

func TestJournalDroppedConnectionAndLargeBody(t *testing.T) {
	s, c := newServer(t, mock.Options{MaxBodyBytes: 200 << 10})
	box, _ := s.Sandbox("")
	postFault(t, c, "", `{"operationId":"deleteOpportunityStage","drop":true,"times":1}`)
	func() {
		defer func() { _ = recover() }() // the in-memory client sees the abort as a panic
		c.Do(deleteReq(2))
	}()
	if e := lastEntry(t, box); e.Status != 0 || e.Fault != "rule 1" || e.ResponseBody != nil || e.ResponseHeaders != nil {
		t.Errorf("dropped connection entry: %+v", e)
	}
	huge := `{"data":{"type":"opportunityStage","attributes":{"name":"` + strings.Repeat("é", 150<<10) + `"}}}`
	wantError(t, c.Send("POST", stages, huge), 413, "requestEntityTooLarge")
	e := lastEntry(t, box)
	var text string
	if err := json.Unmarshal(e.RequestBody, &text); err != nil || !e.RequestBodyTruncated || len(text) > 64<<10 || !strings.HasPrefix(huge, text) {
		t.Errorf("over-long body: truncated %v, %d bytes kept (%v)", e.RequestBodyTruncated, len(text), err)
	}
}

// The token a client sends appears in no journal output: not over HTTP, not from Go.
func TestJournalNeverShowsCredentials(t *testing.T) {
	const secret = "s3cr3t-TOKEN-value"
	s, c := newServer(t, mock.Options{})
	box, _ := s.Sandbox("")
	req := apitest.Request{Method: "GET", Target: stages + "?access_token=" + secret, Token: secret,
		Header: http.Header{"Cookie": {"sid=" + secret}, "X-Api-Key": {secret}, "X-Forward-Auth": {"Bearer " + secret}}}
	c.Do(req)
	c.Do(apitest.Request{Method: "GET", Target: stages, Token: secret})
	c.Do(apitest.Request{Method: "POST", Target: stages, Token: secret, ContentType: "application/vnd.api+json",
		Body: `{"data":{"type":"opportunityStage","attributes":{"name":"x"}},"meta":{"apiToken":"` + secret + `"}}`})
	over := c.Get("/__admin/requests")
	if over.Status != 200 || bytes.Contains(over.Body, []byte(secret)) {
		t.Errorf("GET /__admin/requests shows the token: %s", over.Body)
	}
	log, err := box.Requests(mock.JournalFilter{})
	if err != nil || log.Count != 3 {
		t.Fatalf("Requests: %v, %d entries", err, log.Count)
	}
	encoded, _ := json.Marshal(log)
	if printed := fmt.Sprintf("%+v %v %s", log, log, encoded); strings.Contains(printed, secret) {
		t.Errorf("the Go API shows the token: %s", printed)
	}
	if got := log.Requests[0].RequestHeaders.Get("Authorization"); got != "Bearer REDACTED" {
		t.Errorf("Authorization kept as %q, want the scheme and REDACTED", got)
	}
}

// The OAuth endpoints are journaled too, and their credentials (client secret, code,
// access and refresh tokens) never show.
func TestJournalNeverShowsOAuthCredentials(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	box, _ := s.Sandbox("")
	code := authorize(t, c, "opportunityStages.read")
	tok := decodeToken(t, postToken(c, codeForm(code)))
	refreshed := decodeToken(t, postTokenJSON(t, c, refreshForm(tok.RefreshToken)))
	log, err := box.Requests(mock.JournalFilter{Path: "/oauth/*"})
	if err != nil || log.Count != 3 {
		t.Fatalf("journal: %v, %d entries", err, log.Count)
	}
	encoded, _ := json.Marshal(log)
	over := c.Get("/__admin/requests").Body
	for _, secret := range []string{appSecret, code, tok.AccessToken, tok.RefreshToken, refreshed.AccessToken, refreshed.RefreshToken} {
		if bytes.Contains(encoded, []byte(secret)) || bytes.Contains(over, []byte(secret)) {
			t.Errorf("the journal shows %q:\n%s", secret, encoded)
		}
	}
	if e := log.Requests[1]; e.Method != "POST" || e.Status != 200 || !bytes.Contains(e.RequestBody, []byte("grant_type=authorization_code")) || e.ResponseBody == nil {
		t.Errorf("token entry: %s %s %d %s", e.Method, e.Path, e.Status, e.RequestBody)
	}
}

func TestJournalFiltersOverHTTP(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{})
	c.Get(stages)
	c.Send("PATCH", stages+"/3", `{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"x"}}}`)
	clock.Advance(10_000_000_000)
	c.Send("PATCH", stages+"/4", `{"data":{"type":"opportunityStage","id":5,"attributes":{"name":"x"}}}`)
	c.Get(stages + "/3")
	for query, want := range map[string][]float64{
		"":                                  {1, 2, 3, 4},
		"?method=PATCH":                     {2, 3},
		"?path=/api/v2/opportunityStages/*": {2, 3, 4},
		"?path=/api/v2/opportunityStages/3": {2, 4},
		"?operationId=updateOpportunityStage&status=409":                    {3},
		"?since=" + epoch.Add(5_000_000_000).Format("2006-01-02T15:04:05Z"): {3, 4},
		"?after=2&method=GET": {4},
	} {
		r := c.Get("/__admin/requests" + query)
		var got []float64
		for _, e := range r.JSON["requests"].([]any) {
			got = append(got, e.(map[string]any)["id"].(float64))
		}
		if !cmp.Equal(want, got) || r.JSON["count"] != float64(len(want)) || r.JSON["evicted"] != 0.0 {
			t.Errorf("%s: ids %v, count %v; want %v", query, got, r.JSON["count"], want)
		}
	}
	for query, field := range map[string]string{
		"?status=teapot":          "status",
		"?since=2026-03-01":       "since",
		"?path=opportunityStages": "path",
		"?operationId=getStage":   "operationId",
		"?after=-3":               "after",
		"?methd=GET":              "methd",
	} {
		r := c.Get("/__admin/requests" + query)
		if r.Status != 400 || r.JSON["field"] != field || !strings.Contains(r.JSON["error"].(string), field) {
			t.Errorf("%s: %d %s, want a 400 naming %s", query, r.Status, r.Body, field)
		}
	}
}

func TestJournalAtItsLimits(t *testing.T) {
	s, c := newServer(t, mock.Options{Generate: 400, MaxJournal: 5, MaxJournalBytes: 256 << 10})
	box, _ := s.Sandbox("")
	// Pages of 400 stages are far over 64 KiB: each entry keeps 64 KiB of its response,
	// so the byte budget, not the entry limit, decides: three entries fit, not four.
	for range 8 {
		if r := c.Get(stages + "?page%5Bsize%5D=400"); r.Status != 200 || len(r.Body) < 100<<10 {
			t.Fatalf("list: %d, %d bytes", r.Status, len(r.Body))
		}
	}
	log, _ := box.Requests(mock.JournalFilter{})
	if log.Count != 3 || log.Evicted != 5 {
		t.Errorf("%d entries kept, %d evicted: want the byte budget to keep 3", log.Count, log.Evicted)
	}
	if last := log.Requests[len(log.Requests)-1]; last.ID != 8 || !last.ResponseBodyTruncated || len(last.ResponseBody) < 64<<10 {
		t.Errorf("the newest entry %d: truncated %v, %d bytes", last.ID, last.ResponseBodyTruncated, len(last.ResponseBody))
	}
	for range 10 {
		c.Get(stages + "/1")
	}
	log, _ = box.Requests(mock.JournalFilter{})
	if log.Count != 5 || log.Evicted != 13 || box.Health().JournalEvicted != 13 {
		t.Errorf("after small requests: %d kept, %d evicted (health %d); want 5 and 13", log.Count, log.Evicted, box.Health().JournalEvicted)
	}
}

// The method filter matches in any case: ?method=get is GET.
func TestJournalMethodFilterIgnoresCase(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Get(stages + "/1")
	c.Get(stages + "/2")
	c.Send(http.MethodPatch, stages+"/1", `{"data":{"type":"opportunityStage","id":1,"attributes":{"name":"x"}}}`)
	for method, want := range map[string]float64{"get": 2, "GET": 2, "Get": 2, "patch": 1, "delete": 0} {
		r := c.Do(apitest.Request{Method: http.MethodGet, Target: "/__admin/requests?method=" + method})
		if r.Status != http.StatusOK || r.JSON["count"] != want {
			t.Errorf("?method=%s: %d, count %v, want %v", method, r.Status, r.JSON["count"], want)
		}
	}
}

// Clients that spread requests over many sandboxes cannot grow the journals past the
// server-wide budget: the oldest entries of any sandbox go first.
func TestJournalsShareOneBudget(t *testing.T) {
	const total = 512 << 10
	s, c := newServer(t, mock.Options{MaxJournalBytes: 256 << 10, MaxJournalBytesTotal: total})
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"` + strings.Repeat("n", 60<<10) + `"}}}`
	const boxes = 30
	for i := range boxes {
		r := c.Do(apitest.Request{Method: http.MethodPost, Target: stages, Body: body, ContentType: "application/vnd.api+json",
			Header: http.Header{"X-Mock-Sandbox": {fmt.Sprintf("box-%d", i)}}})
		if r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusCreated {
			t.Fatalf("create in box-%d: %d %s", i, r.Status, r.Body)
		}
	}
	held, kept := 0, map[string]int{}
	for _, sum := range s.Sandboxes() {
		box, err := s.Sandbox(sum.Name)
		if err != nil {
			t.Fatal(err)
		}
		log, _ := box.Requests(mock.JournalFilter{})
		for _, e := range log.Requests {
			held += len(e.RequestBody) + len(e.ResponseBody)
		}
		kept[sum.Name] = log.Count
	}
	if held > total {
		t.Errorf("the journals hold %d bytes of bodies together, over the %d budget", held, total)
	}
	if kept["box-0"] != 0 || kept[fmt.Sprintf("box-%d", boxes-1)] != 1 {
		t.Errorf("entries kept per sandbox %v: want the oldest sandbox's dropped, the newest's kept", kept)
	}
	if box, _ := s.Sandbox("box-0"); box.Health().JournalEvicted != 1 {
		t.Errorf("box-0 journalEvicted %d, want 1", box.Health().JournalEvicted)
	}
}

// Writers and readers of one sandbox's journal at once, over HTTP and from Go (run
// under -race by make test).
func TestJournalUnderConcurrency(t *testing.T) {
	s, c := newServer(t, mock.Options{MaxJournal: 50})
	box, _ := s.Sandbox("busy")
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 20 {
				c.Do(inSandbox("busy", apitest.Request{Method: "PATCH", Target: fmt.Sprintf("%s/%d", stages, 1+(w+i)%8),
					Body: fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"w%d-%d"}}}`, 1+(w+i)%8, w, i), ContentType: "application/vnd.api+json"}))
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			for range 20 {
				if _, err := box.Requests(mock.JournalFilter{Method: "PATCH"}); err != nil {
					t.Error(err)
				}
				c.Do(inSandbox("busy", apitest.Request{Method: "GET", Target: "/__admin/requests?path=/api/v2/opportunityStages/*"}))
			}
		})
	}
	wg.Wait()
	log, _ := box.Requests(mock.JournalFilter{})
	if log.Count != 50 || log.Evicted != 70 {
		t.Errorf("%d kept, %d evicted; want 50 and 70", log.Count, log.Evicted)
	}
}

func TestGoAPIErrors(t *testing.T) {
	s, _ := newServer(t, mock.Options{MaxFaults: 1})
	if _, err := s.Sandbox("no spaces"); !errors.Is(err, mock.ErrInvalid) {
		t.Errorf("bad sandbox name: %v", err)
	}
	box, _ := s.Sandbox("errors")
	var input *mock.InputError
	checks := []struct {
		name  string
		err   error
		is    error
		field string
	}{
		{"fault without an effect", second(box.AddFault(mock.FaultRule{Path: "/x"})), mock.ErrInvalid, "status"},
		{"fault with a bad path", second(box.AddFault(mock.FaultRule{Status: 503, Path: "/a*"})), mock.ErrInvalid, "path"},
		{"fault with an unknown operation", second(box.AddFault(mock.FaultRule{Status: 503, OperationID: "nope"})), mock.ErrInvalid, "operationId"},
		{"one fault fits", second(box.AddFault(mock.FaultRule{Status: 503})), nil, ""},
		{"a second does not", second(box.AddFault(mock.FaultRule{Status: 500})), mock.ErrLimit, ""},
		{"remove an unknown fault", box.RemoveFault(42), mock.ErrNotFound, ""},
		{"bad filter", second(box.Requests(mock.JournalFilter{Status: 1000})), mock.ErrInvalid, "status"},
		{"bad setting", second(box.PatchSettings(mock.SettingsPatch{ErrorRate: new(2.0)})), mock.ErrInvalid, "errorRate"},
		{"bad state", box.ReplaceState([]byte(`{"data":`)), mock.ErrInvalid, "state"},
		{"no state file", s.SaveState(), mock.ErrNoStateFile, ""},
	}
	for _, c := range checks {
		if c.is == nil {
			if c.err != nil {
				t.Errorf("%s: %v", c.name, c.err)
			}
			continue
		}
		if !errors.Is(c.err, c.is) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.is)
		}
		if c.field != "" && (!errors.As(c.err, &input) || input.Field != c.field) {
			t.Errorf("%s: %v, want an *InputError on %s", c.name, c.err, c.field)
		}
	}
	if got := box.Settings(); got.ErrorRate != 0 {
		t.Errorf("a rejected patch changed the settings: %+v", got)
	}
}

func second[T any](_ T, err error) error { return err }

// A rule handed to AddFault and the rules Faults returns share nothing with the sandbox.
func TestFaultRulesAreCopies(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	box, _ := s.Sandbox("")
	times := 2
	rule := mock.FaultRule{Status: 503, Times: &times, Headers: map[string]string{"Retry-After": "1"}}
	if _, err := box.AddFault(rule); err != nil {
		t.Fatal(err)
	}
	times, rule.Headers["Retry-After"] = 100, "changed"
	listed := box.Faults()
	*listed[0].Times = 50
	c.Get(stages)
	got := box.Faults()[0]
	if *got.Times != 1 || got.Headers["Retry-After"] != "1" || got.Fired != 1 {
		t.Errorf("rule after one firing: times %d, headers %v, fired %d", *got.Times, got.Headers, got.Fired)
	}
}

// Each admin call, over HTTP and through its Go method, on two servers in the same
// state, gives the same answer.
func TestAdminParity(t *testing.T) {
	populate := func(t *testing.T, c *apitest.Client) {
		c.Get(stages + "?sort=name")
		c.Send("PATCH", stages+"/3", `{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"Renamed"}}}`)
		c.Get(stages + "/99")
		postFault(t, c, "", `{"path":"/api/v2/opportunityStages/*","status":503,"times":3}`)
		c.Get(stages + "/1")
	}
	ok := func(status int, v any) func(error) (int, any) {
		return func(err error) (int, any) {
			if err != nil {
				return 0, err.Error()
			}
			return status, v
		}
	}
	stateDoc := `{"data":[{"type":"opportunityStage","id":4,"attributes":{"name":"Only","order":1,"isClosed":false,"color":null,"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}],"meta":{"nextId":7}}`
	for _, c := range []struct {
		name string
		http apitest.Request
		go_  func(*mock.Server, *mock.Sandbox) (int, any)
	}{
		{"health", apitest.Request{Method: "GET", Target: "/__admin/health"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 200, b.Health() }},
		{"requests", apitest.Request{Method: "GET", Target: "/__admin/requests"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				log, err := b.Requests(mock.JournalFilter{})
				return ok(200, log)(err)
			}},
		{"requests filtered", apitest.Request{Method: "GET", Target: "/__admin/requests?path=/api/v2/opportunityStages/*&status=200"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				log, err := b.Requests(mock.JournalFilter{Path: "/api/v2/opportunityStages/*", Status: 200})
				return ok(200, log)(err)
			}},
		{"requests bad filter", apitest.Request{Method: "GET", Target: "/__admin/requests?path=x"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				_, err := b.Requests(mock.JournalFilter{Path: "x"})
				return 400, errorBody(err)
			}},
		{"clear requests", apitest.Request{Method: "DELETE", Target: "/__admin/requests"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { b.ClearRequests(); return 204, nil }},
		{"faults", apitest.Request{Method: "GET", Target: "/__admin/faults"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 200, map[string]any{"faults": b.Faults()} }},
		{"add fault", apitest.Request{Method: "POST", Target: "/__admin/faults", Body: `{"method":"post","status":429,"headers":{"Retry-After":"5"},"times":1}`},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				r, err := b.AddFault(mock.FaultRule{Method: "post", Status: 429, Headers: map[string]string{"Retry-After": "5"}, Times: new(1)})
				return ok(201, r)(err)
			}},
		{"add bad fault", apitest.Request{Method: "POST", Target: "/__admin/faults", Body: `{"status":503,"probability":1.5}`},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				_, err := b.AddFault(mock.FaultRule{Status: 503, Probability: new(1.5)})
				return 400, errorBody(err)
			}},
		{"remove fault", apitest.Request{Method: "DELETE", Target: "/__admin/faults/1"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return ok(204, nil)(b.RemoveFault(1)) }},
		{"remove unknown fault", apitest.Request{Method: "DELETE", Target: "/__admin/faults/7"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 404, errorBody(b.RemoveFault(7)) }},
		{"clear faults", apitest.Request{Method: "DELETE", Target: "/__admin/faults"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { b.ClearFaults(); return 204, nil }},
		{"settings", apitest.Request{Method: "GET", Target: "/__admin/settings"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 200, b.Settings() }},
		{"patch settings", apitest.Request{Method: "PATCH", Target: "/__admin/settings", Body: `{"skuDisabled":true,"latency":"1ms-2ms","rateLimit":7}`},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				lat, _ := mock.ParseLatency("1ms-2ms")
				s, err := b.PatchSettings(mock.SettingsPatch{SKUDisabled: new(true), Latency: &lat, RateLimit: new(7)})
				return ok(200, s)(err)
			}},
		{"patch bad settings", apitest.Request{Method: "PATCH", Target: "/__admin/settings", Body: `{"rateLimit":-1}`},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				_, err := b.PatchSettings(mock.SettingsPatch{RateLimit: new(-1)})
				return 400, errorBody(err)
			}},
		{"state", apitest.Request{Method: "GET", Target: "/__admin/state"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 200, json.RawMessage(b.State()) }},
		{"replace state", apitest.Request{Method: "PUT", Target: "/__admin/state", Body: stateDoc},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				err := b.ReplaceState([]byte(stateDoc))
				return ok(200, map[string]any{"status": "replaced", "stages": b.Len()})(err)
			}},
		{"replace bad state", apitest.Request{Method: "PUT", Target: "/__admin/state", Body: `{"data":[{"type":"user"}]}`},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				return 400, errorBody(b.ReplaceState([]byte(`{"data":[{"type":"user"}]}`)))
			}},
		{"reset", apitest.Request{Method: "POST", Target: "/__admin/reset"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				b.Reset()
				return 200, map[string]any{"status": "reset", "stages": b.Len()}
			}},
		{"client report", apitest.Request{Method: "GET", Target: "/__admin/client-report"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) { return 200, b.ClientReport(time.Time{}) }},
		{"client report since", apitest.Request{Method: "GET", Target: "/__admin/client-report?since=2026-03-01T12:00:00.123Z"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				return 200, b.ClientReport(time.Date(2026, 3, 1, 12, 0, 0, 123e6, time.UTC))
			}},
		{"gauntlet", apitest.Request{Method: "POST", Target: "/__admin/gauntlet"},
			func(_ *mock.Server, b *mock.Sandbox) (int, any) {
				rules, err := b.Gauntlet()
				return ok(201, map[string]any{"rules": rules})(err)
			}},
		{"snapshot without a state file", apitest.Request{Method: "POST", Target: "/__admin/snapshot"},
			func(s *mock.Server, _ *mock.Sandbox) (int, any) { return 409, errorBody(s.SaveState()) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			overHTTP, httpClient := newServer(t, mock.Options{})
			inGo, goClient := newServer(t, mock.Options{})
			populate(t, httpClient)
			populate(t, goClient)
			r := httpClient.Do(c.http)
			box, _ := inGo.Sandbox("")
			status, v := c.go_(inGo, box)
			goBody, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if v == nil {
				goBody = nil
			}
			if r.Status != status {
				t.Errorf("status over HTTP %d, from Go %d (%s)", r.Status, status, goBody)
			}
			if len(r.Body) == 0 || len(goBody) == 0 {
				if len(r.Body) != len(goBody) {
					t.Errorf("body over HTTP %q, from Go %q", r.Body, goBody)
				}
			} else {
				sameJSON(t, "HTTP (-) and Go (+)", withoutDurations(r.Body), withoutDurations(goBody))
			}
			// And the state they leave behind is the same.
			sameJSON(t, "state after the call", httpClient.Get("/__admin/state").Body, goClient.Get("/__admin/state").Body)
			a, _ := overHTTP.Sandbox("")
			if !cmp.Equal(a.Faults(), box.Faults()) || !cmp.Equal(a.Settings(), box.Settings()) {
				t.Errorf("faults or settings differ after the call:\n%+v\n%+v", a.Faults(), box.Faults())
			}
		})
	}
}

// errorBody is the admin API's answer for a Go error.
func errorBody(err error) map[string]string {
	body := map[string]string{"error": fmt.Sprint(err)}
	if ie, ok := errors.AsType[*mock.InputError](err); ok {
		body["field"] = ie.Field
	}
	return body
}

// withoutDurations drops the members that differ between two servers' runs of a
// request: the duration, and the keyed hashes, whose key is each server's own.
func withoutDurations(body []byte) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	if m, ok := v.(map[string]any); ok {
		if entries, ok := m["requests"].([]any); ok {
			for _, e := range entries {
				for _, member := range []string{"durationMs", "credential", "grant", "issued"} {
					delete(e.(map[string]any), member)
				}
			}
		}
	}
	out, _ := json.Marshal(v)
	return out
}

// parkingWriter is a ResponseWriter whose first Write waits until release is closed,
// after saying so on parked: a reader stopped in the middle of its answer.
type parkingWriter struct {
	header  http.Header
	parked  chan<- struct{}
	release <-chan struct{}
	writes  int
}

func (w *parkingWriter) Header() http.Header { return w.header }
func (w *parkingWriter) WriteHeader(int)     {}
func (w *parkingWriter) Write(p []byte) (int, error) {
	if w.writes++; w.writes == 1 {
		w.parked <- struct{}{}
		<-w.release
	}
	return len(p), nil
}

// liveHeap is the heap in use once the collector has run.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// perReaderBound is the most a reader of the journal may hold while it writes its answer:
// one entry (two bodies of 64 KiB, up to six times that when shaped and encoded) and a
// piece of the answer, never the journal's 8 MiB.
const perReaderBound = 1 << 20

// Readers of GET /__admin/requests each hold about one entry, not the whole journal,
// however many of them there are: 16 readers stopped in the middle of their answers,
// against a full journal of 8 MiB, hold less than perReaderBound each.
func TestJournalReadersHoldOneEntryEach(t *testing.T) {
	s, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	body := strings.Repeat("x", 64<<10)
	for range 160 { // 10 MiB of bodies: the journal keeps the newest 8 MiB
		r := httptest.NewRequest("POST", stages, strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	box, _ := s.Sandbox("")
	if health := box.Health(); health.JournalEvicted == 0 {
		t.Fatalf("the journal is not full: %+v", health)
	}

	const readers = 16
	before := liveHeap()
	parked, release := make(chan struct{}), make(chan struct{})
	done := make(chan int64, readers)
	for range readers {
		go func() {
			w := &parkingWriter{header: http.Header{}, parked: parked, release: release}
			h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost/__admin/requests", nil))
			done <- int64(w.writes)
		}()
	}
	for range readers {
		<-parked
	}
	held := int64(liveHeap()) - int64(before)
	close(release)
	for range readers {
		if writes := <-done; writes < 100 {
			t.Fatalf("a reader's answer came in %d writes; a full journal streams in hundreds", writes)
		}
	}
	if held > readers*perReaderBound {
		t.Errorf("%d readers in the middle of their answers hold %d KiB, %d KiB each; want under %d KiB each",
			readers, held>>10, held/readers>>10, perReaderBound>>10)
	}
}

// The answer of GET /__admin/requests, written out entry by entry, is byte for byte the
// RequestLog that Sandbox.Requests returns, encoded as the admin API encodes JSON.
func TestRequestLogOverHTTPIsRequestsEncoded(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	box, _ := s.Sandbox("")
	c.Get(stages + "?page%5Bsize%5D=2")
	c.Send("PATCH", stages+"/3", `{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"<Won> & \u00e9"}}}`)
	c.Do(apitest.Request{Method: "POST", Target: stages, ContentType: "text/plain", Body: "a=1&b=<2>\n" + strings.Repeat("y", 40<<10)})
	c.Get(stages + "/999")
	for query, filter := range map[string]mock.JournalFilter{
		"":                      {},
		"?method=PATCH":         {Method: "PATCH"},
		"?status=404&after=1":   {Status: 404, After: 1},
		"?after=100":            {After: 100},
		"?path=/api/v2/nothing": {Path: "/api/v2/nothing"},
	} {
		log, err := box.Requests(filter)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.Encode(log)
		got := c.Get("/__admin/requests" + query)
		if !bytes.Equal(got.Body, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) || got.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%q: GET /__admin/requests answered (%s)\n%.300s\nwant\n%.300s", query, got.Header.Get("Content-Type"), got.Body, want.Bytes())
		}
	}
}

// A journal filter that url.Query would drop (method=PATCH;x, status=%) is refused, not
// left out: an answer with the whole journal would read as "no PATCH was sent" in reverse.
func TestJournalFilterIsReadWhole(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Get(stages + "/1")
	for _, q := range []string{"method=PATCH;x", "status=404;", "status=%", "after=%zz"} {
		if r := c.Get("/__admin/requests?" + q); r.Status != http.StatusBadRequest {
			t.Errorf("GET /__admin/requests?%s: %d %s, want 400", q, r.Status, r.Body)
		}
	}
}

// The request log masks what the request carried wherever its path or query repeats it,
// as the journal does: a token, a key header's value, a Basic password.
func TestRequestLogMasksWhatTheRequestCarried(t *testing.T) {
	var out bytes.Buffer
	s, err := mock.New(mock.Options{Logger: slog.New(slog.NewJSONHandler(&out, nil))})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		target string
		header http.Header
		secret string
	}{
		{stages + "?filter%5Bname%5D=SimpleBearer12345", http.Header{"Authorization": {"Bearer SimpleBearer12345"}}, "SimpleBearer12345"},
		{stages + "?filter%5Bname%5D=ApiKeyValue999", http.Header{"Authorization": {"Bearer x"}, "X-Api-Key": {"ApiKeyValue999"}}, "ApiKeyValue999"},
		{stages + "/JsonBasicPw999", http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("user:JsonBasicPw999"))}}, "JsonBasicPw999"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, c.target, nil)
		r.Header = c.header
		s.Handler().ServeHTTP(httptest.NewRecorder(), r)
		if strings.Contains(out.String(), c.secret) {
			t.Errorf("the request log shows %s:\n%s", c.secret, out.String())
		}
	}
	if !strings.Contains(out.String(), `"path":"/api/v2/opportunityStages/REDACTED"`) {
		t.Errorf("the request log does not show the path with its credential masked:\n%s", out.String())
	}
}

// The authorization server's requests are journaled under their operations of oauth.yaml,
// and the journal filters on those operations as on the API's.
func TestJournalNamesTheAuthorizationServersOperations(t *testing.T) {
	s, c, _ := newServerClock(t, mock.Options{})
	code := authorize(t, c, "opportunityStages.read")
	c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: codeForm(code).Encode(), ContentType: "application/x-www-form-urlencoded", Token: "-"})
	box, err := s.Sandbox("")
	if err != nil {
		t.Fatal(err)
	}
	for op, path := range map[string]string{oppstages.OpAuthorize: "/oauth/authorize", oppstages.OpCreateToken: "/oauth/token"} {
		log, err := box.Requests(mock.JournalFilter{OperationID: op})
		if err != nil {
			t.Fatalf("filter on %s: %v", op, err)
		}
		if log.Count != 1 || log.Requests[0].Path != path || log.Requests[0].OperationID != op {
			t.Errorf("filter on %s: %+v, want the one request to %s", op, log.Requests, path)
		}
	}
}
