package mock

import (
	"net/http"
	"slices"
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// identify authenticates the request on arrival, as the vendor's gateway does before
// anything else sees it. It answers nothing: the rate limit counts only what
// authenticated, and the store answers a failure with the gateway's 401 in its turn.
func (s *Server) identify(x *exchange) *response {
	x.who, x.authErr = s.authenticate(x.r)
	if x.box.expired.has(bearerToken(x.r), x.box.journal.CredentialHash) {
		// A fault rule expired the token in this sandbox: the gateway's 401, which the
		// faults step answers whoever would answer the rest.
		x.who, x.authErr, x.revoked = principal{}, &jsonapi.ErrExpiredToken, true
	}
	x.credential = credentialOf(x.who, x.authErr == nil)
	return nil
}

// principal is who a request acts as: its bearer token and that token's scopes.
type principal struct {
	token  string
	scopes []oppstages.Scope
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header, or "".
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// authenticate finds the principal of a request, or says which 401 it gets. A token the
// mock's authorization server issued has its own scopes and expiry, with or without
// Options.Tokens; any other token is looked up in Options.Tokens when that is set.
func (s *Server) authenticate(r *http.Request) (principal, *jsonapi.GatewayError) {
	if r.Header.Get("Authorization") == "" {
		return principal{}, &jsonapi.ErrNoAuthorization
	}
	token := bearerToken(r)
	if token == "" || strings.ContainsAny(token, " \t") {
		return principal{}, &jsonapi.ErrInvalidToken
	}
	if p, gerr, issued := s.checkIssued(token); issued {
		return p, gerr
	}
	if s.opts.Tokens == nil {
		return principal{token: token, scopes: s.anyTokenScopes}, nil
	}
	scopes, ok := s.opts.Tokens[token]
	if !ok {
		return principal{}, &jsonapi.ErrInvalidToken
	}
	return principal{token: token, scopes: scopes}, nil
}

func (p principal) has(scope oppstages.Scope) bool { return slices.Contains(p.scopes, scope) }

// authorize checks the principal against the operation's alternatives of required scopes;
// the 403 names the scope of the first alternative.
func (p principal) authorize(alternatives [][]string) *oppstages.Error {
	for _, scopes := range alternatives {
		if !slices.ContainsFunc(scopes, func(s string) bool { return !p.has(oppstages.Scope(s)) }) {
			return nil
		}
	}
	missing := "opportunityStages.all"
	if len(alternatives) > 0 && len(alternatives[0]) > 0 {
		missing = alternatives[0][0]
	}
	return oppstages.Errorf(oppstages.CodeUnauthorizedOauthScope,
		"Your authorization does not include the required scope '%s'.", missing)
}

func (p principal) canWrite() bool { return p.has(oppstages.ScopeWrite) || p.has(oppstages.ScopeAll) }

func (p principal) canDelete() bool { return p.has(oppstages.ScopeDelete) || p.has(oppstages.ScopeAll) }
