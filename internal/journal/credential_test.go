package journal

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
)

// tokenExchange is a refresh as a token endpoint answers it, with every credential in it.
func tokenExchange(refresh, access, rotated string) Exchange {
	return Exchange{
		Time: time.Unix(1_767_225_600, 0), Method: "POST", Path: "/oauth/token",
		RequestHeader:      http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		RequestBody:        []byte("grant_type=refresh_token&client_id=app-1&refresh_token=" + url.QueryEscape(refresh)),
		RequestContentType: "application/x-www-form-urlencoded",
		Status:             200,
		ResponseHeader:     http.Header{"Content-Type": {"application/json"}},
		ResponseBody:       []byte(`{"access_token":"` + access + `","refresh_token":"` + rotated + `","token_type":"bearer"}`),
		ResponseRendered:   true,
		Credential:         "app-1", Grant: refresh, GrantType: "refresh_token", Issued: []string{access, rotated},
	}
}

// An entry shows a keyed hash of each credential the request presented or its answer
// issued, never the credential: not as it is, not encoded, not as a plain hash of it.
func TestEntriesKeepHashesNotCredentials(t *testing.T) {
	const bearer, refresh, access, rotated = "bearer/0123456789+tok", "refresh-0123456789/abc", "access-9876543210xyz", "rotated-refresh-55555"
	j := New(10, 1<<20)
	j.Add(Exchange{Time: time.Unix(1_767_225_600, 0), Method: "GET", Path: "/api/v2/opportunityStages",
		RequestHeader: http.Header{"Authorization": {"Bearer " + bearer}}, Status: 200, Credential: bearer})
	j.Add(tokenExchange(refresh, access, rotated))
	entries, _ := j.List(Filter{})
	doc, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	shown := string(doc) + fmt.Sprintf("%+v", entries) // and the fields JSON leaves out
	for _, secret := range []string{bearer, refresh, access, rotated} {
		plain := sha256.Sum256([]byte(secret))
		for _, form := range []string{secret, url.QueryEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret)), hex.EncodeToString([]byte(secret)), hex.EncodeToString(plain[:])[:hashLen]} {
			if strings.Contains(shown, form) {
				t.Errorf("%q shows as %q in %s", secret, form, shown)
			}
		}
		if apitest.Reveals(doc, secret) {
			t.Errorf("%q is in %s", secret, doc)
		}
	}
	hashed := regexp.MustCompile(`^[0-9a-f]{16}$`)
	api, token := entries[0], entries[1]
	got := []string{api.Credential, token.Credential, token.Grant, token.Issued[0], token.Issued[1]}
	want := []string{j.CredentialHash(bearer), j.CredentialHash("app-1"), j.CredentialHash(refresh), j.CredentialHash(access), j.CredentialHash(rotated)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
	for _, h := range got {
		if !hashed.MatchString(h) {
			t.Errorf("hash %q is not 16 hex digits", h)
		}
	}
	if token.GrantType != "refresh_token" || api.Grant != "" || api.Issued != nil {
		t.Errorf("grant type %q; an API request's grant %q, issued %q", token.GrantType, api.Grant, api.Issued)
	}
	if j.CredentialHash("") != "" {
		t.Error("nothing presented hashes to something")
	}
}

// The key is the process's own: journals of one pool agree on a credential's hash, a
// journal of another pool does not, so a hash read elsewhere tells nothing.
func TestCredentialHashKeyedPerPool(t *testing.T) {
	const token = "the-same-token-123"
	pool, other := NewPool(1<<20), NewPool(1<<20)
	a, b, c := pool.New(10, 1<<20), pool.New(10, 1<<20), other.New(10, 1<<20)
	if a.CredentialHash(token) != b.CredentialHash(token) {
		t.Error("two journals of one pool hash a credential differently")
	}
	if a.CredentialHash(token) == c.CredentialHash(token) || a.CredentialHash(token) == New(1, 1).CredentialHash(token) {
		t.Error("two pools share a key")
	}
	if a.CredentialHash(token) == a.CredentialHash(token+"x") {
		t.Error("two credentials share a hash")
	}
}

