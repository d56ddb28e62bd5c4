package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
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
	validator *validation.Validator
	client    *http.Client
	api       string // target plus the spec's server path

	mu      sync.Mutex
	created map[int64]bool // records made by this run and not yet deleted

	current *Result  // the check that is running
	faults  []string // contract violations seen by the current check

	corpus    *corpus     // the property checks' oracle and walks, made once
	exchanges exchangeLog // what the protocol checks keep from every exchange
}

// reply is a received response.
type reply struct {
	status int
	header http.Header
	body   []byte
	doc    map[string]any // the body, when it is a JSON object
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
// recorded against the current check, which fails because of them.
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
	if req.contentType != "" {
		r.Header.Set("Content-Type", req.contentType)
	}
	for k, vs := range req.header {
		r.Header[k] = vs
	}
	r.Header.Set("Accept", jsonapi.MediaType)
	exchange := Exchange{Method: req.method, URL: url}
	resp, err := s.client.Do(r)
	if err != nil {
		s.record(exchange)
		return nil, fmt.Errorf("%s %s: %w", req.method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	exchange.Status = resp.StatusCode
	s.record(exchange)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", req.method, url, err)
	}
	rep := &reply{status: resp.StatusCode, header: resp.Header, body: data}
	if len(data) > 0 {
		_ = json.Unmarshal(data, &rep.doc)
	}
	if req.inferredShape != nil && !req.inferredShape(rep) {
		return rep, nil
	}
	s.observe(req, rep)
	if err := s.conforms(r, rep); err != nil {
		s.faults = append(s.faults, fmt.Sprintf("%s %s -> %d breaks openapi.yaml: %v", req.method, req.shown(), rep.status, err))
	}
	for _, bad := range s.foreignLinks(rep) {
		s.faults = append(s.faults, fmt.Sprintf("%s %s -> %d: %s", req.method, req.shown(), rep.status, bad))
	}
	return rep, nil
}

// conforms checks one exchange: the status is documented for the operation, and the
// media type, headers and body match the response's declaration.
func (s *session) conforms(r *http.Request, rep *reply) error {
	check := r.Clone(context.Background())
	check.Body = http.NoBody
	if p := validation.CanonicalPath(check.URL.Path); p != check.URL.Path { // x-trailing-slash: the operation of the path openapi.yaml names
		check.URL.Path, check.URL.RawPath = p, ""
	}
	match, rerr := s.validator.Route(check)
	if rerr != nil {
		// No operation at this path: the answer must be a JSON:API 404.
		if rep.status != http.StatusNotFound {
			return fmt.Errorf("a path with no operation answered %d, want 404", rep.status)
		}
		return s.isErrorDocument(rep)
	}
	return s.validator.Response(context.Background(), check, match, rep.status, rep.header, bytes.Clone(rep.body))
}

func (s *session) isErrorDocument(rep *reply) error {
	schema := s.doc.Components.Schemas["ErrorDocument"]
	if schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(rep.body, &v); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return schema.Value.VisitJSON(v)
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
			res.Passed = false
			res.Failure = fmt.Sprintf("check panicked: %v\n%s", p, debug.Stack())
		}
		res.Requests = s.current.Requests
		res.Duration = time.Since(start)
		s.current = nil
	}()
	err := c.run(ctx, s)
	var problems []string
	var skip skipped
	switch {
	case errors.As(err, &skip) && len(s.faults) == 0:
		res.Skipped, res.SkipReason = true, skip.reason
		return res
	case err != nil:
		problems = append(problems, err.Error())
	}
	problems = append(problems, s.faults...)
	res.Passed = len(problems) == 0
	res.Failure = strings.Join(problems, "\n")
	return res
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
	var left []string
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
