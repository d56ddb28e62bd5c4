package mock_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/oauth"
	"github.com/oppstages/oppstages/mock"
)

const (
	appID       = "my-app"
	appSecret   = "my-secret"
	appCallback = "http://localhost:3000/callback?from=outreach"
)

// tokenDoc is the token endpoint's answer as a client decodes it.
type tokenDoc struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
}

// oauthErr is {error, error_description} as a client decodes it.
type oauthErr struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func authorizeTarget(params url.Values) string { return "/oauth/authorize?" + params.Encode() }

func authorizeParams(scope string) url.Values {
	return url.Values{"client_id": {appID}, "redirect_uri": {appCallback}, "response_type": {"code"},
		"scope": {scope}, "state": {"xyz 1"}}
}

// authorize runs the first leg and returns the code from the redirect.
func authorize(t *testing.T, c *apitest.Client, scope string) string {
	t.Helper()
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: authorizeTarget(authorizeParams(scope)), Token: "-"})
	if r.Status != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302\n%s", r.Status, r.Body)
	}
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location %q: %v", r.Header.Get("Location"), err)
	}
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://localhost:3000/callback" {
		t.Errorf("redirected to %s, want the redirect_uri", got)
	}
	if q.Get("from") != "outreach" || q.Get("state") != "xyz 1" || q.Get("code") == "" {
		t.Fatalf("redirect query %v: want the redirect_uri's own query, state and a code", q)
	}
	return q.Get("code")
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func codeForm(code string) url.Values {
	return form("grant_type", "authorization_code", "client_id", appID, "client_secret", appSecret,
		"redirect_uri", appCallback, "code", code)
}

func refreshForm(refresh string) url.Values {
	return form("grant_type", "refresh_token", "client_id", appID, "client_secret", appSecret,
		"redirect_uri", appCallback, "refresh_token", refresh)
}

// postToken sends a form-encoded token request.
func postToken(c *apitest.Client, params url.Values) *apitest.Response {
	return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: params.Encode(),
		ContentType: "application/x-www-form-urlencoded", Token: "-"})
}

// postTokenJSON sends the same parameters as a JSON object.
func postTokenJSON(t *testing.T, c *apitest.Client, params url.Values) *apitest.Response {
	t.Helper()
	obj := map[string]string{}
	for k := range params {
		obj[k] = params.Get(k)
	}
	body, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: string(body),
		ContentType: "application/json", Token: "-"})
}

func decodeToken(t *testing.T, r *apitest.Response) tokenDoc {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("token: status %d, want 200\n%s", r.Status, r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", r.Header.Get("Cache-Control"))
	}
	var doc tokenDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("decode token: %v\n%s", err, r.Body)
	}
	if doc.AccessToken == "" || doc.RefreshToken == "" {
		t.Fatalf("token document without tokens: %s", r.Body)
	}
	return doc
}

