package mock_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// sendRaw sends one request over a new TCP connection and returns every byte the server
// sent back before it closed the connection.
func sendRaw(t *testing.T, baseURL, method, path, body string) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second)) // a hang fails the test, not the run
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: mock.test\r\nAuthorization: Bearer raw\r\nContent-Type: application/vnd.api+json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, len(body), body)
	got, err := io.ReadAll(conn)
	if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading the answer: %v", err)
	}
	return got
}

// "drop": "after" carries the write out, durably with a state file, and closes the
// connection without a byte of answer; the journal says what was lost. A write that is
// refused stores nothing, and its lost answer is the refusal.
func TestDropAfterLosesTheAnswerAndKeepsTheWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		lost   int
		stored bool
	}{
		{name: "a create carried out", body: fmt.Sprintf(stageBody, "Lost answer", 4), lost: 201, stored: true},
		{name: "a create refused", body: `{"data":{"type":"opportunityStage","attributes":{"name":"","order":4}}}`, lost: 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			s, c := newServer(t, mock.Options{StateFile: path})
			postFault(t, c, "", `{"method":"POST","path":"/api/v2/opportunityStages","drop":"after","times":1}`)
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()
			before := s.Len()

			if got := sendRaw(t, ts.URL, "POST", stages, tc.body); len(got) != 0 {
				t.Fatalf("the client got %d bytes of answer, want none: %q", len(got), got)
			}
			box, _ := s.Sandbox("")
			e := lastEntry(t, box)
			if e.Status != 0 || e.Dropped != "after" || e.LostStatus != tc.lost || !e.Injected || e.ResponseBody != nil {
				t.Errorf("journal: status %d, dropped %q, lost %d, injected %v, body %s; want 0, after, %d, true, none",
					e.Status, e.Dropped, e.LostStatus, e.Injected, e.ResponseBody, tc.lost)
			}
			if stored := s.Len() == before+1; stored != tc.stored {
				t.Errorf("%d stages after the create, %d before: stored %v, want %v", s.Len(), before, stored, tc.stored)
			}
			// The server above is never closed: the next one sees only what is on disk.
			_, again := newServer(t, mock.Options{StateFile: afterCrash(t, path)})
			found := strings.Contains(string(again.Get(stages+"?filter%5Bname%5D=Lost+answer").Body), `"Lost answer"`)
			if found != tc.stored {
				t.Errorf("after a restart from the state file, the stage is there: %v, want %v", found, tc.stored)
			}
		})
	}
}

// The client sees a dropped connection as an error, whichever way it asks.
func TestDropAfterIsAConnectionError(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	postFault(t, c, "", `{"method":"POST","drop":"after","times":1}`)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+stages, strings.NewReader(fmt.Sprintf(stageBody, "Lost", 2)))
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/vnd.api+json")
	resp, err := ts.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("the client got %d, want a connection error", resp.StatusCode)
	}
	if !strings.Contains(string(c.Get(stages+"?filter%5Bname%5D=Lost").Body), `"Lost"`) {
		t.Error("the stage whose answer was lost is not stored")
	}
}

// "expireToken": true expires the token the request presented, in that sandbox, from then
// on: that request and every later one with the token get the gateway's expired-token 401;
// other tokens, other sandboxes, and the sandbox after a reset are untouched.
func TestExpireTokenRule(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	if r := postFault(t, c, "", `{"path":"/api/v2/opportunityStages/1","expireToken":true,"times":1}`); r.Status != 201 {
		t.Fatalf("adding the rule: %d %s", r.Status, r.Body)
	}
	wantExpired(t, callAPI(c, "doomed", "GET", stages+"/1", ""))
	wantExpired(t, callAPI(c, "doomed", "POST", stages, fmt.Sprintf(stageBody, "Never", 1)))
	if r := callAPI(c, "other", "GET", stages+"/1", ""); r.Status != 200 {
		t.Errorf("another token: %d, want 200", r.Status)
	}
	if r := c.Do(withHeader(apitest.Request{Method: "GET", Target: stages + "/1", Token: "doomed"}, "X-Mock-Sandbox", "elsewhere")); r.Status != 200 {
		t.Errorf("the token in another sandbox: %d, want 200", r.Status)
	}
	box, _ := s.Sandbox("")
	entries := journaled(t, s, "")
	for _, e := range entries[:2] {
		if !e.CredentialExpired || !e.Injected || e.Status != 401 {
			t.Errorf("entry %d: status %d, credentialExpired %v, injected %v; want 401, true, true", e.ID, e.Status, e.CredentialExpired, e.Injected)
		}
	}
	if strings.Contains(string(c.Get(stages+"?filter%5Bname%5D=Never").Body), `"Never"`) {
		t.Error("a request with the expired token was carried out")
	}
	if err := box.Reset(); err != nil {
		t.Fatal(err)
	}
	if r := callAPI(c, "doomed", "GET", stages+"/1", ""); r.Status != 200 {
		t.Errorf("the token after a reset: %d, want 200", r.Status)
	}
}

// A rule read from JSON says drop as it was always written, true for before, and
// "after" as a string.
func TestDropIsWrittenAsRead(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	for _, tc := range []struct{ rule, want string }{
		{`{"drop":true}`, `"drop":true`},
		{`{"drop":"before"}`, `"drop":true`},
		{`{"drop":"after"}`, `"drop":"after"`},
		{`{"expireToken":true}`, `"expireToken":true`},
	} {
		r := postFault(t, c, "", tc.rule)
		if r.Status != 201 || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: %d %s, want 201 with %s", tc.rule, r.Status, r.Body, tc.want)
		}
	}
}

// In front of an upstream, a token a rule expired is refused by the mock: the upstream
// never sees it again.
func TestExpireTokenRuleInFrontOfTheUpstream(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		_, _ = w.Write([]byte(`{"data":[]}`))
	})
	s, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
	postFault(t, apitest.New(t, s.Handler()), "", `{"expireToken":true,"times":1}`)
	for _, target := range []string{stages, "/api/v2/accounts"} {
		resp, body := send(t, "GET", ts.URL+target, http.Header{"Authorization": {"Bearer doomed"}}, "")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Expired JWT token.") {
			t.Errorf("%s with the expired token: %d %s, want the expired-token 401", target, resp.StatusCode, body)
		}
	}
	if n := up.hits.Load(); n != 0 {
		t.Errorf("the upstream was asked %d times, want none", n)
	}
	if resp, _ := send(t, "GET", ts.URL+stages, http.Header{"Authorization": {"Bearer other"}}, ""); resp.StatusCode != http.StatusOK || up.hits.Load() != 1 {
		t.Errorf("another token: %d, upstream asked %d times; want 200 from the upstream", resp.StatusCode, up.hits.Load())
	}
}
