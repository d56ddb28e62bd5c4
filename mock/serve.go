package mock

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/validation"
)

// exchange is one request on its way through the server.
type exchange struct {
	r     *http.Request
	match *validation.Match
	who   principal
	body  []byte
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var resp response
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			resp = fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
			resp.write(w)
		}
		s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", resp.status, "duration", time.Since(start))
	}()

	if strings.HasPrefix(r.URL.Path, "/__admin/") {
		resp = s.admin(r)
		resp.write(w)
		return
	}
	if limited := s.limiter.take(bearerToken(r), s.now(), w.Header()); limited != nil {
		resp = *limited
		resp.write(w)
		return
	}
	x := &exchange{r: r}
	resp = s.handleAPI(x)
	if s.opts.ValidateResponses && x.match != nil {
		if err := s.validator.Response(r.Context(), r, x.match, resp.status, s.headersFor(w, resp), resp.body); err != nil {
			s.opts.Logger.Error("response violates openapi.yaml", "method", r.Method, "path", r.URL.Path, "status", resp.status, "error", err)
			resp = fail(oppstages.Errorf(oppstages.CodeMockContractViolation,
				"The mock's %d response broke openapi.yaml; see the server log.", resp.status))
		}
	}
	resp.write(w)
}

// headersFor are the headers resp will be written with, for validation before writing.
func (s *Server) headersFor(w http.ResponseWriter, resp response) http.Header {
	h := w.Header().Clone()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	return h
}

// handleAPI runs a request through the checks in the order the vendor applies them:
// route, authentication, scope, body size, media type, parameters and body, handler.
func (s *Server) handleAPI(x *exchange) response {
	r := x.r
	match, rerr := s.validator.Route(r)
	if rerr != nil {
		return fail(rerr)
	}
	x.match = match
	who, gerr := s.authenticate(r)
	if gerr != nil {
		return unauthorized(*gerr)
	}
	x.who = who
	if err := who.authorize(match.RequiredScopes()); err != nil {
		return fail(err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return fail(oppstages.Errorf(oppstages.CodeRequestEntityTooLarge,
				"The request body must not exceed %d bytes.", s.opts.MaxBodyBytes))
		}
		return fail(oppstages.Errorf(oppstages.CodeBadRequest, "The request body could not be read."))
	}
	x.body = body
	if len(body) > 0 {
		if err := checkMediaType(r.Header.Get("Content-Type")); err != nil {
			return fail(err)
		}
	}
	if err := match.CheckQuery(r.URL.Query(), s.explainUnknown); err != nil {
		return fail(err)
	}
	if errs := s.validator.Request(r.Context(), r, match, body, s.explain); len(errs) > 0 {
		return fail(errs...)
	}
	switch match.OperationID() {
	case "listOpportunityStages":
		return s.list(x)
	case "createOpportunityStage":
		return s.create(x)
	case "getOpportunityStage":
		return s.get(x)
	case "updateOpportunityStage":
		return s.update(x)
	case "deleteOpportunityStage":
		return s.delete(x)
	case "getUser":
		return s.getUser(x)
	}
	return fail(oppstages.Errorf(oppstages.CodeRouteNotFound, "The request path does not match any known resource endpoints."))
}

// checkMediaType requires exactly application/vnd.api+json: JSON:API forbids media type
// parameters, and kin-openapi ignores them, so the check is ours.
func checkMediaType(contentType string) *oppstages.Error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err == nil && mt == jsonapi.MediaType && len(params) == 0 {
		return nil
	}
	return oppstages.Errorf(oppstages.CodeUnsupportedMediaType, "Expected Content-Type to be application/vnd.api+json.")
}

// explain gives the precise reason a declared parameter failed schema validation.
func (s *Server) explain(name, raw string) *oppstages.Error {
	return query.Explain(name, raw, s.cursors)
}

// explainUnknown says why an undeclared parameter is not accepted.
func (s *Server) explainUnknown(name string) *oppstages.Error {
	if strings.HasPrefix(name, "filter[") {
		if _, err := query.ParseFilterKey(name); err != nil {
			return err
		}
	}
	if strings.HasPrefix(name, "fields[") {
		return oppstages.Errorf(oppstages.CodeUnknownResourceField,
			"'%s' names a type this endpoint does not return; use fields[opportunityStage] or fields[user].", name).AtParameter(name)
	}
	return oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not a parameter of this endpoint.", name).AtParameter(name)
}