func wantOAuthError(t *testing.T, r *apitest.Response, status int, code string) {
	t.Helper()
	var e oauthErr
	_ = json.Unmarshal(r.Body, &e)
	if r.Status != status || e.Error != code || e.Description == "" {
		t.Fatalf("got %d %s, want %d with error %q and a description", r.Status, r.Body, status, code)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

func callAPI(c *apitest.Client, token, method, target, body string) *apitest.Response {
	req := apitest.Request{Method: method, Target: target, Token: token, Body: body}
	if body != "" {
		req.ContentType = "application/vnd.api+json"
	}
	return c.Do(req)
}

// wantExpired fails unless the API answers the gateway's expired-token 401.
func wantExpired(t *testing.T, r *apitest.Response) {
	t.Helper()
	want := map[string]any{"error": "Expired JWT token.", "description": "The JWT token has expired; refresh it or authorize again."}
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401\n%s", r.Status, r.Body)
	}
	if diff := cmp.Diff(want, r.JSON); diff != "" {
		t.Errorf("expired-token body (-want +got):\n%s", diff)
	}
}

// A client's whole flow: authorize, exchange, call the API with the granted scopes,
// refresh (the old refresh token then fails), and expire on the clock.
func TestOAuthFlow(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{})
	code := authorize(t, c, "opportunityStages.read")

	first := decodeToken(t, postToken(c, codeForm(code)))
	want := tokenDoc{TokenType: "bearer", ExpiresIn: 7200, Scope: "opportunityStages.read", CreatedAt: clock.Now().Unix()}
	if diff := cmp.Diff(want, first, cmpopts.IgnoreFields(tokenDoc{}, "AccessToken", "RefreshToken")); diff != "" {
		t.Errorf("token document (-want +got):\n%s", diff)
	}
	if parts := strings.Split(first.AccessToken, "."); len(parts) != 3 {
		t.Errorf("access token %q is not JWT-shaped", first.AccessToken)
	}

	// The token works on the API with its scope, and only with it.
	if r := callAPI(c, first.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusOK {
		t.Fatalf("list with the issued token: %d\n%s", r.Status, r.Body)
	}
	create := `{"data":{"type":"opportunityStage","attributes":{"name":"Security Review"}}}`
	r := callAPI(c, first.AccessToken, http.MethodPost, "/api/v2/opportunityStages", create)
	if e := wantError(t, r, http.StatusForbidden, "unauthorizedOauthScope"); !strings.Contains(e.Detail, "opportunityStages.write") {
		t.Errorf("403 detail %q does not name the missing scope", e.Detail)
	}
	r = callAPI(c, first.AccessToken, http.MethodGet, "/api/v2/opportunityStages/1?provideAuthorizationMeta=true", "")
	var one stage
	r.Data(t, &one)
	if one.Meta["canWrite"] != false || one.Meta["canDelete"] != false {
		t.Errorf("meta %v: a read-only token can neither write nor delete", one.Meta)
	}

	// The code worked once.
	wantOAuthError(t, postToken(c, codeForm(code)), http.StatusBadRequest, "invalid_grant")

	// An hour later, refresh (as JSON): new tokens, and the old refresh token is spent.
	clock.Advance(time.Hour)
	second := decodeToken(t, postTokenJSON(t, c, refreshForm(first.RefreshToken)))
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Error("a refresh must answer new tokens")
	}
	if second.CreatedAt != clock.Now().Unix() || second.Scope != first.Scope {
		t.Errorf("refreshed token created %d scope %q, want %d and %q", second.CreatedAt, second.Scope, clock.Now().Unix(), first.Scope)
	}
	wantOAuthError(t, postToken(c, refreshForm(first.RefreshToken)), http.StatusBadRequest, "invalid_grant")

	// The first access token lives exactly expires_in seconds from created_at.
	firstExpiry := time.Unix(first.CreatedAt+first.ExpiresIn, 0)
	clock.Advance(firstExpiry.Sub(clock.Now()) - time.Millisecond)
	if r := callAPI(c, first.AccessToken, http.MethodGet, "/api/v2/opportunityStages/1", ""); r.Status != http.StatusOK {
		t.Fatalf("a millisecond before expiry: %d\n%s", r.Status, r.Body)
	}
	clock.Advance(time.Millisecond)
	wantExpired(t, callAPI(c, first.AccessToken, http.MethodGet, "/api/v2/opportunityStages/1", ""))
	if r := callAPI(c, second.AccessToken, http.MethodGet, "/api/v2/opportunityStages/1", ""); r.Status != http.StatusOK {
		t.Fatalf("the refreshed token expired with the first: %d\n%s", r.Status, r.Body)
	}

	// Once the second expires too, its refresh token still gets a working token.
	clock.Advance(2 * time.Hour)
	wantExpired(t, callAPI(c, second.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""))
	third := decodeToken(t, postToken(c, refreshForm(second.RefreshToken)))
	if r := callAPI(c, third.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusOK {
		t.Fatalf("after the second refresh: %d\n%s", r.Status, r.Body)
	}
}

// -token-ttl sets expires_in and the token's life.
func TestOAuthTokenTTL(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{TokenTTL: 90 * time.Second})
	tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, ""))))
	if tok.ExpiresIn != 90 || tok.Scope != "opportunityStages.all" {
		t.Errorf("expires_in %d scope %q, want 90 and the default opportunityStages.all", tok.ExpiresIn, tok.Scope)
	}
	clock.Advance(89 * time.Second)
	if r := callAPI(c, tok.AccessToken, http.MethodDelete, "/api/v2/opportunityStages/8", ""); r.Status != http.StatusNoContent {
		t.Fatalf("delete with opportunityStages.all: %d\n%s", r.Status, r.Body)
	}
	clock.Advance(time.Second)
	wantExpired(t, callAPI(c, tok.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""))

	if _, err := mock.New(mock.Options{TokenTTL: time.Millisecond}); err == nil {
		t.Error("a TokenTTL under a second was accepted")
	}
}

