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
}
