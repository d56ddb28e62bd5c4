package oauth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestServer(cfg Config) (*Server, *clock) {
	c := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg.Clock = c.Now
	if cfg.Key == nil {
		cfg.Key = []byte("test key")
	}
	return New(cfg), c
}

func codeFrom(t *testing.T, s *Server, clientID string) string {
	t.Helper()
	loc, err := s.Authorize(url.Values{"client_id": {clientID}, "redirect_uri": {"https://app.test/cb"}, "response_type": {"code"}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(loc)
	return u.Query().Get("code")
}

func exchange(s *Server, clientID, code string) (Token, *Error) {
	return s.Token(TokenRequest{Params: url.Values{"grant_type": {"authorization_code"}, "client_id": {clientID},
		"client_secret": {"s"}, "redirect_uri": {"https://app.test/cb"}, "code": {code}}})
}

// A runaway client cannot grow the codes held beyond the bound: the oldest are forgotten.
func TestCodesAreBounded(t *testing.T) {
	s, _ := newTestServer(Config{MaxCodes: 3})
	var codes []string
	for i := range 10 {
		codes = append(codes, codeFrom(t, s, "app"+strconv.Itoa(i)))
	}
	if held, _, evicted := s.Held(); held != 3 || evicted != 7 {
		t.Errorf("held %d codes, evicted %d; want 3 and 7", held, evicted)
	}
	if _, err := exchange(s, "app0", codes[0]); err == nil || err.Code != ErrInvalidGrant {
		t.Errorf("the oldest code still works: %v", err)
	}
	if _, err := exchange(s, "app9", codes[9]); err != nil {
		t.Errorf("the newest code failed: %v", err)
	}
}

// Codes taken out early do not keep the queue growing either.
func TestExchangedCodesFreeTheirPlace(t *testing.T) {
	s, _ := newTestServer(Config{MaxCodes: 4, MaxRefreshTokens: 1000})
	for range 100 {
		if _, err := exchange(s, "app", codeFrom(t, s, "app")); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	queued := len(s.codes.queue)
	s.mu.Unlock()
	if queued > 4 {
		t.Errorf("%d keys queued for a bound of 4", queued)
	}
}

func TestRefreshTokensAreBoundedAndExpire(t *testing.T) {
	s, c := newTestServer(Config{MaxRefreshTokens: 5})
	var tokens []Token
	for range 8 {
		tok, err := exchange(s, "app", codeFrom(t, s, "app"))
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	if _, held, _ := s.Held(); held != 5 {
		t.Errorf("held %d refresh tokens, want 5", held)
	}
	refresh := func(tok Token) *Error {
		_, err := s.Token(TokenRequest{Params: url.Values{"grant_type": {"refresh_token"}, "client_id": {"app"},
			"client_secret": {"s"}, "refresh_token": {tok.RefreshToken}}})
		return err
	}
	if err := refresh(tokens[0]); err == nil {
		t.Error("an evicted refresh token still works")
	}
	c.Advance(RefreshTTL)
	if err := refresh(tokens[7]); err == nil {
		t.Error("a refresh token outlived RefreshTTL")
	}
	if codes, held, _ := s.Held(); codes != 0 || held != 0 {
		t.Errorf("after expiry %d codes and %d refresh tokens are held", codes, held)
	}
}

func TestCheck(t *testing.T) {
	s, c := newTestServer(Config{TokenTTL: time.Minute})
	tok, err := exchange(s, "app", codeFrom(t, s, "app"))
	if err != nil {
		t.Fatal(err)
	}
	access, state := s.Check(tok.AccessToken)
	if state != Valid || access.ClientID != "app" || len(access.Scopes) != 1 || access.Scopes[0] != DefaultScope {
		t.Errorf("Check = %+v, %v", access, state)
	}
	other := New(Config{Key: []byte("another key"), Clock: c.Now})
	parts := strings.Split(tok.AccessToken, ".")
	for name, token := range map[string]string{
		"other key":        func() string { t, _ := exchange(other, "app", codeFrom(t, other, "app")); return t.AccessToken }(),
		"tampered payload": parts[0] + "." + parts[1] + "x." + parts[2],
		"no signature":     parts[0] + "." + parts[1],
		"not a JWT":        "any-token",
		"empty":            "",
		"bad base64":       parts[0] + "." + parts[1] + ".!!!",
	} {
		if _, state := s.Check(token); state != NotIssued {
			t.Errorf("%s: state %v, want NotIssued", name, state)
		}
	}
	c.Advance(time.Minute)
	if _, state := s.Check(tok.AccessToken); state != Expired {
		t.Errorf("after the TTL: state %v, want Expired", state)
	}
}

// tokenEndpoint runs a raw request through parsing and the token grant, as the mock does.
func tokenEndpoint(s *Server, contentType string, body []byte, query string) (int, []byte) {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(string(body)))
	r.URL.RawQuery = query
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	req, err := ParseTokenRequest(r)
	if err == nil {
		var tok Token
		if tok, err = s.Token(req); err == nil {
			return http.StatusOK, tok.JSON()
		}
	}
	return err.Status(), err.JSON()
}

// Whatever arrives, the token endpoint answers a token or an RFC 6749 error with a 4xx
// status, never panics, and a code survives every request that does not exchange it.
func FuzzTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte("grant_type=authorization_code&client_id=app&client_secret=s&code=CODE&redirect_uri=https://app.test/cb"), "")
	f.Add("application/json", []byte(`{"grant_type":"refresh_token","client_id":"app","client_secret":"s","refresh_token":"R","scope":"a.read"}`), "")
	f.Add("application/json", []byte(`{"grant_type":1,"code":true,"x":null,"y":[1]}`), "")
	f.Add("multipart/form-data; boundary=B", []byte("--B\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\npassword\r\n--B--\r\n"), "")
	f.Add("", []byte(""), "grant_type=authorization_code&code=CODE")
	f.Add("text/plain;;", []byte("%"), "%zz")
	f.Fuzz(func(t *testing.T, contentType string, body []byte, query string) {
		s, _ := newTestServer(Config{})
		code := codeFrom(t, s, "app")
		body = []byte(strings.ReplaceAll(string(body), "CODE", code))
		status, out := tokenEndpoint(s, contentType, body, query)
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("answer is not JSON: %q", out)
		}
		switch {
		case status == http.StatusOK:
			if doc["access_token"] == "" || doc["token_type"] != "bearer" {
				t.Fatalf("200 without a token document: %s", out)
			}
			return
		case status == 400 || status == 401 || status == 413:
			if doc["error"] == "" || doc["error_description"] == "" || len(doc) != 2 {
				t.Fatalf("%d without {error, error_description}: %s", status, out)
			}
		default:
			t.Fatalf("status %d: %s", status, out)
		}
		if _, err := exchange(s, "app", code); err != nil {
			t.Fatalf("a rejected request spent the code: %v", err)
		}
	})
}