// With Options.Tokens set, tokens outside the file get 401, but issued tokens always work;
// authorizations get only scopes the file hands out, and tokens are signed with a key of
// the server's own, not one anybody can derive from the seed.
func TestOAuthTokensWorkBesideTheTokensFile(t *testing.T) {
	tokens := map[string][]oppstages.Scope{"static": {oppstages.ScopeRead}, "writer": {oppstages.ScopeWrite}}
	_, c, _ := newServerClock(t, mock.Options{Tokens: tokens})
	tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, "opportunityStages.write opportunityStages.read"))))
	if tok.Scope != "opportunityStages.write opportunityStages.read" {
		t.Errorf("scope %q", tok.Scope)
	}
	for _, tt := range []struct {
		token  string
		status int
	}{
		{tok.AccessToken, http.StatusOK},
		{"static", http.StatusOK},
		{"any-token", http.StatusUnauthorized},
		{tok.AccessToken[:len(tok.AccessToken)-2] + "xx", http.StatusUnauthorized}, // a tampered signature is not ours
	} {
		if r := callAPI(c, tt.token, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != tt.status {
			t.Errorf("token %.20s...: status %d, want %d\n%s", tt.token, r.Status, tt.status, r.Body)
		}
	}
	r := callAPI(c, tok.AccessToken, http.MethodPost, "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`)
	if r.Status != http.StatusCreated {
		t.Errorf("create with opportunityStages.write: %d\n%s", r.Status, r.Body)
	}

	for _, scope := range []string{"opportunityStages.all", "opportunityStages.read opportunityStages.delete", ""} {
		r := c.Do(apitest.Request{Method: http.MethodGet, Target: authorizeTarget(authorizeParams(scope)), Token: "-"})
		loc, _ := url.Parse(r.Header.Get("Location"))
		if r.Status != http.StatusFound || loc.Query().Get("error") != "invalid_scope" || loc.Query().Get("code") != "" {
			t.Errorf("authorize scope %q beyond the tokens file: %d %s", scope, r.Status, r.Header.Get("Location"))
		}
	}

	// A token issued by a server with the same (public) seed and no tokens file is forged
	// as far as this one is concerned; so is one from another server with the same file.
	_, open, _ := newServerClock(t, mock.Options{})
	forged := decodeToken(t, postToken(open, codeForm(authorize(t, open, "opportunityStages.all"))))
	_, twin, _ := newServerClock(t, mock.Options{Tokens: tokens})
	other := decodeToken(t, postToken(twin, codeForm(authorize(t, twin, "opportunityStages.read"))))
	for name, token := range map[string]string{"same seed": forged.AccessToken, "same tokens file": other.AccessToken} {
		if r := callAPI(c, token, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusUnauthorized {
			t.Errorf("a token from another server (%s): %d, want 401", name, r.Status)
		}
	}
}

// Every way public clients send a token request is understood.
func TestOAuthTokenRequestForms(t *testing.T) {
	tests := []struct {
		name string
		send func(c *apitest.Client, code string) *apitest.Response
	}{
		{"form", func(c *apitest.Client, code string) *apitest.Response { return postToken(c, codeForm(code)) }},
		{"JSON with charset", func(c *apitest.Client, code string) *apitest.Response {
			body, _ := json.Marshal(map[string]string{"grant_type": "authorization_code", "client_id": appID,
				"client_secret": appSecret, "redirect_uri": appCallback, "code": code})
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: string(body),
				ContentType: "application/json; charset=utf-8", Token: "-"})
		}},
		{"HTTP Basic client credentials", func(c *apitest.Client, code string) *apitest.Response {
			p := form("grant_type", "authorization_code", "redirect_uri", appCallback, "code", code)
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: p.Encode(),
				ContentType: "application/x-www-form-urlencoded", Token: "-", Header: basicAuth(appID, appSecret)})
		}},
		{"Basic beside other client parameters: Basic counts", func(c *apitest.Client, code string) *apitest.Response {
			p := codeForm(code)
			p.Set("client_id", "other-app")
			p.Set("client_secret", "other-secret")
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: p.Encode(),
				ContentType: "application/x-www-form-urlencoded", Token: "-", Header: basicAuth(appID, appSecret)})
		}},
		{"malformed Basic beside client parameters: they count", func(c *apitest.Client, code string) *apitest.Response {
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: codeForm(code).Encode(),
				ContentType: "application/x-www-form-urlencoded", Token: "-", Header: authorization("Basic !!!notb64")})
		}},
		{"Basic without a secret beside client parameters: they count", func(c *apitest.Client, code string) *apitest.Response {
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: codeForm(code).Encode(),
				ContentType: "application/x-www-form-urlencoded", Token: "-", Header: basicAuth(appID, "")})
		}},
		{"query string, no body", func(c *apitest.Client, code string) *apitest.Response {
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token?" + codeForm(code).Encode(), Token: "-"})
		}},
		{"repeated parameter, the last wins", func(c *apitest.Client, code string) *apitest.Response {
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token",
				Body:        "code=stale&" + codeForm(code).Encode() + "&grant_type=authorization_code",
				ContentType: "application/x-www-form-urlencoded", Token: "-"})
		}},
		{"multipart", func(c *apitest.Client, code string) *apitest.Response {
			var b strings.Builder
			for k, vs := range codeForm(code) {
				b.WriteString("--XyZ\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + vs[0] + "\r\n")
			}
			b.WriteString("--XyZ--\r\n")
			return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: b.String(),
				ContentType: "multipart/form-data; boundary=XyZ", Token: "-"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			tok := decodeToken(t, tt.send(c, authorize(t, c, "opportunityStages.read")))
			if r := callAPI(c, tok.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusOK {
				t.Fatalf("API with the token: %d", r.Status)
			}
		})
	}
}

