package mock_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// journaled is the sandbox's journal, failing the test when it cannot be read.
func journaled(t *testing.T, s *mock.Server, sandbox string) []mock.JournalEntry {
	t.Helper()
	box, err := s.Sandbox(sandbox)
	if err != nil {
		t.Fatal(err)
	}
	log, err := box.Requests(mock.JournalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return log.Requests
}

// The journal keeps, per request, what a client report rests on: the credential
// presented (as a keyed hash), when the answer was sent, and whether the answer was
// injected.
func TestJournalRecordsWhatTheReportReads(t *testing.T) {
	stages := "/api/v2/opportunityStages"
	for _, tc := range []struct {
		name     string
		rule     *mock.FaultRule
		req      apitest.Request
		status   int
		injected bool
		dropped  string
	}{
		{name: "an answer of the API", req: apitest.Request{Method: "GET", Target: stages}, status: 200},
		{name: "a refusal of the API", req: apitest.Request{Method: "GET", Target: stages + "?sort=nope"}, status: 400},
		{name: "a fault rule's status", rule: &mock.FaultRule{Status: 503}, req: apitest.Request{Method: "GET", Target: stages}, status: 503, injected: true},
		{name: "a fault rule's example", rule: &mock.FaultRule{Example: "rateLimited"}, req: apitest.Request{Method: "GET", Target: stages}, status: 429, injected: true},
		{name: "a fault rule's drop", rule: &mock.FaultRule{Drop: mock.DropBefore}, req: apitest.Request{Method: "GET", Target: stages}, status: 0, injected: true, dropped: "before"},
		{name: "a fault rule's delay only", rule: &mock.FaultRule{Delay: &mock.Duration{D: time.Millisecond}}, req: apitest.Request{Method: "GET", Target: stages}, status: 200},
		{name: "Prefer", req: withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", "code=429"), status: 429, injected: true},
		{name: "Prefer refused", req: withHeader(apitest.Request{Method: "GET", Target: stages}, "Prefer", "code=418"), status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, clock := newServerClock(t, mock.Options{})
			if tc.rule != nil {
				box, _ := s.Sandbox("")
				if _, err := box.AddFault(*tc.rule); err != nil {
					t.Fatal(err)
				}
			}
			if tc.status == 0 {
				dropped(t, c, tc.req)
			} else if r := c.Do(tc.req); r.Status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tc.status, r.Body)
			}
			box, _ := s.Sandbox("")
			e := lastEntry(t, box)
			if e.Injected != tc.injected || string(e.Dropped) != tc.dropped || e.Status != tc.status {
				t.Errorf("status %d, injected %v, dropped %q; want %d, %v, %q", e.Status, e.Injected, e.Dropped, tc.status, tc.injected, tc.dropped)
			}
			if e.Credential == "" || e.Credential == apitest.Token {
				t.Errorf("credential %q, want a keyed hash of the token", e.Credential)
			}
			if !e.Answered.Equal(clock.Now()) {
				t.Errorf("answered %s, want %s by the server's clock", e.Answered, clock.Now())
			}
		})
	}
}

// dropped sends a request that the mock answers by closing the connection, which the
// in-memory client sees as a panic.
func dropped(t *testing.T, c *apitest.Client, req apitest.Request) {
	t.Helper()
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler", p)
		}
	}()
	c.Do(req)
}

// Equal credentials hash equal, different ones differ, and a request without one has
// none.
func TestJournalCredentials(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	for _, token := range []string{"one", "two", "one", "-"} {
		c.Do(apitest.Request{Method: "GET", Target: "/api/v2/opportunityStages/1", Token: token})
	}
	e := journaled(t, s, "")
	if e[0].Credential == "" || e[0].Credential != e[2].Credential || e[0].Credential == e[1].Credential || e[3].Credential != "" {
		t.Errorf("credentials %q, %q, %q, %q: want the first and third equal, the second other, the fourth empty",
			e[0].Credential, e[1].Credential, e[2].Credential, e[3].Credential)
	}
}

// A list page records the cursors its links issue, and a request that sends one of them
// back shows the same hash.
func TestJournalCursors(t *testing.T) {
	s, c := newServer(t, mock.Options{Generate: 60})
	first := decodeList(t, c.Get("/api/v2/opportunityStages?page%5Bsize%5D=25"))
	second := decodeList(t, c.Get(nextTarget(t, first.Links.Next)))
	c.Get(nextTarget(t, second.Links.Prev))
	e := journaled(t, s, "")
	if len(e[0].CursorsIssued) != 1 || len(e[0].CursorsSent) != 0 {
		t.Fatalf("first page: issued %v, sent %v; want one issued, none sent", e[0].CursorsIssued, e[0].CursorsSent)
	}
	if len(e[1].CursorsIssued) != 2 || !slices.Equal(e[1].CursorsSent, e[0].CursorsIssued) {
		t.Errorf("second page: issued %v, sent %v; want two issued, and the first page's sent", e[1].CursorsIssued, e[1].CursorsSent)
	}
	if len(e[2].CursorsSent) != 1 || !slices.Contains(e[1].CursorsIssued, e[2].CursorsSent[0]) {
		t.Errorf("back: sent %v, want one the second page issued (%v)", e[2].CursorsSent, e[1].CursorsIssued)
	}
}

