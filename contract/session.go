package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/validation"
)

// session is one run against one target.
type session struct {
	cfg       Config
	mode      Mode
	doc       *openapi3.T
	specName  string // the spec as messages name it: openapi.yaml, or the file in use
	validator *validation.Validator
	client    *http.Client
	api       string // target plus the spec's server path

	mu      sync.Mutex
	created map[int64]bool // records made by this run and not yet deleted
	made    map[int64]bool // every record made by this run, deleted or not

	unanswered []unansweredCreate // creates sent that got no answer, for the clean-up to look for

	current *Result   // the check that is running
	faults  []Problem // contract violations seen by the current check

	corpus    *corpus     // the property checks' oracle and walks, made once
	exchanges exchangeLog // what the protocol checks keep from every exchange
	links     linkLedger  // every resource link seen, and what every GET answered
}

// reply is a received response.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	doc      map[string]any    // the body, when it is a JSON object
	exchange Exchange          // the request and its status, as reports list it
	match    *validation.Match // the spec's operation for the request; nil for none
	// sent and received are the suite's clock when the request went out and when the
	// answer was read, for judging the times an answer names.
	sent, received time.Time
}

// guessed says whether the spec only infers what it says of this answer (header "") or
// of one of its headers, and why.
func (s *session) guessed(rep *reply, header string) (bool, string) {
	return s.validator.Guessed(rep.match, rep.status, header)
}

// request is one request to send; path is below the API root and may carry a query.
type request struct {
	method, path string
	body         string
	contentType  string
	noToken      bool
	header       http.Header // added to the request, e.g. Prefer
	// inferredShape is set for an operation whose answer openapi.yaml only infers
	// (x-inferred), and reports whether an answer takes the inferred shape. One that does not
	// is neither held to openapi.yaml nor seen by the protocol checks: the check judges it.
	inferredShape func(*reply) bool
}

// shown is the request's path as reports show it: the API root's empty path as words.
func (req request) shown() string {
	if req.path == "" {
		return "(the API root)"
	}
	return req.path
}

// maxBody bounds a response body the suite reads.
const maxBody = 32 << 20