// Bad token requests get RFC 6749's error with the right status, and leave the code usable.
func TestOAuthTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		req    func(code string) apitest.Request
		status int
		error  string
	}{
		{"no grant_type", formReq(func(p url.Values) { p.Del("grant_type") }), 400, "invalid_request"},
		{"password grant", formReq(func(p url.Values) { p.Set("grant_type", "password") }), 400, "unsupported_grant_type"},
		{"no client_secret", formReq(func(p url.Values) { p.Del("client_secret") }), 401, "invalid_client"},
		{"no client_id", formReq(func(p url.Values) { p.Del("client_id") }), 401, "invalid_client"},
		{"no code", formReq(func(p url.Values) { p.Del("code") }), 400, "invalid_request"},
		{"no redirect_uri", formReq(func(p url.Values) { p.Del("redirect_uri") }), 400, "invalid_request"},
		{"other redirect_uri", formReq(func(p url.Values) { p.Set("redirect_uri", "http://localhost:3000/other") }), 400, "invalid_grant"},
		{"other client", formReq(func(p url.Values) { p.Set("client_id", "another-app") }), 400, "invalid_grant"},
		{"unknown code", formReq(func(p url.Values) { p.Set("code", "NOTACODE") }), 400, "invalid_grant"},
		{"unknown refresh token", formReq(func(p url.Values) {
			p.Set("grant_type", "refresh_token")
			p.Set("refresh_token", "NOTATOKEN")
		}), 400, "invalid_grant"},
		{"no refresh token", formReq(func(p url.Values) { p.Set("grant_type", "refresh_token") }), 400, "invalid_request"},
		{"malformed JSON", rawReq("application/json", `{"grant_type":`), 400, "invalid_request"},
		{"JSON array", rawReq("application/json", `["grant_type"]`), 400, "invalid_request"},
		{"JSON nested object", rawReq("application/json", `{"grant_type":{"a":1}}`), 400, "invalid_request"},
		{"text body", rawReq("text/plain", "grant_type=authorization_code"), 400, "invalid_request"},
		{"malformed Content-Type", rawReq("application/", "grant_type=authorization_code"), 400, "invalid_request"},
		{"malformed form", rawReq("application/x-www-form-urlencoded", "grant_type=%zz"), 400, "invalid_request"},
		{"multipart without boundary", rawReq("multipart/form-data", "--x\r\n"), 400, "invalid_request"},
		{"body over 64 KiB", rawReq("application/x-www-form-urlencoded", "grant_type="+strings.Repeat("a", 65<<10)), 413, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			code := authorize(t, c, "opportunityStages.read")
			wantOAuthError(t, c.Do(tt.req(code)), tt.status, tt.error)
			decodeToken(t, postToken(c, codeForm(code))) // the failed request did not spend the code
		})
	}
}

func formReq(edit func(url.Values)) func(code string) apitest.Request {
	return func(code string) apitest.Request {
		p := codeForm(code)
		edit(p)
		return apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: p.Encode(),
			ContentType: "application/x-www-form-urlencoded", Token: "-"}
	}
}

func rawReq(contentType, body string) func(string) apitest.Request {
	return func(string) apitest.Request {
		return apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: body, ContentType: contentType, Token: "-"}
	}
}

// Refresh tokens are bound to the client and secret they were issued to, and can only
// narrow the scopes, for the access token they answer; a rejected refresh leaves the
// refresh token usable.
func TestOAuthRefreshErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		error  string
	}{
		{"other secret", func(p url.Values) { p.Set("client_secret", "guess") }, 401, "invalid_client"},
		{"other client", func(p url.Values) { p.Set("client_id", "another-app") }, 400, "invalid_grant"},
		{"wider scope", func(p url.Values) { p.Set("scope", "opportunityStages.read opportunityStages.delete") }, 400, "invalid_scope"},
		{"malformed scope", func(p url.Values) { p.Set("scope", "opportunityStages.read <script>") }, 400, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, "opportunityStages.read opportunityStages.write"))))
			p := refreshForm(tok.RefreshToken)
			tt.edit(p)
			wantOAuthError(t, postToken(c, p), tt.status, tt.error)
			decodeToken(t, postToken(c, refreshForm(tok.RefreshToken)))
		})
	}

	// Narrowing works, and the narrowed token has only what it kept.
	_, c, _ := newServerClock(t, mock.Options{})
	tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, "opportunityStages.read opportunityStages.write"))))
	p := refreshForm(tok.RefreshToken)
	p.Set("scope", "opportunityStages.write")
	narrowed := decodeToken(t, postToken(c, p))
	if narrowed.Scope != "opportunityStages.write" {
		t.Errorf("narrowed scope %q", narrowed.Scope)
	}
	wantError(t, callAPI(c, narrowed.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""), http.StatusForbidden, "unauthorizedOauthScope")

	// The narrowing was for that access token only: the refresh token that came with it
	// still holds the whole grant, and the next refresh without scope gets all of it back.
	whole := decodeToken(t, postToken(c, refreshForm(narrowed.RefreshToken)))
	if whole.Scope != "opportunityStages.read opportunityStages.write" {
		t.Errorf("refresh after a narrowed one: scope %q, want the whole grant", whole.Scope)
	}
	if r := callAPI(c, whole.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusOK {
		t.Errorf("read with the token of the whole grant: %d\n%s", r.Status, r.Body)
	}
	p = refreshForm(whole.RefreshToken)
	p.Set("scope", "opportunityStages.read")
	if other := decodeToken(t, postToken(c, p)); other.Scope != "opportunityStages.read" {
		t.Errorf("a second narrowing to another part of the grant: scope %q", other.Scope)
	}
}