func TestReportFieldsKept(t *testing.T) {
	answered := time.Unix(1_767_225_600, 250_000_000).UTC()
	j := New(10, 1<<20)
	j.Add(Exchange{Method: "POST", Path: "/api/v2/opportunityStages", Answered: answered, Injected: true,
		Dropped: DroppedAfter, LostStatus: 201, CredentialExpired: true, GrantType: strings.Repeat("g", 200)})
	j.Add(Exchange{Method: "GET", Path: "/api/v2/opportunityStages"})
	entries, _ := j.List(Filter{})
	e := entries[0]
	got := []any{e.Answered, e.Injected, e.Dropped, e.LostStatus, e.CredentialExpired, len(e.GrantType)}
	want := []any{answered, true, DroppedAfter, 201, true, maxGrantType}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answered, injected, dropped, lostStatus, credentialExpired, len(grantType) (-want +got):\n%s", diff)
	}
	doc, _ := json.Marshal(entries)
	var back []map[string]any
	if err := json.Unmarshal(doc, &back); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"answered", "injected", "dropped", "lostStatus", "credentialExpired", "grantType"} {
		if _, ok := back[0][name]; !ok {
			t.Errorf("the entry has no %q: %s", name, doc)
		}
		if _, ok := back[1][name]; ok {
			t.Errorf("an entry without %q shows it: %s", name, doc)
		}
	}
	for _, name := range []string{"credential", "grant", "issued", "fingerprint", "cursorsSent", "cursorsIssued"} {
		if _, ok := back[1][name]; ok {
			t.Errorf("an entry without %q shows it: %s", name, doc)
		}
	}
}

// Two entries have the same fingerprint when they sent the same method, path, query,
// body, credential and decisive headers (not User-Agent, tracing), and none when their body was not kept whole.
func TestFingerprint(t *testing.T) {
	base := Exchange{Method: "POST", Path: "/api/v2/opportunityStages", RawQuery: "a=1", Credential: "token-1234567",
		RequestHeader: http.Header{"Authorization": {"Bearer token-1234567"}}, RequestBody: []byte(`{"data":{"attributes":{"name":"A"}}}`)}
	with := func(change func(*Exchange)) Exchange {
		x := base
		change(&x)
		return x
	}
	for _, c := range []struct {
		name string
		x    Exchange
		same bool
	}{
		{"the same request later, other headers", with(func(x *Exchange) {
			x.Time = x.Time.Add(time.Hour)
			x.RequestHeader = http.Header{"Authorization": {"Bearer token-1234567"}, "X-Trace": {"2"}}
		}), true},
		{"another Content-Type", with(func(x *Exchange) {
			x.RequestHeader = http.Header{"Authorization": {"Bearer token-1234567"}, "Content-Type": {"text/plain"}}
		}), false},
		{"a Prefer", with(func(x *Exchange) {
			x.RequestHeader = http.Header{"Authorization": {"Bearer token-1234567"}, "Prefer": {"status=500"}}
		}), false},
		{"an X-Mock-Delay", with(func(x *Exchange) {
			x.RequestHeader = http.Header{"Authorization": {"Bearer token-1234567"}, "X-Mock-Delay": {"soon"}}
		}), false},
		{"another User-Agent", with(func(x *Exchange) {
			x.RequestHeader = http.Header{"Authorization": {"Bearer token-1234567"}, "User-Agent": {"other/2"}}
		}), true},
		{"another method", with(func(x *Exchange) { x.Method = "PUT" }), false},
		{"another path", with(func(x *Exchange) { x.Path = "/api/v2/opportunityStages/1" }), false},
		{"another query", with(func(x *Exchange) { x.RawQuery = "a=2" }), false},
		{"another body", with(func(x *Exchange) { x.RequestBody = []byte(`{"data":{"attributes":{"name":"B"}}}`) }), false},
		{"another credential", with(func(x *Exchange) { x.Credential = "token-7654321" }), false},
		{"credentials that redact alike", with(func(x *Exchange) {
			x.RequestBody = []byte(`{"data":{"attributes":{"name":"A"}},"refresh_token":"one-12345678"}`)
		}), false},
		{"a path and a query that split differently", with(func(x *Exchange) { x.Path, x.RawQuery = base.Path+"a=1", "" }), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := New(10, 1<<20)
			j.Add(base)
			j.Add(c.x)
			entries, _ := j.List(Filter{})
			if entries[0].Fingerprint == "" || (entries[0].Fingerprint == entries[1].Fingerprint) != c.same {
				t.Errorf("fingerprints %q and %q, want same %v", entries[0].Fingerprint, entries[1].Fingerprint, c.same)
			}
		})
	}
	redacted := func(token string) Exchange {
		return with(func(x *Exchange) {
			x.RequestBody = []byte(`{"refresh_token":"` + token + `"}`)
		})
	}
	j := New(10, 1<<20)
	j.Add(redacted("first-12345678"))
	j.Add(redacted("second-1234567"))
	entries, _ := j.List(Filter{})
	if string(entries[0].RequestBody) != string(entries[1].RequestBody) || entries[0].Fingerprint == entries[1].Fingerprint {
		t.Errorf("bodies %s and %s that differ in a credential: fingerprints %q, %q", entries[0].RequestBody, entries[1].RequestBody,
			entries[0].Fingerprint, entries[1].Fingerprint)
	}
	for _, c := range []struct {
		name string
		j    *Journal
		x    Exchange
	}{
		{"a body over MaxBody", New(10, 1<<20), with(func(x *Exchange) { x.RequestBody = []byte(strings.Repeat("x", MaxBody+1)) })},
		{"a body that did not arrive whole", New(10, 1<<20), with(func(x *Exchange) { x.RequestBodyCut = true })},
		{"a body dropped for the budget", New(10, 300), base},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.j.Add(c.x)
			entries, _ := c.j.List(Filter{})
			if entries[0].Fingerprint != "" {
				t.Errorf("fingerprint %q, want none", entries[0].Fingerprint)
			}
		})
	}
}

