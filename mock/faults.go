package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// FaultRule makes matching requests fail or slow down: it answers with a status (and a
// body from fixtures/errors unless one is given), waits, or drops the connection. It
// fires at most Times times (unlimited when absent) and each time with Probability.
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
	Drop        bool              `json:"drop,omitempty"`
	Times       *int              `json:"times,omitempty"`
	Probability *float64          `json:"probability,omitempty"`
	// Fired counts the times the rule has applied.
	Fired int `json:"fired"`
}

// parseFaultRule reads a posted rule and checks it; operations are the known operationIds.
func parseFaultRule(body []byte, operations []string, examples func(string) bool) (FaultRule, error) {
	var r FaultRule
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return FaultRule{}, fmt.Errorf("fault rule: %w", err)
	}
	if dec.More() {
		return FaultRule{}, fmt.Errorf("fault rule: one JSON object expected")
	}
	r.ID, r.Fired = 0, 0
	r.Method = strings.ToUpper(r.Method)
	switch {
	case r.Status == 0 && !r.Drop && r.Delay == nil:
		return FaultRule{}, fmt.Errorf("fault rule needs status, drop or delay")
	case r.Status != 0 && (r.Status < 200 || r.Status > 599 || http.StatusText(r.Status) == ""):
		return FaultRule{}, fmt.Errorf("status %d is not an HTTP status", r.Status)
	case r.Drop && r.Status != 0:
		return FaultRule{}, fmt.Errorf("a rule either drops the connection or answers with a status, not both")
	case r.Path != "" && !validPattern(r.Path):
		return FaultRule{}, fmt.Errorf("path %q must start with / and use * for a whole segment only", r.Path)
	case r.OperationID != "" && !slices.Contains(operations, r.OperationID):
		return FaultRule{}, fmt.Errorf("operationId %q is not one of %s", r.OperationID, strings.Join(operations, ", "))
	case r.Times != nil && *r.Times < 1:
		return FaultRule{}, fmt.Errorf("times must be at least 1 (leave it out for unlimited)")
	case r.Probability != nil && (*r.Probability < 0 || *r.Probability > 1):
		return FaultRule{}, fmt.Errorf("probability must be between 0 and 1")
	case r.Delay != nil && r.Delay.D > MaxDelay:
		return FaultRule{}, fmt.Errorf("delay must not exceed %s", MaxDelay)
	case r.Example != "" && !examples(r.Example):
		return FaultRule{}, fmt.Errorf("example %q is not in fixtures/errors", r.Example)
	case len(r.Body) > 0 && !json.Valid(r.Body):
		return FaultRule{}, fmt.Errorf("body must be JSON")
	}
	for k := range r.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(r.Headers[k], "\r\n") {
			return FaultRule{}, fmt.Errorf("header %q is not valid", k)
		}
	}
	if r.Method != "" && !slices.Contains([]string{"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"}, r.Method) {
		return FaultRule{}, fmt.Errorf("method %q is not an HTTP method", r.Method)
	}
	return r, nil
}

func validPattern(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# ") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if strings.Contains(seg, "*") && seg != "*" {
			return false
		}
	}
	return true
}

func matchPattern(pattern, path string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == path
	}
	ps, segs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(segs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != segs[i] {
			return false
		}
	}
	return true
}

func (r *FaultRule) matches(method, path, operationID string) bool {
	return (r.Method == "" || r.Method == method) &&
		(r.Path == "" || matchPattern(r.Path, path)) &&
		(r.OperationID == "" || r.OperationID == operationID) &&
		(r.Times == nil || *r.Times > 0)
}

// faultSet is a sandbox's rules, tried in the order they were added.
type faultSet struct {
	mu     sync.Mutex
	rules  []*FaultRule
	nextID int
}

// add stores a rule and gives it an id, unless the set already holds limit rules.
func (f *faultSet) add(r FaultRule, limit int) (FaultRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) >= limit {
		return FaultRule{}, false
	}
	f.nextID++
	r.ID = f.nextID
	f.rules = append(f.rules, &r)
	return r, true
}

func (f *faultSet) list() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules))
	for i, r := range f.rules {
		out[i] = *r
	}
	return out
}

func (f *faultSet) remove(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.rules)
	f.rules = slices.DeleteFunc(f.rules, func(r *FaultRule) bool { return r.ID == id })
	return len(f.rules) < n
}

func (f *faultSet) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// fire finds the first rule that matches and decides, with roll, whether it applies this
// time; a rule that applies uses up one of its times. It returns a copy of the rule.
func (f *faultSet) fire(method, path, operationID string, roll func() float64) (FaultRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if !r.matches(method, path, operationID) {
			continue
		}
		if r.Probability != nil && roll() >= *r.Probability {
			continue
		}
		if r.Times != nil {
			*r.Times--
		}
		r.Fired++
		return *r, true
	}
	return FaultRule{}, false
}
