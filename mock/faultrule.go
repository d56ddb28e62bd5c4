package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/oppstages/oppstages/internal/clip"
	"github.com/oppstages/oppstages/internal/headerfield"
	"github.com/oppstages/oppstages/internal/pathpattern"
	"github.com/oppstages/oppstages/internal/validation"
)

// FaultRule makes matching requests fail or slow down: it answers with a status (and a
// body from fixtures/errors unless one is given), waits, drops the connection (before the
// request is carried out, or after: the answer lost), or expires the token the request
// presented. It fires at most Times times (unlimited when absent) and each time with
// Probability.
type FaultRule struct {
	ID          int               `json:"id"`
	Method      string            `json:"method,omitempty"`
	Path        string            `json:"path,omitempty"`
	OperationID string            `json:"operationId,omitempty"`
	Status      int               `json:"status,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Body        json.RawMessage   `json:"body,omitempty"`
	Example     string            `json:"example,omitempty"`
	Delay       *Duration         `json:"delay,omitempty"`
	Drop        Drop              `json:"drop,omitempty"`
	// ExpireToken expires the bearer token the request presented, in the sandbox, from
	// then on, and answers the gateway's 401 for an expired token without carrying the
	// request out; later requests with the token get the same 401. It combines with no
	// other action.
	ExpireToken bool     `json:"expireToken,omitempty"`
	Times       *int     `json:"times,omitempty"`
	Probability *float64 `json:"probability,omitempty"`
	// Fired counts the times the rule has applied.
	Fired int `json:"fired"`
}

// Drop says when a fault rule closes the connection without an answer. In JSON it is
// true or "before" for DropBefore, "after" for DropAfter, and false (or absent) for none;
// DropBefore is written as true.
type Drop string

const (
	// DropBefore closes the connection before the request is carried out: nothing happens.
	DropBefore Drop = "before"
	// DropAfter carries the request out (a write is stored, durably with a state file) and
	// then closes the connection without a byte of answer: the answer is lost.
	DropAfter Drop = "after"
)

// UnmarshalJSON reads true, false, "before" or "after"; checked rejects other strings.
func (d *Drop) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*d = DropBefore
		return nil
	case "false", "null":
		*d = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`drop must be true, false, "before" or "after"`)
	}
	*d = Drop(s)
	return nil
}

// MarshalJSON writes DropBefore as true, as rules were always written, and the rest as
// strings.
func (d Drop) MarshalJSON() ([]byte, error) {
	if d == DropBefore {
		return []byte("true"), nil
	}
	return json.Marshal(string(d))
}

// The bounds of one fault rule, beside pathpattern's on its path: what a sandbox's rules
// hold stays small, and every request is matched against them quickly.
const (
	maxFaultHeaders     = 32
	maxFaultHeaderBytes = 8 << 10  // names and values together
	maxFaultBody        = 64 << 10 // as much of a body as the journal keeps
)

// parseFaultRule reads a posted rule and checks it; operations are the known operationIds
// and exampleStatus gives the status of a named error fixture, if there is one.
func parseFaultRule(body []byte, operations []string, exampleStatus func(string) (int, bool)) (FaultRule, error) {
	r, err := decodeFaultRule(body)
	if err != nil {
		return FaultRule{}, err
	}
	return r.checked(operations, exampleStatus)
}

// decodeFaultRule reads one rule as JSON, refusing members it does not know.
func decodeFaultRule(body []byte) (FaultRule, error) {
	var r FaultRule
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return FaultRule{}, &InputError{Field: "fault rule", Reason: err.Error()}
	}
	if dec.More() {
		return FaultRule{}, &InputError{Field: "fault rule", Reason: "one JSON object expected"}
	}
	return r, nil
}

// checked returns the rule ready to store (method in upper case, no id, never fired, and
// nothing shared with the caller), or an *InputError naming the first bad member. A rule
// that names an example but no status answers with the example's status.
func (r FaultRule) checked(operations []string, exampleStatus func(string) (int, bool)) (FaultRule, error) {
	r = r.clone()
	r.ID, r.Fired = 0, 0
	r.Method = strings.ToUpper(r.Method)
	bad := func(field, format string, args ...any) (FaultRule, error) {
		return FaultRule{}, &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch r.Drop {
	case "", DropBefore, DropAfter:
	default:
		return bad("drop", `must be true, false, "before" or "after", not %q`, clip.String(string(r.Drop)))
	}
	if r.ExpireToken && (r.Status != 0 || r.Example != "" || r.Drop != "" || r.Delay != nil || len(r.Body) > 0 || len(r.Headers) > 0) {
		return bad("expireToken", "answers the gateway's 401 for an expired token, and combines with no other action (status, example, body, headers, drop or delay)")
	}
	if r.Example != "" {
		status, ok := exampleStatus(r.Example)
		if !ok {
			return bad("example", "%q is not in fixtures/errors", clip.String(r.Example))
		}
		if r.Status == 0 && r.Drop == "" {
			r.Status = status
		}
	}
	var pathErr error
	if r.Path != "" {
		pathErr = pathpattern.Check(r.Path)
	}
	switch {
	case r.Status == 0 && r.Drop == "" && r.Delay == nil && !r.ExpireToken:
		return bad("status", "a fault rule needs status, example, drop, delay or expireToken")
	case r.Status != 0 && (r.Status < 200 || r.Status > 599 || http.StatusText(r.Status) == ""):
		return bad("status", "%d is not an HTTP status", r.Status)
	case r.Drop != "" && r.Status != 0:
		return bad("drop", "a rule either drops the connection or answers with a status, not both")
	case pathErr != nil:
		return bad("path", "%q %s", clip.String(r.Path), pathErr)
	case r.OperationID != "" && !slices.Contains(operations, r.OperationID):
		return bad("operationId", "%q is not one of %s", clip.String(r.OperationID), strings.Join(operations, ", "))
	case r.Times != nil && *r.Times < 1:
		return bad("times", "must be at least 1 (leave it out for unlimited)")
	case r.Probability != nil && !(*r.Probability >= 0 && *r.Probability <= 1):
		return bad("probability", "must be between 0 and 1")
	case r.Delay != nil && (r.Delay.D < 0 || r.Delay.D > MaxDelay):
		return bad("delay", "must be between 0 and %s", MaxDelay)
	case len(r.Body) > maxFaultBody:
		return bad("body", "must be at most %d bytes, not %d", maxFaultBody, len(r.Body))
	case len(r.Body) > 0 && !json.Valid(r.Body):
		return bad("body", "must be JSON")
	}
	if reason := checkFaultHeaders(r.Headers); reason != "" {
		return bad("headers", "%s", reason)
	}
	if r.Method != "" && !slices.Contains([]string{"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"}, r.Method) {
		return bad("method", "%q is not an HTTP method", clip.String(r.Method))
	}
	return r, nil
}

// checkFaultHeaders says what is wrong with a rule's headers, or returns "": each must
// be one net/http can send as it is, and together they keep within the rule's bounds.
func checkFaultHeaders(headers map[string]string) string {
	if len(headers) > maxFaultHeaders {
		return fmt.Sprintf("at most %d headers, not %d", maxFaultHeaders, len(headers))
	}
	size := 0
	for _, name := range slices.Sorted(maps.Keys(headers)) { // the first bad one, the same every time
		value := headers[name]
		size += len(name) + len(value)
		switch {
		case !headerfield.ValidName(name):
			return fmt.Sprintf("%q is not a header name: letters, digits and !#$%%&'*+-.^_`|~ only", clip.String(name))
		case !headerfield.ValidValue(value):
			return fmt.Sprintf("the value of %q holds a control character (CR, LF, NUL and the like; tab is allowed)", clip.String(name))
		case headerfield.Framing(name):
			return fmt.Sprintf("%q frames the answer, so the server sets it", clip.String(name))
		}
	}
	if size > maxFaultHeaderBytes {
		return fmt.Sprintf("at most %d bytes of names and values together, not %d", maxFaultHeaderBytes, size)
	}
	return ""
}

