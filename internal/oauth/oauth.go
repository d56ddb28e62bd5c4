package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oppstages/oppstages/internal/clip"
)

// Defaults and bounds.
const (
	// DefaultTokenTTL is the lifetime of an access token, the vendor's expires_in of 7200.
	DefaultTokenTTL = 2 * time.Hour
	// CodeTTL is how long an authorization code can be exchanged.
	CodeTTL = 10 * time.Minute
	// RefreshTTL is how long an unused refresh token lasts.
	RefreshTTL = 14 * 24 * time.Hour
	// DefaultMaxCodes and DefaultMaxRefreshTokens bound the grants a server holds; beyond
	// them the oldest is forgotten. With MaxScopes scopes of MaxScopeName bytes, a grant
	// holds at most 12 KiB of scopes, so all of them together at most some 84 MiB.
	DefaultMaxCodes         = 2_000
	DefaultMaxRefreshTokens = 5_000
	// DefaultScope is granted when an authorization request names no scope.
	DefaultScope = "opportunityStages.all"
)

// Limits on what a client may send, so that nothing it sends is stored unbounded: a grant
// holds at most MaxScopes scope names of at most MaxScopeName bytes.
const (
	maxClientID    = 255
	maxRedirectURI = 2048
	maxState       = 2048
	MaxScopes      = 256 // every scope of every Outreach resource fits; real apps ask for many
	MaxScopeName   = 48
	// MaxCodeChallenge is the longest code_challenge kept: RFC 7636 allows a code_verifier,
	// and so a plain challenge, of at most 128 characters (an S256 one has 43).
	MaxCodeChallenge = 128
)

// The PKCE code challenge methods of RFC 7636.
const (
	challengePlain = "plain"
	challengeS256  = "S256"
)

