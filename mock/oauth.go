package mock

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/oauth"
	"github.com/oppstages/oppstages/internal/query"
)

// The authorization server's endpoints, at the root beside /api/v2, as the vendor has them.
const (
	oauthAuthorizePath = "/oauth/authorize"
	oauthTokenPath     = "/oauth/token"
)

// isOAuthEndpoint reports whether the mock's authorization server answers r: GET
// /oauth/authorize, and /oauth/token whatever the method, since a method other than POST
// is its 405 to answer. With CORS on, withCORS answers a preflight before it gets here.
func isOAuthEndpoint(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == oauthAuthorizePath || r.URL.Path == oauthTokenPath
}

// oauthKey signs the access tokens the mock issues. Without Options.Tokens any token is
// accepted anyway, so the key derives from the seed: a restarted mock with the same seed
// still accepts the tokens it issued before. With Options.Tokens access is restricted, and
// the seed is no secret, so the key is random: issued tokens last as long as the server.
func oauthKey(opts Options) []byte {
	if opts.Tokens != nil {
		key := make([]byte, sha256.Size)
		_, _ = rand.Read(key) // crypto/rand never fails
		return key
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], opts.Seed)
	sum := sha256.Sum256(append([]byte("oppstages oauth key "), b[:]...))
	return sum[:]
}

// serveOAuth answers GET /oauth/authorize and /oauth/token. The API's controls (rate
// limit, delays, fault rules, Prefer, error rate, SKU) do not apply: the authorization
// server is not the API. Requests are journaled and logged with credentials redacted.
func (s *Server) serveOAuth(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	box, err := s.sandboxFor(r)
	if err != nil {
		box = s.main
	}
	x := &exchange{r: r, sent: r, box: box, arrived: s.arrival(start)}
	x.match, _ = s.oauthRoutes.Route(r)
	var sent capture // what the client sent, as far as the token endpoint read it
	if r.Body != nil {
		r.Body = readCloser{io.TeeReader(r.Body, &sent), r.Body}
	}
	var resp response
	var req oauth.TokenRequest // what a token request presented, for the journal
	var issued oauth.Token
	switch {
	case r.URL.Path == oauthAuthorizePath:
		resp = s.authorizeResponse(r)
	case r.Method != http.MethodPost:
		resp = oauthError(oauth.TokenMethodNotAllowed(r.Method))
		resp.header.Set("Allow", http.MethodPost)
	default:
		resp, req, issued = s.tokenResponse(r)
	}
	resp.write(w)

	elapsed := time.Since(start)
	x.body = sent.b
	e := x.journalExchange(s.answeredAt(x.arrived, elapsed), elapsed, resp.status, resp, w.Header()) // redacted when read
	if r.URL.Path == oauthTokenPath {
		// The credential of a token request is the client; what it presents is its grant.
		e.Credential = req.ClientID()
		e.GrantType, e.Grant = req.Grant()
		if resp.status == http.StatusOK {
			e.Issued = []string{issued.AccessToken, issued.RefreshToken}
		}
	}
	box.journal.Add(e)
	s.logRequest(r, resp.status, start, elapsed, "") // redacts the query
}

// capture keeps the first bytes written to it, as many as the journal keeps of a body.
type capture struct{ b []byte }

func (c *capture) Write(p []byte) (int, error) {
	if room := journal.MaxBody + 1 - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (s *Server) authorizeResponse(r *http.Request) response {
	q, qerr := query.ParseQuery(r.URL.RawQuery) // a pair url.Query would drop (scope=x;y, %zz) must not widen the grant
	if qerr != nil {
		return oauthError(oauth.InvalidRequest(qerr.Detail))
	}
	location, err := s.oauth.Authorize(q)
	if err != nil {
		return oauthError(err)
	}
	return response{status: http.StatusFound, header: http.Header{"Location": {location}, "Cache-Control": {"no-store"}}}
}

// tokenResponse answers a token request, and returns the request as it was read (empty
// when it could not be) and the token issued (empty unless the answer is a 200).
func (s *Server) tokenResponse(r *http.Request) (response, oauth.TokenRequest, oauth.Token) {
	req, err := oauth.ParseTokenRequest(r)
	if err != nil {
		return oauthError(err), oauth.TokenRequest{}, oauth.Token{}
	}
	token, err := s.oauth.Token(req)
	if err != nil {
		return oauthError(err), req, oauth.Token{}
	}
	return response{status: http.StatusOK, contentType: "application/json", body: token.JSON(),
		header: http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}}, req, token
}

func oauthError(err *oauth.Error) response {
	resp := response{status: err.Status(), contentType: "application/json", body: err.JSON(),
		header: http.Header{"Cache-Control": {"no-store"}}}
	if challenge := err.WWWAuthenticate(); challenge != "" {
		resp.header.Set("WWW-Authenticate", challenge)
	}
	return resp
}

// checkIssued looks for a token the mock's authorization server issued: its scopes when it
// is valid, the expired-token 401 when it has expired, and ok false for any other token.
func (s *Server) checkIssued(token string) (p principal, gerr *jsonapi.GatewayError, ok bool) {
	access, state := s.oauth.Check(token)
	switch state {
	case oauth.Valid:
		scopes := make([]oppstages.Scope, len(access.Scopes))
		for i, sc := range access.Scopes {
			scopes[i] = oppstages.Scope(sc)
		}
		return principal{token: token, scopes: scopes}, nil, true
	case oauth.Expired:
		return principal{}, &jsonapi.ErrExpiredToken, true
	}
	return principal{}, nil, false
}

// grantableScopes are the scopes /oauth/authorize grants: with Options.Tokens only those
// some token in it has, so that an authorization gets no more than the file hands out;
// without it (nil) any.
func grantableScopes(tokens map[string][]oppstages.Scope) []string {
	if tokens == nil {
		return nil
	}
	out := []string{}
	for _, scopes := range tokens {
		for _, sc := range scopes {
			if !slices.Contains(out, string(sc)) {
				out = append(out, string(sc))
			}
		}
	}
	return out
}