func TestPageCursors(t *testing.T) {
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", nil},
		{"page[size]=2&page[after]=eyJhIjoxfQ", []string{"eyJhIjoxfQ"}},
		{"page%5Bbefore%5D=abc%3D%3D&sort=name", []string{"abc=="}},
		{"page[after]=a+b&page[after]=c", []string{"a b", "c"}},
		{"page[after]=&page[offset]=2&page=3&page[after]", nil},
		{"page[after]=%zz", []string{"%zz"}},
	} {
		if got := PageCursors(c.query); !cmp.Equal(c.want, got) {
			t.Errorf("PageCursors(%q) = %q, want %q", c.query, got, c.want)
		}
	}
}

func TestLinkCursors(t *testing.T) {
	for _, c := range []struct {
		body string
		want []string
	}{
		{`{"data":[],"links":{"first":"https://x/api/v2/s?page%5Bsize%5D=2","next":"https://x/api/v2/s?page%5Bafter%5D=n1&page%5Bsize%5D=2","prev":"/api/v2/s?page[before]=p1#top"}}`,
			[]string{"n1", "p1"}},
		{`{"links":{"next":{"href":"/s?page[after]=n2","meta":{}}}}`, []string{"n2"}},
		{`{"links":{"next":null,"self":7}}`, nil},
		{`{"data":{"links":{"next":"/s?page[after]=nested"}}}`, nil},
		{`not json`, nil},
	} {
		if got := LinkCursors([]byte(c.body)); !cmp.Equal(c.want, got) {
			t.Errorf("LinkCursors(%s) = %q, want %q", c.body, got, c.want)
		}
	}
}

// The cursors an entry sent and issued are hashed alike, so that the one can be found
// among the other.
func TestEntryCursors(t *testing.T) {
	j := New(10, 1<<20)
	j.Add(Exchange{Method: "GET", Path: "/s", Cursors: []string{"c/1=="}})
	j.Add(Exchange{Method: "GET", Path: "/s", RawQuery: "page%5Bafter%5D=c%2F1%3D%3D"})
	entries, _ := j.List(Filter{})
	if len(entries[0].CursorsIssued) != 1 || !cmp.Equal(entries[0].CursorsIssued, entries[1].CursorsSent) || entries[0].CursorsSent != nil {
		t.Errorf("issued %q, sent %q", entries[0].CursorsIssued, entries[1].CursorsSent)
	}
}