// Whatever the query, authorize redirects to the client's own redirect_uri or answers a
// 400 OAuth error; it never panics and never redirects anywhere else.
func FuzzAuthorize(f *testing.F) {
	f.Add("client_id=app&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&response_type=code&scope=a.read+b.write&state=s")
	f.Add("client_id=app&redirect_uri=javascript:alert(1)&response_type=code")
	f.Add("client_id=app&redirect_uri=http://x/%zz&response_type=token&state=%00")
	f.Add("redirect_uri=https://app.test/cb?a=1%23&client_id=&scope=%22")
	f.Add("client_id=app&redirect_uri=https%3A%2F%2Fapp.test%2Fcb%3Fcode%3Dx%26state%3Dy%26error%3Dz&response_type=code&state=s")
	f.Fuzz(func(t *testing.T, query string) {
		s, _ := newTestServer(Config{})
		q, err := url.ParseQuery(query)
		if err != nil {
			return // net/http would have answered 400 before us
		}
		loc, oerr := s.Authorize(q)
		if oerr != nil {
			if oerr.Status() != http.StatusBadRequest || oerr.Code != ErrInvalidRequest {
				t.Fatalf("error %d %s", oerr.Status(), oerr.Code)
			}
			return
		}
		u, perr := url.Parse(loc)
		want, _ := url.Parse(q.Get("redirect_uri"))
		if perr != nil || want == nil || u.Scheme != want.Scheme || u.Host != want.Host || u.Path != want.Path {
			t.Fatalf("redirected to %q for redirect_uri %q", loc, q.Get("redirect_uri"))
		}
		got := u.Query()
		if len(got["code"])+len(got["error"]) != 1 || len(got["error_description"]) != len(got["error"]) {
			t.Fatalf("redirect %q must carry one code or one error with its description", loc)
		}
		if state := q.Get("state"); state != "" && (len(got["state"]) != 1 || got.Get("state") != state) {
			t.Fatalf("redirect %q must carry the state %q once", loc, state)
		}
	})
}

