// Package journal records what a mock answered: each request with its redacted headers,
// its body and the response, kept newest-last within an entry limit and a byte budget,
// and read back through filters. It knows nothing about how requests are answered.
package journal

import (
	"encoding/json"
	"net/http"
	"time"
)

// Entry is one request and the answer it got.
type Entry struct {
	// ID numbers the entries of one journal from 1, in the order they were added; ids are
	// never reused, also not after Clear, so "after" a known id finds only newer entries.
	ID int64 `json:"id"`
	// Time is when the request arrived.
	Time time.Time `json:"time"`
	// Sandbox is the X-Mock-Sandbox the request named; empty for the default sandbox.
	Sandbox     string `json:"sandbox"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query,omitempty"` // credential-like parameters redacted
	OperationID string `json:"operationId,omitempty"`
	// Status is the status answered; 0 when the connection was dropped.
	Status     int     `json:"status"`
	DurationMS float64 `json:"durationMs"`
	// Fault names what the mock injected instead of a normal answer, e.g. "rule 2".
	Fault string `json:"fault,omitempty"`
	// RequestHeaders are the headers sent, with credentials redacted.
	RequestHeaders http.Header `json:"requestHeaders"`
	// RequestBody is the body sent: its JSON value when it was JSON, else a JSON string
	// holding its text; at most MaxBody bytes of it are kept. Nil when there was none.
	RequestBody          json.RawMessage `json:"requestBody,omitempty"`
	RequestBodyTruncated bool            `json:"requestBodyTruncated,omitempty"`
	// ResponseHeaders are the headers answered, with cookies redacted.
	ResponseHeaders       http.Header     `json:"responseHeaders"`
	ResponseBody          json.RawMessage `json:"responseBody,omitempty"`
	ResponseBodyTruncated bool            `json:"responseBodyTruncated,omitempty"`
	// Violations are the contract violations found in the exchange (proxy mode).
	Violations []string `json:"violations,omitempty"`

	// Answered is when the answer was handed to the connection, or the connection closed
	// without one, by the clock of Time; zero when the server did not say.
	Answered time.Time `json:"answered,omitzero"`
	// Credential is a keyed hash (see Journal.CredentialHash) of the credential the request
	// presented: its bearer token, or on /oauth/token the OAuth client. Equal hashes, equal
	// credentials; the credential itself is never kept.
	Credential string `json:"credential,omitempty"`
	// Grant is a keyed hash of the authorization code or refresh token a token request
	// presented, GrantType its grant_type, and Issued the keyed hashes of the tokens its
	// answer issued.
	Grant     string   `json:"grant,omitempty"`
	GrantType string   `json:"grantType,omitempty"`
	Issued    []string `json:"issued,omitempty"`
	// Injected says the answer came from a fault rule or Prefer, not from the API itself.
	Injected bool `json:"injected,omitempty"`
	// Dropped says the connection was closed without an answer, and when.
	Dropped Drop `json:"dropped,omitempty"`
	// LostStatus is, when the connection was dropped after the request was carried out,
	// the status of the answer that was lost: 201 for a create whose record was stored.
	LostStatus int `json:"lostStatus,omitempty"`
	// CredentialExpired says the answer was the 401 for an expired or revoked credential.
	CredentialExpired bool `json:"credentialExpired,omitempty"`
	// Forwarded says the upstream answered (pass-through or proxy), not the mock: the
	// mock's own validation refused nothing, and the answer's links were read for cursors
	// only on the contract's routes (when OperationID is set).
	Forwarded bool `json:"forwarded,omitempty"`

	// Fingerprint is a keyed hash of the request as sent: its method, path, query, body,
	// credential, and the headers that may decide its answer (Content-Type,
	// Content-Encoding, Accept, Prefer, X-Mock-*). Two entries with the same fingerprint sent the same request. Empty when
	// the body was not kept whole, so that requests that may differ never compare equal.
	// It is for comparing entries in one process, and not written out.
	Fingerprint string `json:"-"`
	// CursorsSent are keyed hashes of the page cursors the request's query sent, and
	// CursorsIssued those of the page cursors the links of its answer issued (see
	// PageCursors). Not written out: the query and the body show the cursors themselves.
	CursorsSent   []string `json:"-"`
	CursorsIssued []string `json:"-"`
}

// Drop says when a connection was closed without an answer.
type Drop string

const (
	// DroppedBefore is a connection closed before the request was carried out: nothing
	// happened.
	DroppedBefore Drop = "before"
	// DroppedAfter is a connection closed once the request was carried out: a write was
	// done (or refused, see Entry.LostStatus) and its answer lost.
	DroppedAfter Drop = "after"
)
