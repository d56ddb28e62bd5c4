package mock

import (
	"slices"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

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
		"%s has no example %q for this request; examples: %s.", x.match.OperationID(), clip.String(p.example), strings.Join(names, ", ")))
	return &resp, label
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
					return preference{}, oppstages.Errorf(oppstages.CodeMockBadPrefer, "Prefer: code must be a status code such as 429, not %q.", clip.String(val))
				}
				p.code = n
			case "example":
				p.example = val
			}
		}
	}
	return p, nil
}
