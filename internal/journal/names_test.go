package journal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/clip"
)

// credentialNameCases must each be taken for a credential's name, in any place a name
// can stand: the names that once slipped through, and one name in every spelling.
var credentialNameCases = []string{
	"PASSWORD", "ACCESS_TOKEN", "API_KEY", "Secret", "Key", "Auth", // JSON members
	"pwd", "pass", "access_key", "jwt", "sig", // query parameters
	"X-Access-Key", "X-Client-Key", "X-Auth", "Ocp-Apim-Subscription-Key", // headers
	"Authentication", "X-Authentication", "X-Pw", "X-Refresh", "db_pw",
	"access_token", "access-token", "accessToken", "AccessToken", "ACCESSTOKEN", "access.token",
	"X-Api-Key", "apiKey", "APIKey", "client_secret", "refresh_token", "code", "code_verifier", "code_challenge", "codeVerifier", "password", "passwd",
	"jsessionid", "X-Amz-Security-Token", "X-Hub-Signature-256", "db_pass", "private_key", "session",
}

// ordinaryNameCases must each be kept readable: the members of a stage, JSON:API's own,
// and names that only look like a credential's.
var ordinaryNameCases = []string{
	"name", "order", "color", "isClosed", "id", "type", "links", "meta", "data", "attributes",
	"relationships", "creator", "createdAt", "updatedAt", "included", "self", "next", "count",
	"Idempotency-Key", "sortKey", "publicKey", "keyId", "keyword", "monkey", "author", "authorId",
	"bypass", "passenger", "signal", "design", "zipCode", "errorCode", "page[size]", "X-Request-Id",
	"description", "grant_type", "client_id", "state",
}

// namePlaces show what the journal keeps of one name and value, in each place a name can
// stand.
var namePlaces = []struct {
	place string
	show  func(name, value string) string
}{
	{"header", func(name, value string) string {
		return fmt.Sprint(RedactHeader(http.Header{http.CanonicalHeaderKey(name): {value}}))
	}},
	{"query", func(name, value string) string { return RedactQuery(url.QueryEscape(name) + "=" + value + "&a=1") }},
	{"path", func(name, value string) string { return RedactPath("/api/v2/opportunityStages;" + name + "=" + value) }},
	{"form body", func(name, value string) string {
		return shown(Body([]byte("a=1&"+url.QueryEscape(name)+"="+value), "application/x-www-form-urlencoded"))
	}},
	{"JSON body", func(name, value string) string {
		return shown(Body([]byte(`{"data":{"attributes":{"`+name+`":"`+value+`"}}}`), "application/vnd.api+json"))
	}},
	{"JSON body cut short", func(name, value string) string {
		return shown(Body([]byte(`{"data":{"`+name+`": "`+value+`","more":"`+strings.Repeat("x", MaxBody)), "application/json"))
	}},
	{"multipart body", func(name, value string) string {
		return shown(Body([]byte("--B\r\nContent-Disposition: form-data; name=\""+name+"\"\r\n\r\n"+value+"\r\n--B--\r\n"), "multipart/form-data; boundary=B"))
	}},
	{"name: value", func(name, value string) string {
		return shown(Body([]byte("a: 1\n"+name+": "+value+"\n"), "application/yaml"))
	}},
	{"XML element", func(name, value string) string {
		return shown(Body([]byte("<r><"+name+">"+value+"</"+name+"></r>"), "application/xml"))
	}},
	{"journal entry", func(name, value string) string {
		j := New(10, 1<<20)
		j.Add(Exchange{Method: "POST", Path: "/x;" + name + "=" + value, RawQuery: url.QueryEscape(name) + "=" + value,
			RequestHeader: http.Header{http.CanonicalHeaderKey(name): {value}},
			RequestBody:   []byte(`{"` + name + `":"` + value + `"}`), RequestContentType: "application/json"})
		entries, _ := j.List(Filter{})
		out, _ := json.Marshal(entries)
		return string(out)
	}},
}

func shown(body json.RawMessage, _ bool) string { return string(body) }

// One list of names decides what a credential is, the same way in every place.
func TestCredentialNamesEverywhere(t *testing.T) {
	for _, place := range namePlaces {
		for _, name := range credentialNameCases {
			value := "v4lu3-" + strings.ToLower(strings.ReplaceAll(name, ".", "")) + "-0123456789"
			if got := place.show(name, value); strings.Contains(got, value) || !strings.Contains(got, Redacted) {
				t.Errorf("%s %s: kept the credential: %s", place.place, name, clip.String(got))
			}
		}
		for _, name := range ordinaryNameCases {
			value := "kept-" + strings.ToLower(name)
			if got := place.show(name, value); !strings.Contains(got, value) {
				t.Errorf("%s %s: an ordinary value was redacted: %s", place.place, name, clip.String(got))
			}
		}
	}
}

func TestSecret(t *testing.T) {
	for _, name := range credentialNameCases {
		if !Secret(name) {
			t.Errorf("Secret(%q) = false", name)
		}
	}
	for _, name := range append(ordinaryNameCases, "", "K", "id", "Kéy", "\u212Aey", "ke y") {
		if Secret(name) {
			t.Errorf("Secret(%q) = true", name)
		}
	}
	// Names are looked at for every header of every entry read: no allocation.
	if allocs := testing.AllocsPerRun(100, func() { Secret("Ocp-Apim-Subscription-Key"); Secret("createdAt") }); allocs != 0 {
		t.Errorf("Secret allocates %.0f times", allocs)
	}
}

// A JSON Web Token is a credential whatever the header, parameter or path segment that
// holds it is called.
func TestBareJWTs(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	for place, got := range map[string]string{
		"header":          fmt.Sprint(RedactHeader(http.Header{"X-Forwarded-Identity": {jwt}, "X-Context": {"user=1; id=" + jwt + "; x=2"}})),
		"query":           RedactQuery("q=" + jwt + "&page=2"),
		"path segment":    RedactPath("/verify/" + jwt + "/done"),
		"matrix":          RedactPath("/verify;t=" + jwt),
		"location header": fmt.Sprint(RedactHeader(http.Header{"Location": {"https://app.test/cb?id=" + jwt}})),
	} {
		if strings.Contains(got, "eyJzdWIiOiIxMjM0NTY3ODkwIn0") || !strings.Contains(got, Redacted) {
			t.Errorf("%s: kept the token: %s", place, got)
		}
	}
	for _, kept := range []string{"eyJohnson.example.com", "a.b.c", "eyJhbGciOiJIUzI1NiJ9"} {
		if got := fmt.Sprint(RedactHeader(http.Header{"X-Note": {kept}})); !strings.Contains(got, kept) {
			t.Errorf("not a token, redacted all the same: %s", got)
		}
	}
}
