package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// documented indexes, per operation, the statuses and named examples of openapi.yaml.
type documented struct {
	ops map[string]*operationResponses
}

type operationResponses struct {
	statuses []int
	success  int
	examples map[string]example
	byStatus map[int][]string // example names, sorted
}

type example struct {
	status    int
	mediaType string
	body      []byte
}

func indexResponses(doc *openapi3.T) *documented {
	d := &documented{ops: map[string]*operationResponses{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			or := &operationResponses{examples: map[string]example{}, byStatus: map[int][]string{}}
			for code, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				or.statuses = append(or.statuses, status)
				if status < 300 && (or.success == 0 || status < or.success) {
					or.success = status
				}
				for media, mt := range ref.Value.Content {
					for name, ex := range mt.Examples {
						body, _ := json.Marshal(ex.Value.Value) // values came from YAML, so they marshal
						or.examples[name] = example{status: status, mediaType: media, body: body}
						or.byStatus[status] = append(or.byStatus[status], name)
					}
				}
			}
			slices.Sort(or.statuses)
			for _, names := range or.byStatus {
				slices.Sort(names)
			}
			d.ops[op.OperationID] = or
		}
	}
	return d
}

// preference is what a Prefer header asks for.
type preference struct {
	code    int
	example string
}

// parsePrefer reads Prism-style preferences, "code=429" and "example=NAME", from every
// Prefer header; other preferences are ignored, as RFC 7240 asks.
func parsePrefer(values []string) (preference, *oppstages.Error) {
	var p preference
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(key)) {
			case "code":
				n, err := strconv.Atoi(val)
				if err != nil {
					return preference{}, oppstages.Errorf(oppstages.CodeMockBadPrefer, "Prefer: code must be a status code such as 429, not %q.", clip(val))
				}
				p.code = n
			case "example":
				p.example = val
			}
		}
	}
	return p, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// preferred answers a request that asks, with Prefer, for a documented response of its
// operation; routes openapi.yaml does not know have none.
func (s *Server) preferred(x *exchange) *response {
	if x.match == nil {
		return nil
	}
	resp, label := s.preferredResponse(x)
	if resp != nil {
		x.fault = label
	}
	return resp
}

// preferredResponse is the answer a Prefer header asks for, with a label for the journal.
// It returns nil when the request should be served normally: no preference, or only the
// operation's own success code.
func (s *Server) preferredResponse(x *exchange) (*response, string) {
	values := x.r.Header.Values("Prefer")
	if len(values) == 0 {
		return nil, ""
	}
	p, perr := parsePrefer(values)
	if perr != nil {
		resp := fail(perr)
		return &resp, ""
	}
	if p.code == 0 && p.example == "" {
		return nil, ""
	}
	op := s.responses.ops[x.match.OperationID()]
	label := "prefer " + strings.Join(values, ", ")
	if p.code != 0 && !slices.Contains(op.statuses, p.code) {
		codes := make([]string, len(op.statuses))
		for i, c := range op.statuses {
			codes[i] = strconv.Itoa(c)
		}
		resp := fail(oppstages.Errorf(oppstages.CodeMockBadPrefer,
			"%s documents no %d response; use one of %s.", x.match.OperationID(), p.code, strings.Join(codes, ", ")))
		return &resp, label
	}
	if p.example == "" {
		if p.code == op.success {
			return nil, ""
		}
		p.example = op.byStatus[p.code][0]
	}
	if ex, ok := op.examples[p.example]; ok && (p.code == 0 || ex.status == p.code) {
		resp := response{status: ex.status, contentType: ex.mediaType, body: s.currentRateLimit(x, ex.status, ex.body)}
		s.addRetryAfter(x, &resp)
		return &resp, label
	}
	if fx, ok := s.errors[p.example]; ok && slices.Contains(op.statuses, fx.Status) && (p.code == 0 || fx.Status == p.code) {
		resp := s.fixtureResponse(x, fx)
		return &resp, label
	}
	names := make([]string, 0, len(op.examples))
	for name := range op.examples {
		names = append(names, name)
	}
	for name, fx := range s.errors {
		if slices.Contains(op.statuses, fx.Status) && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	resp := fail(oppstages.Errorf(oppstages.CodeMockBadPrefer,
		"%s has no example %q for this request; examples: %s.", x.match.OperationID(), clip(p.example), strings.Join(names, ", ")))
	return &resp, label
}

// fixtureResponse replays a captured error response.
func (s *Server) fixtureResponse(x *exchange, fx fixtures.ErrorResponse) response {
	body := s.currentRateLimit(x, fx.Status, fx.Body)
	resp := response{status: fx.Status, contentType: mediaTypeFor(fx.Status), body: body, header: http.Header{}}
	for k, v := range fx.Headers {
		resp.header.Set(k, v)
	}
	s.addRetryAfter(x, &resp)
	return resp
}

// errorForStatus is the body for an injected status: the first error fixture with that
// status, by name, or a plain JSON:API error naming the status.
func (s *Server) errorForStatus(x *exchange, status int) response {
	names := make([]string, 0, len(s.errors))
	for name, fx := range s.errors {
		if fx.Status == status {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return s.fixtureResponse(x, s.errors[names[0]])
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"id": "mockInjectedError", "title": http.StatusText(status), "detail": fmt.Sprintf("The mock was told to answer %d.", status),
	}}})
	resp := response{status: status, contentType: mediaTypeFor(status), body: body}
	if status < 400 {
		resp.contentType = jsonapi.MediaType
	}
	s.addRetryAfter(x, &resp)
	return resp
}

func mediaTypeFor(status int) string {
	if status == http.StatusUnauthorized {
		return "application/json"
	}
	return jsonapi.MediaType
}

// currentRateLimit makes a canned 429 body name the request's real limit and reset time.
func (s *Server) currentRateLimit(x *exchange, status int, body []byte) []byte {
	if status != http.StatusTooManyRequests {
		return body
	}
	return x.box.limiter.withCurrentRateLimit(body, x.credential, s.now())
}

// addRetryAfter gives a 429 or 503 the Retry-After the contract requires, unless it has
// one: the seconds to the rate-limit reset for 429, thirty for 503.
func (s *Server) addRetryAfter(x *exchange, resp *response) {
	if resp.status != http.StatusTooManyRequests && resp.status != http.StatusServiceUnavailable {
		return
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	if resp.header.Get("Retry-After") != "" {
		return
	}
	if resp.status == http.StatusServiceUnavailable {
		resp.header.Set("Retry-After", "30")
		return
	}
	now := s.now()
	_, reset := x.box.limiter.resetAt(x.credential, now)
	resp.header.Set("Retry-After", retryAfter(reset, now))
	resp.header.Set("X-RateLimit-Remaining", "0")
}