// The S256 example of RFC 7636 appendix B.
const (
	pkceVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	pkceChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// A code asked for with a PKCE challenge gets tokens only with its verifier: without one,
// or with another, the exchange is refused and the code stays usable for the client that
// holds the verifier.
func TestOAuthPKCE(t *testing.T) {
	_, c, _ := newServerClock(t, mock.Options{})
	p := authorizeParams("opportunityStages.read")
	p.Set("code_challenge", pkceChallenge)
	p.Set("code_challenge_method", "S256")
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: authorizeTarget(p), Token: "-"})
	loc, _ := url.Parse(r.Header.Get("Location"))
	code := loc.Query().Get("code")
	if r.Status != http.StatusFound || code == "" {
		t.Fatalf("authorize with a challenge: %d %s", r.Status, r.Header.Get("Location"))
	}
	wantOAuthError(t, postToken(c, codeForm(code)), http.StatusBadRequest, "invalid_request") // Doorkeeper: missing code_verifier
	wrong := codeForm(code)
	wrong.Set("code_verifier", pkceChallenge)
	wantOAuthError(t, postToken(c, wrong), http.StatusBadRequest, "invalid_grant")
	right := codeForm(code)
	right.Set("code_verifier", pkceVerifier)
	tok := decodeToken(t, postTokenJSON(t, c, right))
	if r := callAPI(c, tok.AccessToken, http.MethodGet, "/api/v2/opportunityStages", ""); r.Status != http.StatusOK {
		t.Errorf("API with the PKCE token: %d", r.Status)
	}

	// A code asked for without a challenge needs no verifier, and takes none.
	plainCode := authorize(t, c, "opportunityStages.read")
	withVerifier := codeForm(plainCode)
	withVerifier.Set("code_verifier", pkceVerifier)
	wantOAuthError(t, postToken(c, withVerifier), http.StatusBadRequest, "invalid_grant")
	decodeToken(t, postToken(c, codeForm(plainCode)))
}

// basicAuth is an Authorization header with HTTP Basic client credentials, form-encoded
// first as RFC 6749 asks.
func authorization(value string) http.Header { return http.Header{"Authorization": {value}} }

func noClientParams(p url.Values) { p.Del("client_id"); p.Del("client_secret") }

func basicAuth(id, secret string) http.Header {
	raw := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(raw))}}
}

// A client that attempted HTTP Basic and failed, however malformed its header, gets its 401
// invalid_client with a Basic challenge (RFC 6749 section 5.2); one that sent its
// credentials in the body gets none, since it did not use the header.
func TestOAuthInvalidClientChallenge(t *testing.T) {
	tests := []struct {
		name      string
		header    http.Header
		edit      func(url.Values)
		challenge string
	}{
		{"Basic, another secret", basicAuth(appID, "guess"), func(p url.Values) { p.Del("client_id"); p.Del("client_secret") }, `Basic realm="Doorkeeper"`},
		{"Basic, no secret", basicAuth(appID, ""), func(p url.Values) { p.Del("client_secret") }, `Basic realm="Doorkeeper"`},
		{"Basic, no client_id", basicAuth("", appSecret), noClientParams, `Basic realm="Doorkeeper"`},
		{"Basic, not base64", authorization("Basic !!!notb64"), noClientParams, `Basic realm="Doorkeeper"`},
		{"Basic, no colon", authorization("Basic " + base64.StdEncoding.EncodeToString([]byte(appID))), noClientParams, `Basic realm="Doorkeeper"`},
		{"Basic, bare scheme", authorization("Basic"), noClientParams, `Basic realm="Doorkeeper"`},
		{"basic in lower case, malformed", authorization("basic %%%"), noClientParams, `Basic realm="Doorkeeper"`},
		{"Bearer", authorization("Bearer abc"), noClientParams, ""},
		{"body, another secret", nil, func(p url.Values) { p.Set("client_secret", "guess") }, ""},
		{"body, no secret", nil, func(p url.Values) { p.Del("client_secret") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			tok := decodeToken(t, postToken(c, codeForm(authorize(t, c, "opportunityStages.read"))))
			p := refreshForm(tok.RefreshToken)
			tt.edit(p)
			r := c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: p.Encode(),
				ContentType: "application/x-www-form-urlencoded", Token: "-", Header: tt.header})
			wantOAuthError(t, r, http.StatusUnauthorized, "invalid_client")
			if got := r.Header.Values("WWW-Authenticate"); strings.Join(got, "|") != tt.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.challenge)
			}
		})
	}
}

