package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/oppstages/oppstages/internal/clip"
)

// The error codes of RFC 6749 that the vendor's authorization server answers with.
const (
	ErrInvalidRequest          = "invalid_request"
	ErrInvalidClient           = "invalid_client"
	ErrInvalidGrant            = "invalid_grant"
	ErrUnsupportedGrantType    = "unsupported_grant_type"
	ErrInvalidScope            = "invalid_scope"
	ErrUnsupportedResponseType = "unsupported_response_type"
	// ErrInvalidCodeChallengeMethod is Doorkeeper's own code for a code_challenge_method
	// it does not support, where RFC 7636 says invalid_request.
	ErrInvalidCodeChallengeMethod = "invalid_code_challenge_method"
)

// Error is an OAuth error: {"error", "error_description"}, with its HTTP status.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
	status      int
	challenge   string // the WWW-Authenticate challenge the answer carries, if any
}

// basicChallenge answers a client that failed to authenticate with HTTP Basic (RFC 6749
// section 5.2 asks for a challenge in the scheme the client used). The realm is
// Doorkeeper's default; Doorkeeper itself sends a Bearer challenge on every token error.
const basicChallenge = `Basic realm="Doorkeeper"`

// WWWAuthenticate is the challenge the error's answer carries in WWW-Authenticate, or ""
// for none.
func (e *Error) WWWAuthenticate() string { return e.challenge }

func errorf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), status: status}
}

// Status is the HTTP status the error is answered with: 401 for a client that failed to
// authenticate, 405 for a method the endpoint does not answer, 413 for an oversized body,
// 400 for everything else.
func (e *Error) Status() int {
	if e.status == 0 {
		return http.StatusBadRequest
	}
	return e.status
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// JSON is the error's response body.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(e) // two strings always marshal
	return b
}

func missing(param string) *Error {
	return errorf(ErrInvalidRequest, http.StatusBadRequest, "Missing required parameter: %s.", param)
}

func invalidClient() *Error {
	return errorf(ErrInvalidClient, http.StatusUnauthorized,
		"Client authentication failed: send client_id and client_secret (in the body or as HTTP Basic), the same ones the grant was issued to.")
}

func invalidGrant(what string) *Error {
	return errorf(ErrInvalidGrant, http.StatusBadRequest,
		"The %s is unknown, expired, already used, or was issued to another client or redirect_uri.", what)
}

// TokenMethodNotAllowed answers a request to the token endpoint with a method other than
// POST, the only one RFC 6749 section 3.2 allows there.
func TokenMethodNotAllowed(method string) *Error {
	return errorf(ErrInvalidRequest, http.StatusMethodNotAllowed,
		"The token endpoint answers POST only, not %s.", clip.String(method))
}

// InvalidRequest is the invalid_request error (400) with description: a request the
// server cannot read, such as a query with a malformed escape.
func InvalidRequest(description string) *Error {
	return errorf(ErrInvalidRequest, http.StatusBadRequest, "%s", description)
}