// scopeName is the vendor's pattern for scopes: <pluralType>.<read|write|delete|all>.
var scopeName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*\.(read|write|delete|all)$`)

// Config configures a Server.
type Config struct {
	// Key signs access tokens: tokens stay valid across servers with the same key.
	Key []byte
	// TokenTTL is the lifetime of access tokens; 0 means DefaultTokenTTL. Less than a
	// second is rounded up to one, since expires_in counts whole seconds.
	TokenTTL time.Duration
	// Clock gives the time; nil means time.Now.
	Clock func() time.Time
	// MaxCodes and MaxRefreshTokens bound the grants held; 0 means the defaults.
	MaxCodes, MaxRefreshTokens int
	// GrantableScopes, when not nil, are the only scopes an authorization may ask for;
	// nil allows any well-formed scope.
	GrantableScopes []string
}

// Server issues codes and tokens. It is safe for concurrent use.
type Server struct {
	key       []byte
	ttl       int64 // seconds
	clock     func() time.Time
	grantable []string // nil: any

	mu      sync.Mutex
	codes   *expiring[codeGrant]
	refresh *expiring[refreshGrant]
}

// codeGrant is what an authorization code stands for until it is exchanged.
type codeGrant struct {
	clientID, redirectURI string
	scope                 string // the granted scopes, space separated, in a string of their own
	// challenge is the PKCE code_challenge the code was asked for with, empty for none;
	// challengeMethod is then challengePlain or challengeS256.
	challenge, challengeMethod string
}

// refreshGrant is what a refresh token stands for until it is used.
type refreshGrant struct {
	clientID string
	secret   [sha256.Size]byte // the client secret the grant was exchanged with
	scope    string            // the scopes the user granted; a narrowed refresh never changes them
}

// New returns a server with no grants.
func New(cfg Config) *Server {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.MaxCodes <= 0 {
		cfg.MaxCodes = DefaultMaxCodes
	}
	if cfg.MaxRefreshTokens <= 0 {
		cfg.MaxRefreshTokens = DefaultMaxRefreshTokens
	}
	return &Server{
		key:       slices.Clone(cfg.Key),
		grantable: slices.Clone(cfg.GrantableScopes),
		ttl:       max(int64((cfg.TokenTTL+time.Second-1)/time.Second), 1),
		clock:     cfg.Clock,
		codes:     newExpiring[codeGrant](cfg.MaxCodes, CodeTTL),
		refresh:   newExpiring[refreshGrant](cfg.MaxRefreshTokens, RefreshTTL),
	}
}

// Authorize answers an authorization request at once, as if the user had consented: the
// redirect carries a code and the request's state. An error the client should see on its
// redirect_uri comes back as a redirect too; an error that leaves nowhere to redirect to
// (no client, no usable redirect_uri) is returned instead. A parameter given more than
// once counts with its last value, as for a token request.
func (s *Server) Authorize(q url.Values) (location string, err *Error) {
	q = lastValues(q)
	clientID := q.Get("client_id")
	switch {
	case clientID == "":
		return "", missing("client_id")
	case len(clientID) > maxClientID:
		return "", errorf(ErrInvalidRequest, http.StatusBadRequest, "client_id is longer than %d bytes.", maxClientID)
	}
	rawRedirect := q.Get("redirect_uri")
	if rawRedirect == "" {
		return "", missing("redirect_uri")
	}
	redirect, rerr := parseRedirectURI(rawRedirect)
	if rerr != nil {
		return "", rerr
	}
	state := q.Get("state")
	if len(state) > maxState {
		return "", errorf(ErrInvalidRequest, http.StatusBadRequest, "state is longer than %d bytes.", maxState)
	}
	back := func(params url.Values) string {
		if state != "" {
			params.Set("state", state)
		}
		u := *redirect
		u.RawQuery = redirectQuery(u.RawQuery, params)
		return u.String()
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return back(url.Values{"error": {ErrInvalidRequest}, "error_description": {missing("response_type").Description}}), nil
	default:
		return back(url.Values{"error": {ErrUnsupportedResponseType},
			"error_description": {"Only response_type=code (the authorization-code grant) is supported."}}), nil
	}
	scopes, serr := parseScope(q.Get("scope"))
	if serr == nil && s.grantable != nil {
		for _, sc := range scopes {
			if !slices.Contains(s.grantable, sc) {
				serr = errorf(ErrInvalidScope, http.StatusBadRequest,
					"The scope '%s' is not one this server grants: no token in its tokens file has it.", clip.String(sc))
				break
			}
		}
	}
	if serr != nil {
		return back(url.Values{"error": {serr.Code}, "error_description": {serr.Description}}), nil
	}
	challenge, method, cerr := parseChallenge(q)
	if cerr != nil {
		return back(url.Values{"error": {cerr.Code}, "error_description": {cerr.Description}}), nil
	}
	code := rand.Text()
	// Copies: a grant keeps none of the request's bytes, which may be many.
	grant := codeGrant{clientID: strings.Clone(clientID), redirectURI: strings.Clone(rawRedirect), scope: strings.Join(scopes, " "),
		challenge: strings.Clone(challenge), challengeMethod: method}
	s.mu.Lock()
	s.codes.put(code, grant, s.clock())
	s.mu.Unlock()
	return back(url.Values{"code": {code}}), nil
}

// redirectQuery is the redirect_uri's own query with the answer's parameters added. Each
// replaces any of that name the redirect_uri has, as Doorkeeper merges them, so that the
// client reads one code and one state, the ones this answer gives; and the redirect_uri's
// own code, error and error_description go whatever the answer, so that it never carries
// both a code and an error. The rest of the redirect_uri's query stays, in its order and
// encoding (RFC 6749 section 3.1.2), including a state of its own when the request sent none.
func redirectQuery(own string, params url.Values) string {
	var kept []string
	for _, pair := range strings.Split(own, "&") {
		name, _, _ := strings.Cut(pair, "=")
		if decoded, err := url.QueryUnescape(name); err == nil {
			name = decoded
		}
		switch {
		case pair == "", params.Has(name), name == "code", name == "error", name == "error_description":
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(append(kept, params.Encode()), "&")
}

// parseRedirectURI accepts an absolute http or https URI without a fragment.
func parseRedirectURI(raw string) (*url.URL, *Error) {
	bad := func(why string) (*url.URL, *Error) {
		return nil, errorf(ErrInvalidRequest, http.StatusBadRequest, "redirect_uri %s.", why)
	}
	if len(raw) > maxRedirectURI {
		return bad("is too long")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("is not a URI")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("must be an absolute http or https URI")
	case u.Host == "":
		return bad("has no host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("must not have a fragment")
	}
	return u, nil
}

// parseChallenge reads the PKCE code challenge of an authorization request (RFC 7636
// section 4.3): none when code_challenge is empty, whatever code_challenge_method says,
// as Doorkeeper ignores it then. Without code_challenge_method the method is plain, as
// RFC 7636 has it (Doorkeeper refuses such a request instead); a method other than plain
// or S256 is refused with Doorkeeper's error.
func parseChallenge(q url.Values) (challenge, method string, err *Error) {
	challenge = q.Get("code_challenge")
	if challenge == "" {
		return "", "", nil
	}
	if len(challenge) > MaxCodeChallenge {
		return "", "", errorf(ErrInvalidRequest, http.StatusBadRequest, "code_challenge is longer than %d characters.", MaxCodeChallenge)
	}
	switch q.Get("code_challenge_method") {
	case "", challengePlain:
		return challenge, challengePlain, nil
	case challengeS256:
		return challenge, challengeS256, nil
	}
	return "", "", errorf(ErrInvalidCodeChallengeMethod, http.StatusBadRequest, "The code_challenge_method must be one of plain, S256.")
}

// verifyChallenge checks a token request's code_verifier against the challenge the code
// was issued with (RFC 7636 section 4.6). A missing verifier is Doorkeeper's
// invalid_request; a wrong one its invalid_grant. A code issued without a challenge takes no
// verifier, and one sent anyway is refused, as Doorkeeper refuses it: otherwise an
// attacker who strips the challenge from the authorization request would go unnoticed.
func verifyChallenge(g codeGrant, verifier string) *Error {
	switch {
	case g.challenge == "" && verifier == "":
		return nil
	case g.challenge == "":
		return errorf(ErrInvalidGrant, http.StatusBadRequest,
			"The authorization code was issued without a code_challenge, so the request must not send a code_verifier.")
	case verifier == "":
		return missing("code_verifier") // Doorkeeper's invalid_request, before it looks at the grant
	}
	derived := verifier
	if g.challengeMethod == challengeS256 {
		sum := sha256.Sum256([]byte(verifier))
		derived = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(derived), []byte(g.challenge)) != 1 {
		return errorf(ErrInvalidGrant, http.StatusBadRequest,
			"The code_verifier does not match the code_challenge the authorization code was issued with.")
	}
	return nil
}

// parseScope reads a space-separated scope list ("+" also separates, as in the vendor's
// samples); no scope at all means DefaultScope.
func parseScope(raw string) ([]string, *Error) {
	names := strings.FieldsFunc(raw, func(r rune) bool { return r == ' ' || r == '+' })
	if len(names) == 0 {
		return []string{DefaultScope}, nil
	}
	if len(names) > MaxScopes {
		return nil, errorf(ErrInvalidScope, http.StatusBadRequest, "At most %d scopes may be requested.", MaxScopes)
	}
	var out []string
	for _, name := range names {
		if !validScopeName(name) {
			return nil, errorf(ErrInvalidScope, http.StatusBadRequest,
				"The scope '%s' is malformed; scopes look like opportunityStages.read.", clip.String(name))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

func validScopeName(name string) bool {
	return len(name) <= MaxScopeName && scopeName.MatchString(name)
}

// Token is the vendor's token document.
type Token struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
}

// Token answers a token request: an authorization code or a refresh token is exchanged for
// a new access token and a new refresh token. Codes and refresh tokens work once. A client
// that attempted HTTP Basic and failed gets its invalid_client with a challenge, also when
// its Authorization header was malformed (RFC 6749 section 5.2).
func (s *Server) Token(req TokenRequest) (Token, *Error) {
	tok, err := s.token(req)
	if err != nil && err.Code == ErrInvalidClient && req.Basic {
		err.challenge = basicChallenge
	}
	return tok, err
}

func (s *Server) token(req TokenRequest) (Token, *Error) {
	p := req.Params
	grantType := p.Get("grant_type")
	switch grantType {
	case "":
		return Token{}, missing("grant_type")
	case "authorization_code", "refresh_token":
	default:
		return Token{}, errorf(ErrUnsupportedGrantType, http.StatusBadRequest,
			"grant_type must be authorization_code or refresh_token, not '%s'.", clip.String(grantType))
	}
	clientID, secret := req.client()
	if clientID == "" || secret == "" || len(clientID) > maxClientID {
		return Token{}, invalidClient()
	}
	secretHash := sha256.Sum256([]byte(secret))
	if grantType == "authorization_code" {
		return s.exchangeCode(p, clientID, secretHash)
	}
	return s.useRefreshToken(p, clientID, secretHash)
}

func (s *Server) exchangeCode(p url.Values, clientID string, secret [sha256.Size]byte) (Token, *Error) {
	code := p.Get("code")
	if code == "" {
		return Token{}, missing("code")
	}
	redirectURI := p.Get("redirect_uri")
	if redirectURI == "" {
		return Token{}, missing("redirect_uri")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	g, ok := s.codes.peek(code, now)
	if !ok || g.clientID != clientID || g.redirectURI != redirectURI {
		return Token{}, invalidGrant("authorization code")
	}
	if err := verifyChallenge(g, p.Get("code_verifier")); err != nil {
		return Token{}, err // the code stays usable, as for any refused exchange
	}
	s.codes.take(code, now)
	return s.issue(now, refreshGrant{clientID: g.clientID, secret: secret, scope: g.scope}, g.scope), nil
}

func (s *Server) useRefreshToken(p url.Values, clientID string, secret [sha256.Size]byte) (Token, *Error) {
	token := p.Get("refresh_token")
	if token == "" {
		return Token{}, missing("refresh_token")
	}
	var narrowed []string
	if raw := p.Get("scope"); raw != "" {
		var err *Error
		if narrowed, err = parseScope(raw); err != nil {
			return Token{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	g, ok := s.refresh.peek(token, now)
	if !ok || g.clientID != clientID {
		return Token{}, invalidGrant("refresh token")
	}
	if subtle.ConstantTimeCompare(g.secret[:], secret[:]) != 1 {
		return Token{}, invalidClient()
	}
	// RFC 6749 section 6: a narrower scope narrows only the access token issued now; the
	// new refresh token keeps the whole grant, so a later refresh may ask for any part of it.
	accessScope := g.scope
	if narrowed != nil {
		for _, sc := range narrowed {
			if !slices.Contains(strings.Fields(g.scope), sc) {
				return Token{}, errorf(ErrInvalidScope, http.StatusBadRequest,
					"The scope '%s' was not granted; a refresh can only narrow the scopes.", clip.String(sc))
			}
		}
		accessScope = strings.Join(narrowed, " ")
	}
	s.refresh.take(token, now)
	return s.issue(now, g, accessScope), nil
}

// issue mints an access token with scope, which is the grant's or part of it, and a
// refresh token for the whole grant. s.mu is held.
func (s *Server) issue(now time.Time, g refreshGrant, scope string) Token {
	created := now.Unix()
	access := sign(s.key, claims{Issuer: issuer, ClientID: g.clientID, Scope: scope,
		IssuedAt: created, ExpiresAt: created + s.ttl, ID: rand.Text()})
	refresh := rand.Text()
	s.refresh.put(refresh, g, now)
	return Token{AccessToken: access, TokenType: "bearer", ExpiresIn: s.ttl,
		RefreshToken: refresh, Scope: scope, CreatedAt: created}
}

// TokenState says whether a bearer token is one this server issued, and if so whether it
// is still valid.
type TokenState int

// The states of a bearer token.
const (
	NotIssued TokenState = iota // not signed by this server: someone else's token
	Valid
	Expired
)

// Check looks at a bearer token sent to the API.
func (s *Server) Check(token string) (Access, TokenState) {
	c, ok := verify(s.key, token)
	if !ok {
		return Access{}, NotIssued
	}
	a := Access{ClientID: c.ClientID, Scopes: strings.Fields(c.Scope), ExpiresAt: time.Unix(c.ExpiresAt, 0)}
	if s.clock().Unix() >= c.ExpiresAt {
		return a, Expired
	}
	return a, Valid
}

// Held is the number of codes and refresh tokens the server holds, and how many live ones
// it forgot to stay within its bounds.
func (s *Server) Held() (codes, refreshTokens, evicted int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.codes.sweep(now)
	s.refresh.sweep(now)
	return s.codes.len(), s.refresh.len(), s.codes.evicted + s.refresh.evicted
}

// JSON is the token document as the token endpoint answers it.
func (t Token) JSON() []byte {
	b, _ := json.Marshal(t) // strings and integers always marshal
	return b
}