// A redirect_uri whose own query has the parameters of the answer gets them replaced, not
// repeated: the client reads the code and the state of this answer. The rest of its query
// stays as written, a state of its own too when the request sent none.
func TestAuthorizeRedirectReplacesItsParameters(t *testing.T) {
	tests := []struct {
		name, redirectURI, state, responseType string
		want                                   string // the redirect's query, CODE standing for the code
	}{
		{"a code of its own", "https://app.test/cb?code=old", "", "code", "code=CODE"},
		{"two codes, and other parameters", "https://app.test/cb?a=1&code=x&b=%2F&code=y", "", "code", "a=1&b=%2F&code=CODE"},
		{"an encoded code", "https://app.test/cb?co%64e=old&z", "", "code", "z&code=CODE"},
		{"a state of its own", "https://app.test/cb?state=old&from=x", "new", "code", "from=x&code=CODE&state=new"},
		{"a state of its own, none sent", "https://app.test/cb?state=static", "", "code", "state=static&code=CODE"},
		{"an error of its own, on a code", "https://app.test/cb?error=access_denied&error_description=no", "s", "code", "code=CODE&state=s"},
		{"a code of its own, on an error", "https://app.test/cb?code=old&k=v", "s", "token",
			"k=v&error=unsupported_response_type&error_description=Only+response_type%3Dcode+%28the+authorization-code+grant%29+is+supported.&state=s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			q := url.Values{"client_id": {"app"}, "redirect_uri": {tt.redirectURI}, "response_type": {tt.responseType}}
			if tt.state != "" {
				q.Set("state", tt.state)
			}
			loc, err := s.Authorize(q)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(loc)
			code := u.Query().Get("code")
			if got := strings.Replace(u.RawQuery, "code="+code, "code=CODE", 1); code != "" && got != tt.want || code == "" && u.RawQuery != tt.want {
				t.Errorf("redirect query %q, want %q", u.RawQuery, tt.want)
			}
			if code == "" {
				return
			}
			// The code is exchanged with the redirect_uri as the client sent it.
			_, terr := s.Token(TokenRequest{Params: url.Values{"grant_type": {"authorization_code"}, "client_id": {"app"},
				"client_secret": {"s"}, "redirect_uri": {tt.redirectURI}, "code": {code}}})
			if terr != nil {
				t.Errorf("exchange: %v", terr)
			}
		})
	}
}