// A redirect_uri that has a code and a state of its own gets them replaced: the app reads
// one code, the one it can exchange, and its own state.
func TestOAuthRedirectURIWithCode(t *testing.T) {
	_, c, _ := newServerClock(t, mock.Options{})
	const callback = "http://localhost:3000/callback?code=stale&from=outreach&state=stale"
	p := authorizeParams("opportunityStages.read")
	p.Set("redirect_uri", callback)
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: authorizeTarget(p), Token: "-"})
	loc, err := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %s", r.Status, r.Header.Get("Location"))
	}
	q := loc.Query()
	if len(q["code"]) != 1 || q.Get("code") == "stale" || len(q["state"]) != 1 || q.Get("state") != "xyz 1" || q.Get("from") != "outreach" {
		t.Fatalf("redirect query %v, want one new code, the request's state once, and from", q)
	}
	exchange := codeForm(q.Get("code"))
	exchange.Set("redirect_uri", callback)
	decodeToken(t, postToken(c, exchange))
}

// A code lives ten minutes.
func TestOAuthCodeExpires(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{})
	code := authorize(t, c, "opportunityStages.read")
	clock.Advance(10 * time.Minute)
	wantOAuthError(t, postToken(c, codeForm(code)), http.StatusBadRequest, "invalid_grant")
}

func TestOAuthAuthorizeErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(url.Values)
		error string // on the redirect; empty when the answer is a 400
	}{
		{"no client_id", func(p url.Values) { p.Del("client_id") }, ""},
		{"no redirect_uri", func(p url.Values) { p.Del("redirect_uri") }, ""},
		{"relative redirect_uri", func(p url.Values) { p.Set("redirect_uri", "/callback") }, ""},
		{"javascript redirect_uri", func(p url.Values) { p.Set("redirect_uri", "javascript:alert(1)") }, ""},
		{"redirect_uri with a fragment", func(p url.Values) { p.Set("redirect_uri", "http://localhost:3000/cb#x") }, ""},
		{"redirect_uri without host", func(p url.Values) { p.Set("redirect_uri", "http:///cb") }, ""},
		{"long state", func(p url.Values) { p.Set("state", strings.Repeat("s", 3000)) }, ""},
		{"implicit grant", func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type"},
		{"no response_type", func(p url.Values) { p.Del("response_type") }, "invalid_request"},
		{"malformed scope", func(p url.Values) { p.Set("scope", "opportunityStages.read\"") }, "invalid_scope"},
		{"too many scopes", func(p url.Values) { p.Set("scope", strings.Repeat("a.read ", oauth.MaxScopes+1)) }, "invalid_scope"},
		{"unknown code_challenge_method", func(p url.Values) {
			p.Set("code_challenge", pkceChallenge)
			p.Set("code_challenge_method", "S512")
		}, "invalid_code_challenge_method"},
		{"code_challenge too long", func(p url.Values) { p.Set("code_challenge", strings.Repeat("c", oauth.MaxCodeChallenge+1)) }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			p := authorizeParams("opportunityStages.read")
			tt.edit(p)
			r := c.Do(apitest.Request{Method: http.MethodGet, Target: authorizeTarget(p), Token: "-"})
			if tt.error == "" {
				wantOAuthError(t, r, http.StatusBadRequest, "invalid_request")
				return
			}
			if r.Status != http.StatusFound {
				t.Fatalf("status %d, want 302\n%s", r.Status, r.Body)
			}
			loc, _ := url.Parse(r.Header.Get("Location"))
			q := loc.Query()
			if q.Get("error") != tt.error || q.Get("error_description") == "" || q.Get("state") != "xyz 1" || q.Get("code") != "" {
				t.Errorf("redirect query %v, want error %s with a description and the state, no code", q, tt.error)
			}
		})
	}
}