// do sends a request and checks the response against the contract; violations are
// recorded against the current check, which fails because of them. A request that gets no
// answer is an error naming it.
func (s *session) do(ctx context.Context, req request) (*reply, error) {
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	url := s.api + req.path
	r, err := http.NewRequestWithContext(ctx, req.method, url, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", req.method, url, err)
	}
	for k, vs := range s.cfg.Header {
		r.Header[k] = vs
	}
	if !req.noToken {
		r.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	exchange := Exchange{Method: req.method, URL: url, Body: req.body}
	if req.contentType != "" || len(req.header) > 0 {
		exchange.Header = req.header.Clone()
		if exchange.Header == nil {
			exchange.Header = http.Header{}
		}
		if req.contentType != "" {
			exchange.Header.Set("Content-Type", req.contentType)
		}
	}
	for k, vs := range exchange.Header {
		r.Header[k] = vs
	}
	r.Header.Set("Accept", jsonapi.MediaType)
	sent := time.Now()
	resp, err := s.client.Do(r)
	if err != nil {
		s.record(exchange)
		s.noteUnanswered(req, sent)
		return nil, fmt.Errorf("%s %s got no answer: %w", req.method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	exchange.Status = resp.StatusCode
	s.record(exchange)
	if err != nil {
		return nil, fmt.Errorf("%s %s -> %d: read body: %w", req.method, url, resp.StatusCode, err)
	}
	rep := &reply{status: resp.StatusCode, header: resp.Header, body: data, exchange: exchange, sent: sent, received: time.Now()}
	if len(data) > 0 {
		_ = json.Unmarshal(data, &rep.doc)
	}
	if req.inferredShape != nil && !req.inferredShape(rep) {
		return rep, nil
	}
	rep.match = s.route(r)
	s.observe(req, rep, func(header string) (bool, string) { return s.guessed(rep, header) })
	for _, v := range s.conformance(rep.match, rep) {
		s.faults = append(s.faults, Problem{
			Message:  fmt.Sprintf("%s %s -> %d breaks %s: %s", req.method, req.shown(), rep.status, s.specName, v.Message),
			Inferred: v.Inferred, InferredReason: v.Reason, Source: v.Source, Exchange: &rep.exchange,
		})
	}
	s.remember(req, rep)
	for _, bad := range s.foreignLinks(rep) {
		s.faults = append(s.faults, Problem{Message: fmt.Sprintf("%s %s -> %d: %s", req.method, req.shown(), rep.status, bad)})
	}
	return rep, nil
}

// route is the operation of the spec a request goes to, or nil for a path with none. A
// path with one trailing slash goes to the operation of the path the spec names
// (x-trailing-slash).
func (s *session) route(r *http.Request) *validation.Match {
	check := r.Clone(context.Background())
	check.Body = http.NoBody
	match, rerr := s.validator.Route(validation.CanonicalRequest(check))
	if rerr != nil {
		return nil
	}
	return match
}

// conformance checks one exchange: the status is documented for the operation, and the
// media type, headers and body match the response's declaration. An answer from a path
// with no operation must be a JSON:API 404.
func (s *session) conformance(match *validation.Match, rep *reply) []validation.Violation {
	if match != nil {
		return s.validator.Violations(match, rep.status, rep.header, rep.body)
	}
	if rep.status != http.StatusNotFound {
		return []validation.Violation{{Message: fmt.Sprintf("a path with no operation answered %d, want 404", rep.status)}}
	}
	return validation.BodyViolations(s.doc.Components.Schemas["ErrorDocument"], rep.body)
}

func (s *session) record(e Exchange) {
	if s.current != nil {
		s.current.Requests = append(s.current.Requests, e)
	}
}

// runCheck runs one check; a panic inside it fails the check instead of the run.
func (s *session) runCheck(ctx context.Context, c check) (res Result) {
	start := time.Now()
	res = Result{Name: c.name}
	s.current, s.faults = &res, nil
	defer func() {
		if p := recover(); p != nil {
			res.Verdict, res.SkipReason = Fail, ""
			res.Problems = append(res.Problems, Problem{Message: fmt.Sprintf("check panicked: %v\n%s", p, debug.Stack())})
			res.Failure = failure(res.Problems, "")
		}
		res.Passed, res.Skipped = res.Verdict == Pass, res.Verdict == Skip // the flags older readers of the report take
		res.Requests = s.current.Requests
		res.Duration = time.Since(start)
		s.current = nil
	}()
	err := c.run(ctx, s)
	var skip skipped
	var own found
	note := ""
	switch {
	case err == nil:
	case errors.As(err, &skip):
		note = skip.reason
	case errors.As(err, &own):
		res.Problems = append(res.Problems, own...)
	default:
		res.Problems = append(res.Problems, Problem{Message: err.Error()})
	}
	res.Problems = append(res.Problems, s.faults...)
	switch {
	case len(res.Problems) == 0 && note != "":
		res.Verdict, res.SkipReason = Skip, note
	case len(res.Problems) == 0 && len(res.Requests) == 0:
		res.Verdict, res.SkipReason = Skip, "the check judged no exchange"
	case len(res.Problems) == 0:
		res.Verdict = Pass
	default:
		res.Verdict = Inferred
		for _, p := range res.Problems {
			if !p.Inferred {
				res.Verdict = Fail
			}
		}
		res.Failure = failure(res.Problems, note)
	}
	return res
}

// failure is the text of a failed check: one line per problem, a guess's opening
// "inferred: ", and what the check itself concluded when it would have been skipped.
func failure(problems []Problem, note string) string {
	lines := make([]string, 0, len(problems)+1)
	for _, p := range problems {
		if p.Inferred {
			lines = append(lines, "inferred: "+p.Message)
		} else {
			lines = append(lines, p.Message)
		}
	}
	if note != "" {
		lines = append(lines, "and the check itself would be skipped: "+note)
	}
	return strings.Join(lines, "\n")
}

// found is the error of a check that found problems, each labelled.
type found []Problem

func (f found) Error() string { return failure(f, "") }

// orNil is f as a check's error: nil when there are no problems.
func (f found) orNil() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// preflight makes sure the target answers at all.
func (s *session) preflight(ctx context.Context) error {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, s.api+"/opportunityStages?page%5Bsize%5D=1", nil)
	if err != nil {
		return err
	}
	for k, vs := range s.cfg.Header {
		r.Header[k] = vs
	}
	r.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	resp, err := s.client.Do(r)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("%w: the target answered 401 to the token; pass a valid one (-token)", ErrRefused)
	}
	return nil
}

func (s *session) track(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created[id] = true
	s.made[id] = true
}

func (s *session) forget(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.created, id)
}

// cleanup deletes every record the run created and did not delete, with its own
// deadline so that it runs even when the run's context was cancelled; it returns what it
// could not delete.
func (s *session) cleanup() []string {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.created))
	for id := range s.created {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	left := s.cleanUnanswered(ctx)
	s.mu.Lock()
	for id := range s.created {
		if !slices.Contains(ids, id) {
			ids = append(ids, id) // found by cleanUnanswered and not deleted
		}
	}
	s.mu.Unlock()
	for _, id := range ids {
		rep, err := s.do(ctx, request{method: http.MethodDelete, path: fmt.Sprintf("/opportunityStages/%d", id)})
		switch {
		case err != nil:
			left = append(left, fmt.Sprintf("opportunityStage %d: %v", id, err))
		case rep.status == http.StatusNoContent || rep.status == http.StatusNotFound:
			check, err := s.do(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/opportunityStages/%d", id)})
			if err == nil && check.status == http.StatusOK {
				left = append(left, fmt.Sprintf("opportunityStage %d: still there after DELETE answered %d", id, rep.status))
				continue
			}
			s.forget(id)
		default:
			left = append(left, fmt.Sprintf("opportunityStage %d: DELETE answered %d", id, rep.status))
		}
	}
	return left
}