// BenchmarkCheck is the cost an issued token adds to every API request.
func BenchmarkCheck(b *testing.B) {
	s, _ := newTestServer(Config{})
	loc, _ := s.Authorize(url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.test/cb"}, "response_type": {"code"}})
	u, _ := url.Parse(loc)
	tok, err := exchange(s, "app", u.Query().Get("code"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, state := s.Check(tok.AccessToken); state != Valid {
			b.Fatal(state)
		}
	}
}

// Only the vendor's scope pattern is granted, a bounded number at a time, and with
// GrantableScopes only those.
func TestAuthorizeScopes(t *testing.T) {
	authorizeScope := func(s *Server, scope string) (granted, errCode string) {
		loc, err := s.Authorize(url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.test/cb"},
			"response_type": {"code"}, "scope": {scope}})
		if err != nil {
			t.Fatalf("scope %q: %v", scope, err)
		}
		u, _ := url.Parse(loc)
		if e := u.Query().Get("error"); e != "" {
			return "", e
		}
		tok, terr := exchange(s, "app", u.Query().Get("code"))
		if terr != nil {
			t.Fatalf("scope %q: exchange: %v", scope, terr)
		}
		return tok.Scope, ""
	}
	many := strings.TrimSpace(strings.Repeat("users.read ", MaxScopes))
	tooMany := ""
	for i := range MaxScopes + 1 {
		tooMany += "r" + strconv.Itoa(i) + "s.read "
	}
	long := strings.Repeat("a", MaxScopeName-len(".read")) + ".read"
	any, _ := newTestServer(Config{})
	limited, _ := newTestServer(Config{GrantableScopes: []string{"opportunityStages.read", "users.read"}})
	for _, tt := range []struct {
		s           *Server
		scope, want string // want is the granted scope, or the error
	}{
		{any, "opportunityStages.read opportunityStages.write", "opportunityStages.read opportunityStages.write"},
		{any, "", DefaultScope},
		{any, "accounts.all+users.delete", "accounts.all users.delete"},
		{any, many, "users.read"},
		{any, long, long},
		{any, "a" + long, ErrInvalidScope},
		{any, tooMany, ErrInvalidScope},
		{any, "opportunityStages", ErrInvalidScope},
		{any, "opportunityStages.readwrite", ErrInvalidScope},
		{any, "OpportunityStages.read", ErrInvalidScope},
		{any, "profile", ErrInvalidScope},
		{any, "opportunity_stages.read", ErrInvalidScope},
		{limited, "opportunityStages.read users.read", "opportunityStages.read users.read"},
		{limited, "opportunityStages.read opportunityStages.write", ErrInvalidScope},
		{limited, "", ErrInvalidScope}, // the default, opportunityStages.all, is not grantable
	} {
		granted, errCode := authorizeScope(tt.s, tt.scope)
		if got := granted + errCode; got != tt.want {
			t.Errorf("scope %.60q (grantable %v): got %q, want %q", tt.scope, tt.s.grantable, got, tt.want)
		}
	}
}

func refreshWithScope(s *Server, refreshToken, scope string) (Token, *Error) {
	p := url.Values{"grant_type": {"refresh_token"}, "client_id": {"app"}, "client_secret": {"s"}, "refresh_token": {refreshToken}}
	if scope != "" {
		p.Set("scope", scope)
	}
	return s.Token(TokenRequest{Params: p})
}

// A refresh asking for a narrower scope narrows only the access token it answers: the
// refresh token that comes with it still stands for the whole grant (RFC 6749 section 6),
// so each later refresh gets the whole grant or any part of it, and never more.
func TestNarrowedRefreshKeepsTheGrant(t *testing.T) {
	s, _ := newTestServer(Config{})
	loc, aerr := s.Authorize(url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.test/cb"},
		"response_type": {"code"}, "scope": {"accounts.read users.read opportunityStages.write"}})
	if aerr != nil {
		t.Fatal(aerr)
	}
	u, _ := url.Parse(loc)
	tok, err := exchange(s, "app", u.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	const whole = "accounts.read users.read opportunityStages.write"
	for i, step := range []struct{ ask, want string }{
		{"users.read", "users.read"},
		{"", whole},
		{"opportunityStages.write accounts.read", "opportunityStages.write accounts.read"},
		{"accounts.read", "accounts.read"},
		{"users.read opportunityStages.write", "users.read opportunityStages.write"},
		{"", whole},
	} {
		next, err := refreshWithScope(s, tok.RefreshToken, step.ask)
		if err != nil {
			t.Fatalf("refresh %d asking %q: %v", i, step.ask, err)
		}
		if next.Scope != step.want {
			t.Errorf("refresh %d asking %q: scope %q, want %q", i, step.ask, next.Scope, step.want)
		}
		access, state := s.Check(next.AccessToken)
		if got := strings.Join(access.Scopes, " "); state != Valid || got != step.want {
			t.Errorf("refresh %d: access token has %q (%v), want %q", i, got, state, step.want)
		}
		tok = next
	}
	if _, err := refreshWithScope(s, tok.RefreshToken, "accounts.write"); err == nil || err.Code != ErrInvalidScope {
		t.Errorf("a refresh asking beyond the grant: %v, want invalid_scope", err)
	}
}

// The example of RFC 7636 appendix B: an S256 challenge and the verifier it was made from.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// A code asked for with a PKCE challenge is exchanged only with the verifier that matches
// it; a refused exchange leaves the code usable; a code without a challenge needs no
// verifier and takes none.
func TestPKCE(t *testing.T) {
	const noVerifier = "\x00" // sends no code_verifier at all
	tests := []struct {
		name, challenge, method string // "" sends no such parameter
		verifier                string
		want                    string // "" for a token
	}{
		{"S256", rfcChallenge, "S256", rfcVerifier, ""},
		{"S256, wrong verifier", rfcChallenge, "S256", rfcVerifier + "x", ErrInvalidGrant},
		{"S256, the challenge as verifier", rfcChallenge, "S256", rfcChallenge, ErrInvalidGrant},
		{"S256, no verifier", rfcChallenge, "S256", noVerifier, ErrInvalidRequest},
		{"plain", rfcVerifier, "plain", rfcVerifier, ""},
		{"plain, wrong verifier", rfcVerifier, "plain", rfcVerifier[1:], ErrInvalidGrant},
		{"plain, no verifier", rfcVerifier, "plain", noVerifier, ErrInvalidRequest},
		{"no method means plain", rfcVerifier, "", rfcVerifier, ""},
		{"no method means plain, not S256", rfcChallenge, "", rfcVerifier, ErrInvalidGrant},
		{"longest challenge", strings.Repeat("a", MaxCodeChallenge), "plain", strings.Repeat("a", MaxCodeChallenge), ""},
		{"no challenge, no verifier", "", "", noVerifier, ""},
		{"no challenge, a method alone", "", "S256", noVerifier, ""},
		{"no challenge, a verifier anyway", "", "", rfcVerifier, ErrInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			q := url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.test/cb"}, "response_type": {"code"}}
			if tt.challenge != "" {
				q.Set("code_challenge", tt.challenge)
			}
			if tt.method != "" {
				q.Set("code_challenge_method", tt.method)
			}
			loc, aerr := s.Authorize(q)
			if aerr != nil {
				t.Fatal(aerr)
			}
			u, _ := url.Parse(loc)
			code := u.Query().Get("code")
			if code == "" {
				t.Fatalf("no code: %s", loc)
			}
			params := url.Values{"grant_type": {"authorization_code"}, "client_id": {"app"}, "client_secret": {"s"},
				"redirect_uri": {"https://app.test/cb"}, "code": {code}}
			if tt.verifier != noVerifier {
				params.Set("code_verifier", tt.verifier)
			}
			_, err := s.Token(TokenRequest{Params: params})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("exchange: %v, want a token", err)
			case tt.want == "":
				if _, err := s.Token(TokenRequest{Params: params}); err == nil || err.Code != ErrInvalidGrant {
					t.Errorf("the code worked twice: %v", err)
				}
			case err == nil || err.Code != tt.want || err.Status() != http.StatusBadRequest:
				t.Fatalf("exchange: %v, want 400 %s", err, tt.want)
			default:
				// The refused exchange did not spend the code: the right verifier still works.
				if tt.challenge == "" {
					params.Del("code_verifier")
				} else if tt.method == "S256" {
					params.Set("code_verifier", rfcVerifier)
				} else {
					params.Set("code_verifier", tt.challenge)
				}
				if _, err := s.Token(TokenRequest{Params: params}); err != nil {
					t.Errorf("after the refused exchange, the right verifier: %v", err)
				}
			}
		})
	}
}