// A token request records the client as its credential, the grant it presents and the
// tokens it was issued; the API requests and the refresh that use them show the same
// hashes, and an expired token's 401 is marked.
func TestJournalOAuth(t *testing.T) {
	s, c, clock := newServerClock(t, mock.Options{TokenTTL: time.Minute})
	tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, "opportunityStages.read"))))
	callAPI(c, tok.AccessToken, "GET", "/api/v2/opportunityStages/1", "")
	refreshed := decodeToken(t, postToken(c, refreshForm(tok.RefreshToken)))
	clock.Advance(2 * time.Minute)
	wantExpired(t, callAPI(c, refreshed.AccessToken, "GET", "/api/v2/opportunityStages/1", ""))
	callAPI(c, "not-issued", "GET", "/api/v2/opportunityStages/1", "")

	e := journaled(t, s, "")
	authz, exchange, call, refresh, expired, other := e[0], e[1], e[2], e[3], e[4], e[5]
	if authz.Credential != "" || authz.Grant != "" || authz.Issued != nil {
		t.Errorf("authorize: credential %q, grant %q, issued %v; want none", authz.Credential, authz.Grant, authz.Issued)
	}
	if exchange.GrantType != "authorization_code" || exchange.Grant == "" || len(exchange.Issued) != 2 || exchange.Credential == "" {
		t.Fatalf("code exchange: credential %q, grant %s %q, issued %v", exchange.Credential, exchange.GrantType, exchange.Grant, exchange.Issued)
	}
	if refresh.Credential != exchange.Credential || refresh.GrantType != "refresh_token" || refresh.Grant != exchange.Issued[1] || len(refresh.Issued) != 2 {
		t.Errorf("refresh: credential %q, grant %s %q, issued %v; want the client %q presenting the refresh token %q",
			refresh.Credential, refresh.GrantType, refresh.Grant, refresh.Issued, exchange.Credential, exchange.Issued[1])
	}
	if call.Credential != exchange.Issued[0] || call.CredentialExpired {
		t.Errorf("API call: credential %q, expired %v; want the access token issued, %q, not expired", call.Credential, call.CredentialExpired, exchange.Issued[0])
	}
	if expired.Credential != refresh.Issued[0] || !expired.CredentialExpired {
		t.Errorf("expired call: credential %q, expired %v; want the refreshed access token, %q, expired", expired.Credential, expired.CredentialExpired, refresh.Issued[0])
	}
	if other.CredentialExpired {
		t.Error("a token the mock never issued is marked expired")
	}
}

// In front of an upstream, the journal says which answers were the upstream's, and the
// cursors of the pages the proxy read; a client that pages through the proxy sends back
// only cursors the journal saw issued.
func TestJournalForwardedAnswers(t *testing.T) {
	_, up := conformingUpstream(t, mock.Options{Generate: 40})
	s, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
	auth := http.Header{"Authorization": {"Bearer any-token"}}
	_, first := send(t, "GET", ts.URL+stages+"?page%5Bsize%5D=10", auth, "")
	var doc listDoc
	if err := jsonUnmarshal(first, &doc); err != nil || doc.Links.Next == "" {
		t.Fatalf("first page: %v, next %q", err, doc.Links.Next)
	}
	send(t, "GET", doc.Links.Next, auth, "")
	send(t, "GET", ts.URL+"/api/v2/accounts", auth, "") // a route openapi.yaml does not know
	postFault(t, apitest.New(t, s.Handler()), "", `{"status":503,"times":1}`)
	send(t, "GET", ts.URL+stages, auth, "")

	e := journaled(t, s, "")
	if !e[0].Forwarded || !e[1].Forwarded || !e[2].Forwarded || e[3].Forwarded {
		t.Errorf("forwarded: %v %v %v %v, want the upstream's three, not the fault rule's 503", e[0].Forwarded, e[1].Forwarded, e[2].Forwarded, e[3].Forwarded)
	}
	if len(e[0].CursorsIssued) != 1 || !slices.Equal(e[1].CursorsSent, e[0].CursorsIssued) {
		t.Errorf("the proxied first page issued %v, the second sent %v: want one cursor, sent back", e[0].CursorsIssued, e[1].CursorsSent)
	}
}