// With the authorization server off, /oauth/ is not mocked, not even the token endpoint's
// 405; paths and methods it has no use for never are.
func TestOAuthRoutesOff(t *testing.T) {
	off, _, _ := newServerClock(t, mock.Options{NoOAuth: true})
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(codeForm("x").Encode())),
		httptest.NewRequest(http.MethodGet, authorizeTarget(authorizeParams("")), nil),
	} {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		off.Handler().ServeHTTP(rec, r) // not validated: oauth.yaml describes the server that is off
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"routeNotFound"`) {
			t.Errorf("%s %s with the authorization server off: %d %s", r.Method, r.URL.Path, rec.Code, rec.Body)
		}
	}

	rec := httptest.NewRecorder()
	off.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth/token", nil))
	if rec.Code != http.StatusNotFound || rec.Header().Get("Allow") != "" {
		t.Errorf("GET /oauth/token with the authorization server off: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}

	_, c, _ := newServerClock(t, mock.Options{})
	wantError(t, c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/revoke", Token: "-"}), http.StatusNotFound, "routeNotFound")
	wantError(t, c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/authorize", Token: "-"}), http.StatusNotFound, "routeNotFound")
}

// The token endpoint answers any method but POST with 405, Allow: POST and an OAuth error,
// CORS preflights to it still get their 204, and a browser app can read the 405.
func TestOAuthTokenMethodNotAllowed(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, "PROPFIND"} {
		t.Run(method, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			r := c.Do(apitest.Request{Method: method, Target: "/oauth/token?" + codeForm("x").Encode(), Token: "-"})
			if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != http.MethodPost {
				t.Fatalf("status %d, Allow %q; want 405 and POST\n%s", r.Status, r.Header.Get("Allow"), r.Body)
			}
			if method == http.MethodHead {
				return
			}
			var e oauthErr
			if err := json.Unmarshal(r.Body, &e); err != nil || e.Error != "invalid_request" || !strings.Contains(e.Description, "POST") {
				t.Errorf("body %s, want invalid_request naming POST", r.Body)
			}
		})
	}

	srv, c, _ := newServerClock(t, mock.Options{CORS: []string{"http://localhost:3000"}})
	origin := http.Header{"Origin": {"http://localhost:3000"}}
	preflight := httptest.NewRequest(http.MethodOptions, "/oauth/token", nil) // oauth.yaml documents no preflight
	preflight.Header = http.Header{"Origin": {"http://localhost:3000"}, "Access-Control-Request-Method": {"POST"},
		"Access-Control-Request-Headers": {"content-type"}}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, preflight)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: "/oauth/token", Token: "-", Header: origin})
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("GET from the allowed origin: %d %v", r.Status, r.Header)
	}
	code := authorize(t, c, "opportunityStages.read")
	decodeToken(t, c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Body: codeForm(code).Encode(),
		ContentType: "application/x-www-form-urlencoded", Token: "-", Header: origin}))
}

// Token requests are journaled like any other, with their credentials redacted, whatever
// shape the body has; the admin API and the Go API show the same redacted entries.
func TestOAuthJournalRedactsCredentials(t *testing.T) {
	const secret, refresh = "MULTISECRET1", "MULTIREFRESH1"
	multipartBody := "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\nc\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n" + secret + "\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\n" + refresh + "\r\n--XyZ--\r\n"
	params := form("grant_type", "refresh_token", "client_id", "c", "client_secret", secret, "refresh_token", refresh)
	tests := []struct {
		name, target, contentType, body string
	}{
		{"query string", "/oauth/token?" + params.Encode(), "", ""},
		{"form", "/oauth/token", "application/x-www-form-urlencoded", params.Encode()},
		{"JSON", "/oauth/token", "application/json", `{"grant_type":"refresh_token","client_id":"c","client_secret":"` + secret + `","refresh_token":"` + refresh + `"}`},
		{"multipart", "/oauth/token", "multipart/form-data; boundary=XyZ", multipartBody},
		{"multipart with no boundary", "/oauth/token", "multipart/form-data", multipartBody},
		{"multipart sent as text", "/oauth/token", "text/plain", multipartBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, _ := newServerClock(t, mock.Options{})
			r := c.Do(apitest.Request{Method: http.MethodPost, Target: tt.target, Body: tt.body, ContentType: tt.contentType, Token: "-"})
			if r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized {
				t.Fatalf("token request: status %d, want 400 or 401 (the refresh token is unknown)\n%s", r.Status, r.Body)
			}
			admin := c.Do(apitest.Request{Method: http.MethodGet, Target: "/__admin/requests?path=/oauth/token"})
			box, err := srv.Sandbox("")
			if err != nil {
				t.Fatal(err)
			}
			log, err := box.Requests(mock.JournalFilter{Path: "/oauth/token"})
			if err != nil {
				t.Fatal(err)
			}
			fromGo, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			for where, got := range map[string]string{"GET /__admin/requests": string(admin.Body), "Sandbox.Requests": string(fromGo)} {
				if strings.Contains(got, secret) || strings.Contains(got, refresh) {
					t.Errorf("%s keeps a credential:\n%s", where, got)
				}
				if !strings.Contains(got, "REDACTED") || !strings.Contains(got, `"/oauth/token"`) {
					t.Errorf("%s lacks the redacted token request:\n%s", where, got)
				}
			}
			if log.Count != 1 {
				t.Errorf("%d entries, want the one token request", log.Count)
			}
		})
	}

	// A successful exchange, and the authorization before it, are journaled too.
	_, c, _ := newServerClock(t, mock.Options{})
	code := authorize(t, c, "opportunityStages.read")
	decodeToken(t, c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token?" + codeForm(code).Encode(), Token: "-"}))
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: "/__admin/requests"})
	if strings.Contains(string(r.Body), appSecret) || strings.Contains(string(r.Body), code) {
		t.Errorf("the journal keeps a credential:\n%s", r.Body)
	}
	if !strings.Contains(string(r.Body), "client_secret=REDACTED") || !strings.Contains(string(r.Body), `"/oauth/authorize"`) {
		t.Errorf("the journal lacks the OAuth requests:\n%s", r.Body)
	}
}

// Two servers share nothing: a code from one is unknown to the other.
func TestOAuthStatePerServer(t *testing.T) {
	_, a, _ := newServerClock(t, mock.Options{})
	_, b, _ := newServerClock(t, mock.Options{})
	code := authorize(t, a, "opportunityStages.read")
	wantOAuthError(t, postToken(b, codeForm(code)), http.StatusBadRequest, "invalid_grant")
	decodeToken(t, postToken(a, codeForm(code)))
}

// A parameter of /oauth/authorize given more than once counts with its last value, as in
// /oauth/token and in the Rails server behind the real API: a state put in front of the
// app's own never reaches the app.
func TestOAuthAuthorizeRepeatedParameters(t *testing.T) {
	tests := []struct {
		name, prefix, wantState string
	}{
		{"state", "state=EVIL&", "xyz 1"},
		{"redirect_uri", "redirect_uri=" + url.QueryEscape("http://evil.test/cb") + "&", "xyz 1"},
		{"state after the app's", "", "last"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newServerClock(t, mock.Options{})
			target := "/oauth/authorize?" + tt.prefix + authorizeParams("opportunityStages.read").Encode()
			if tt.prefix == "" {
				target += "&state=last"
			}
			r := c.Do(apitest.Request{Method: http.MethodGet, Target: target, Token: "-"})
			if r.Status != http.StatusFound {
				t.Fatalf("status %d, want 302\n%s", r.Status, r.Body)
			}
			loc, err := url.Parse(r.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Query()["state"]; loc.Host != "localhost:3000" || len(got) != 1 || got[0] != tt.wantState {
				t.Errorf("redirected to %s, want the app's redirect_uri and the one state %q", loc, tt.wantState)
			}
		})
	}
}

// A parameter of /oauth/authorize that url.Query would drop is read or refused, never left
// out: a scope with a semicolon is a scope the mock cannot grant, not the default
// opportunityStages.all, and a malformed escape is a 400.
func TestOAuthAuthorizeReadsEveryParameter(t *testing.T) {
	_, c, _ := newServerClock(t, mock.Options{})
	base := "/oauth/authorize?client_id=app&redirect_uri=" + url.QueryEscape("http://localhost:3000/callback") + "&response_type=code&state=s1&"
	r := c.Do(apitest.Request{Method: http.MethodGet, Target: base + "scope=opportunityStages.read;x", Token: "-"})
	loc, _ := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusFound || loc.Query().Get("error") != "invalid_scope" || loc.Query().Get("code") != "" {
		t.Errorf("scope=opportunityStages.read;x: %d Location %q, want a redirect with invalid_scope and no code", r.Status, r.Header.Get("Location"))
	}
	for _, bad := range []string{"scope=opportunityStages.read%", "scope=%zz", "state=%"} {
		r := c.Do(apitest.Request{Method: http.MethodGet, Target: base + bad, Token: "-"})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "invalid_request") {
			t.Errorf("%s: %d %s, want 400 invalid_request", bad, r.Status, r.Body)
		}
	}
	r = c.Do(apitest.Request{Method: http.MethodGet, Target: base + "scope=opportunityStages.read&state=abc;def", Token: "-"})
	loc, _ = url.Parse(r.Header.Get("Location"))
	if got := loc.Query()["state"]; r.Status != http.StatusFound || len(got) != 1 || got[0] != "abc;def" {
		t.Errorf("state=abc;def: %d Location %q, want the state as sent", r.Status, r.Header.Get("Location"))
	}
}