// An authorization request whose challenge cannot be kept is redirected with the error,
// its description and the state, and no code.
func TestAuthorizeRefusesChallenge(t *testing.T) {
	tests := []struct {
		name, challenge, method, want string
	}{
		{"unknown method", rfcChallenge, "S512", ErrInvalidCodeChallengeMethod},
		{"method in the wrong case", rfcChallenge, "s256", ErrInvalidCodeChallengeMethod},
		{"challenge too long", strings.Repeat("a", MaxCodeChallenge+1), "plain", ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			loc, err := s.Authorize(url.Values{"client_id": {"app"}, "redirect_uri": {"https://app.test/cb"}, "response_type": {"code"},
				"state": {"st"}, "code_challenge": {tt.challenge}, "code_challenge_method": {tt.method}})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(loc)
			q := u.Query()
			if q.Get("error") != tt.want || q.Get("error_description") == "" || q.Get("state") != "st" || q.Has("code") {
				t.Errorf("redirect %s, want error %s with a description and the state, and no code", loc, tt.want)
			}
			if codes, _, _ := s.Held(); codes != 0 {
				t.Errorf("%d codes held after a refused authorization", codes)
			}
		})
	}
}

// Only invalid_client, and only for a client that used HTTP Basic, carries a challenge.
func TestInvalidClientChallenge(t *testing.T) {
	s, _ := newTestServer(Config{})
	tok, err := exchange(s, "app", codeFrom(t, s, "app"))
	if err != nil {
		t.Fatal(err)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	unknown := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"NOTATOKEN"}}
	for _, tt := range []struct {
		name      string
		req       TokenRequest
		code      string
		challenge string
	}{
		{"Basic, another secret", TokenRequest{Params: refresh, Basic: true, BasicID: "app", BasicPass: "guess"}, ErrInvalidClient, basicChallenge},
		{"Basic, no secret", TokenRequest{Params: refresh, Basic: true, BasicID: "app"}, ErrInvalidClient, basicChallenge},
		{"Basic, unknown refresh token", TokenRequest{Params: unknown, Basic: true, BasicID: "app", BasicPass: "s"}, ErrInvalidGrant, ""},
		{"body, no secret", TokenRequest{Params: url.Values{"grant_type": {"refresh_token"}, "client_id": {"app"}, "refresh_token": {tok.RefreshToken}}}, ErrInvalidClient, ""},
	} {
		_, err := s.Token(tt.req)
		if err == nil {
			t.Errorf("%s: a token, want %s", tt.name, tt.code)
			continue
		}
		if err.Code != tt.code || err.WWWAuthenticate() != tt.challenge {
			t.Errorf("%s: %v with challenge %q, want %s with %q", tt.name, err, err.WWWAuthenticate(), tt.code, tt.challenge)
		}
	}
}

