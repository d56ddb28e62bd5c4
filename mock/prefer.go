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
	resp, label, injected := s.preferredResponse(x)
	if resp != nil {
		x.fault, x.injected = label, injected
	}
	return resp
}

// preferredResponse is the answer a Prefer header asks for, with a label for the journal,
// and whether it is the documented response asked for (not a refusal of the header). It
// returns nil when the request should be served normally: no preference, or only the
// operation's own success code.
func (s *Server) preferredResponse(x *exchange) (*response, string, bool) {
	values := x.r.Header.Values("Prefer")
	if len(values) == 0 {
		return nil, "", false
	}
	p, perr := parsePrefer(values)
	if perr != nil {
		refused := fail(perr)
		return &refused, "", false
	}
	if p.code == 0 && p.example == "" {
		return nil, "", false
	}
	op := s.responses.ops[x.match.OperationID()]
	label := "prefer " + strings.Join(values, ", ")
	if p.code != 0 && !slices.Contains(op.statuses, p.code) {
		codes := make([]string, len(op.statuses))
		for i, c := range op.statuses {
			codes[i] = strconv.Itoa(c)
		}
		refused := fail(oppstages.Errorf(oppstages.CodeMockBadPrefer,
			"%s documents no %d response; use one of %s.", x.match.OperationID(), p.code, strings.Join(codes, ", ")))
		return &refused, label, false
	}
	if p.example == "" {
		if p.code == op.success {
			return nil, "", false
		}
		p.example = op.byStatus[p.code][0]
	}
	if ex, ok := op.examples[p.example]; ok && (p.code == 0 || ex.status == p.code) {
		answer := response{status: ex.status, contentType: ex.mediaType, body: s.currentRateLimit(x, ex.status, ex.body)}
		s.addRetryAfter(x, &answer)
		return &answer, label, true
	}
	if fx, ok := s.errors[p.example]; ok && slices.Contains(op.statuses, fx.Status) && (p.code == 0 || fx.Status == p.code) {
		answer := s.fixtureResponse(x, fx)
		return &answer, label, true
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
	refused := fail(oppstages.Errorf(oppstages.CodeMockBadPrefer,
		"%s has no example %q for this request; examples: %s.", x.match.OperationID(), clip.String(p.example), strings.Join(names, ", ")))
	return &refused, label, false
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