// clone copies everything the rule points to, so that a stored rule and the rules
// handed out never share memory.
func (r FaultRule) clone() FaultRule {
	if r.Headers != nil {
		r.Headers = maps.Clone(r.Headers)
	}
	if r.Body != nil {
		r.Body = append(json.RawMessage(nil), r.Body...)
	}
	if r.Delay != nil {
		r.Delay = new(*r.Delay)
	}
	if r.Times != nil {
		r.Times = new(*r.Times)
	}
	if r.Probability != nil {
		r.Probability = new(*r.Probability)
	}
	return r
}

// matches reports whether the rule applies to a request; path is canonical, and so is the
// rule's pattern once read as a path (/api/v2 is the root, a trailing slash dropped).
func (r *FaultRule) matches(method string, path *pathpattern.Path, operationID string) bool {
	return (r.Method == "" || r.Method == method) &&
		(r.Path == "" || path.Match(r.Path) || matchesCanonical(path, r.Path)) &&
		(r.OperationID == "" || r.OperationID == operationID) &&
		(r.Times == nil || *r.Times > 0)
}

// matchesCanonical matches path against pattern's canonical form, when that differs from
// pattern (a canonical pattern, the usual case, is not matched twice).
func matchesCanonical(path *pathpattern.Path, pattern string) bool {
	canonical := validation.CanonicalPath(pattern)
	return canonical != pattern && path.Match(canonical)
}

// faultRuleOverhead is what a rule costs besides the bytes of its members: the struct,
// the values its pointers point to, and the header map's own cost.
const (
	faultRuleOverhead = 256
	faultHeaderCost   = 64 // per header, beside its name and value
)

// size is what the rule holds, counted as its bounds count it (header names and values,
// the body) and with every other string it keeps.
func (r *FaultRule) size() int64 {
	n := faultRuleOverhead + len(r.Method) + len(r.Path) + len(r.OperationID) + len(r.Body) + len(r.Example) + len(r.Drop)
	for name, value := range r.Headers {
		n += faultHeaderCost + len(name) + len(value)
	}
	return int64(n)
}