// A client that attempted HTTP Basic gets the challenge with its invalid_client however
// malformed its header; a client that did not attempt it gets none.
func TestInvalidClientChallengeForAnyBasicHeader(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	for _, tt := range []struct {
		name, authorization, challenge string
	}{
		{"not base64", "Basic !!!notb64", basicChallenge},
		{"no colon", "Basic " + b64([]byte("app")), basicChallenge},
		{"bare scheme", "Basic", basicChallenge},
		{"bare scheme and a space", "Basic ", basicChallenge},
		{"lower case, wrong secret", "basic " + b64([]byte("app:guess")), basicChallenge},
		{"upper case, malformed", "BASIC %%%", basicChallenge},
		{"Bearer", "Bearer abc", ""},
		{"a scheme that only starts like Basic", "Basicx " + b64([]byte("app:guess")), ""},
		{"none", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			tok, err := exchange(s, "app", codeFrom(t, s, "app"))
			if err != nil {
				t.Fatal(err)
			}
			body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()
			r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authorization != "" {
				r.Header.Set("Authorization", tt.authorization)
			}
			req, perr := ParseTokenRequest(r)
			if perr != nil {
				t.Fatal(perr)
			}
			_, terr := s.Token(req)
			if terr == nil || terr.Code != ErrInvalidClient || terr.Status() != http.StatusUnauthorized {
				t.Fatalf("got %v, want a 401 invalid_client", terr)
			}
			if got := terr.WWWAuthenticate(); got != tt.challenge {
				t.Errorf("challenge %q, want %q", got, tt.challenge)
			}
		})
	}
}

// The client's credentials are read as Doorkeeper reads them: HTTP Basic when its header
// gives both id and secret, whatever the parameters say; else the parameters, also beside
// a Basic header that is malformed or lacks a part.
func TestTokenClientCredentials(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tt := range []struct {
		name, authorization string
		id, secret          string // in the parameters; empty for none
		want                string // the error code, empty for a token
	}{
		{"Basic only", "Basic " + b64("app:s"), "", "", ""},
		{"parameters only", "", "app", "s", ""},
		{"Basic right, parameters another client", "Basic " + b64("app:s"), "other", "x", ""},
		{"Basic right, parameters another secret", "Basic " + b64("app:s"), "app", "guess", ""},
		{"Basic wrong secret, parameters right", "Basic " + b64("app:guess"), "app", "s", ErrInvalidClient},
		{"Basic another client, parameters right", "Basic " + b64("other:s"), "app", "s", ErrInvalidGrant},
		{"Basic not base64, parameters right", "Basic !!!notb64", "app", "s", ""},
		{"Basic without colon, parameters right", "Basic " + b64("app"), "app", "s", ""},
		{"Basic without secret, parameters right", "Basic " + b64("app:"), "app", "s", ""},
		{"Basic without id, parameters right", "Basic " + b64(":s"), "app", "s", ""},
		{"bare Basic, parameters right", "Basic", "app", "s", ""},
		{"Basic without secret, no parameters", "Basic " + b64("app:"), "", "", ErrInvalidClient},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			tok, err := exchange(s, "app", codeFrom(t, s, "app"))
			if err != nil {
				t.Fatal(err)
			}
			params := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			if tt.id != "" {
				params.Set("client_id", tt.id)
				params.Set("client_secret", tt.secret)
			}
			r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(params.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authorization != "" {
				r.Header.Set("Authorization", tt.authorization)
			}
			req, perr := ParseTokenRequest(r)
			if perr != nil {
				t.Fatal(perr)
			}
			_, terr := s.Token(req)
			switch {
			case tt.want == "" && terr != nil:
				t.Errorf("%v, want a token", terr)
			case tt.want != "" && (terr == nil || terr.Code != tt.want):
				t.Errorf("%v, want %s", terr, tt.want)
			}
		})
	}
}

// Every parameter of an authorization request given more than once counts with its last
// value, as in a token request: the redirect carries the last state, never an earlier one
// an attacker put in front of it.
func TestAuthorizeTakesTheLastValue(t *testing.T) {
	const good = "https://app.test/cb"
	for _, tt := range []struct {
		name   string
		param  string
		values []string
		check  func(t *testing.T, s *Server, redirect *url.URL)
	}{
		{"state", "state", []string{"EVIL", "s"}, func(t *testing.T, _ *Server, u *url.URL) {
			if got := u.Query()["state"]; len(got) != 1 || got[0] != "s" {
				t.Errorf("state %q, want only the last value s", got)
			}
		}},
		{"client_id", "client_id", []string{"evil", "app"}, func(t *testing.T, s *Server, u *url.URL) {
			if _, err := exchange(s, "app", u.Query().Get("code")); err != nil {
				t.Errorf("the code does not work for the last client_id: %v", err)
			}
		}},
		{"redirect_uri", "redirect_uri", []string{"https://evil.test/cb", good}, func(t *testing.T, _ *Server, u *url.URL) {
			if u.Host != "app.test" {
				t.Errorf("redirected to %s, want the last redirect_uri", u)
			}
		}},
		{"response_type", "response_type", []string{"code", "token"}, func(t *testing.T, _ *Server, u *url.URL) {
			if u.Query().Get("error") != ErrUnsupportedResponseType {
				t.Errorf("redirect %s, want %s for the last response_type", u, ErrUnsupportedResponseType)
			}
		}},
		{"scope", "scope", []string{"opportunityStages.all", "opportunityStages.read"}, func(t *testing.T, s *Server, u *url.URL) {
			tok, err := exchange(s, "app", u.Query().Get("code"))
			if err != nil || tok.Scope != "opportunityStages.read" {
				t.Errorf("scope %q (%v), want the last one, opportunityStages.read", tok.Scope, err)
			}
		}},
		{"code_challenge_method", "code_challenge_method", []string{"S256", "S512"}, func(t *testing.T, _ *Server, u *url.URL) {
			if u.Query().Get("error") != ErrInvalidCodeChallengeMethod {
				t.Errorf("redirect %s, want %s for the last method", u, ErrInvalidCodeChallengeMethod)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestServer(Config{})
			q := url.Values{"client_id": {"app"}, "redirect_uri": {good}, "response_type": {"code"}, "state": {"s"}}
			if tt.param == "code_challenge_method" {
				q.Set("code_challenge", strings.Repeat("c", 43))
			}
			q[tt.param] = tt.values
			loc, err := s.Authorize(q)
			if err != nil {
				t.Fatal(err)
			}
			u, perr := url.Parse(loc)
			if perr != nil {
				t.Fatal(perr)
			}
			tt.check(t, s, u)
		})
	}
}

// A token request names its client and its grant as the answer reads them.
func TestTokenRequestNamesClientAndGrant(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tt := range []struct {
		name, authorization, body string
		client, grantType, grant  string
	}{
		{"a code in the form", "", "grant_type=authorization_code&code=c-1&client_id=app&client_secret=s", "app", "authorization_code", "c-1"},
		{"a refresh token, the client in Basic", "Basic " + b64("basic-app:s"), "grant_type=refresh_token&refresh_token=r-1&client_id=other", "basic-app", "refresh_token", "r-1"},
		{"Basic without a password", "Basic " + b64("basic-app:"), "grant_type=refresh_token&refresh_token=r-1&client_id=app", "app", "refresh_token", "r-1"},
		{"the last value counts", "", "grant_type=refresh_token&refresh_token=r-1&refresh_token=r-2&client_id=app", "app", "refresh_token", "r-2"},
		{"an unknown grant type presents nothing", "", "grant_type=password&code=c-1&refresh_token=r-1&client_id=app", "app", "password", ""},
		{"nothing", "", "", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.authorization != "" {
				r.Header.Set("Authorization", tt.authorization)
			}
			req, err := ParseTokenRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			grantType, grant := req.Grant()
			if got := []string{req.ClientID(), grantType, grant}; strings.Join(got, "|") != strings.Join([]string{tt.client, tt.grantType, tt.grant}, "|") {
				t.Errorf("client, grant type, grant = %q, want %q", got, []string{tt.client, tt.grantType, tt.grant})
			}
		})
	}
}
