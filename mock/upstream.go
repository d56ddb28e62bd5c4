package mock

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/upstream"
	"github.com/oppstages/oppstages/internal/validation"
)

// closedSchemas are the schemas the upstream's answers are held to strictly: a member
// they do not list, such as an attribute the contract does not know, is a violation. The
// user schemas stay open, because the contract trims the vendor's users on purpose.
var closedSchemas = []string{"OpportunityStage", "OpportunityStageAttributes", "OpportunityStageRelationships"}

// connectUpstream prepares the proxy, the strict validator and the recorder that the
// options ask for.
func (s *Server) connectUpstream() error {
	o := s.opts
	switch {
	case o.Upstream == "" && o.Proxy:
		return errors.New("options: Proxy (-proxy) needs Upstream (-upstream), the API to forward to")
	case o.Upstream == "" && o.RecordDir != "":
		return errors.New("options: RecordDir (-record) needs Upstream (-upstream) and Proxy (-proxy)")
	case o.Upstream == "":
		return nil
	case o.RecordDir != "" && !o.Proxy:
		return errors.New("options: RecordDir (-record) needs Proxy (-proxy): without it nothing on the stages API reaches the upstream")
	}
	p, err := upstream.New(upstream.Config{Target: o.Upstream, Timeout: o.UpstreamTimeout, DropCORS: len(o.CORS) > 0, Logger: o.Logger})
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	s.upstream = p
	if !o.Proxy {
		return nil
	}
	doc, err := oppstages.ParseSpec(oppstages.SpecYAML) // a copy of its own, to close schemas in
	if err != nil {
		return err
	}
	if s.strict, err = validation.NewStrict(doc, closedSchemas...); err != nil {
		return err
	}
	if o.RecordDir != "" {
		attrs := func(schema string) []string {
			return slices.Collect(maps.Keys(doc.Components.Schemas[schema].Value.Properties))
		}
		s.recorder, err = upstream.NewRecorder(o.RecordDir, attrs("OpportunityStageAttributes"), attrs("UserAttributes"), o.Logger)
		if err != nil {
			return err
		}
	}
	return nil
}

// fromStoreOrPassThrough answers the contract's routes from the store and forwards the
// rest to the upstream unchanged.
func (s *Server) fromStoreOrPassThrough(x *exchange, w http.ResponseWriter) response {
	if x.match != nil {
		return s.fromStore(x, w)
	}
	return s.passThrough(x, w)
}

// passThrough forwards a request and returns the upstream's answer unchanged.
func (s *Server) passThrough(x *exchange, w http.ResponseWriter) response {
	if x.r.Method == http.MethodConnect { // the mock forwards requests; it never opens tunnels
		return fail(oppstages.Errorf(oppstages.CodeRouteNotFound, "The request path does not match any known resource endpoints."))
	}
	if resp := s.bodyError(x); resp != nil {
		return *resp
	}
	return s.forward(x, w, nil)
}

// fromUpstream is the validating proxy: it forwards every request, and on the contract's
// routes checks the request and the answer against openapi.yaml, rewrites the answer's
// links to the mock, records it when asked to, and flags violations in
// X-Mock-Violations.
func (s *Server) fromUpstream(x *exchange, w http.ResponseWriter) response {
	if x.match == nil {
		return s.passThrough(x, w)
	}
	if x.box.currentSettings().SKUDisabled {
		return s.skuDisabled(x)
	}
	if resp := s.bodyError(x); resp != nil {
		return *resp
	}
	x.violations = s.requestViolations(x)
	strict, rerr := s.strict.Route(x.r)
	if rerr != nil { // the strict copy has the same routes; this cannot happen
		return fail(rerr)
	}
	links := s.upstream.Links(s.baseURL(x.r))
	secrets := x.requestSecrets()
	return s.forward(x, w, func(a *upstream.Answer) {
		for _, v := range s.strict.ResponseViolations(strict, a.Status, a.Header, a.Body) {
			x.violations = append(x.violations, "response: "+journal.MaskString(v, secrets))
		}
		if s.recorder != nil {
			rx := upstream.Exchange{Status: a.Status, Header: a.Header, Body: a.Body, Secrets: secrets}
			if strict.OperationID() == oppstages.OpDeleteOpportunityStage && a.Status == http.StatusNoContent {
				rx.Deleted, _ = strconv.ParseInt(strict.PathParams["id"], 10, 64)
			}
			s.recorder.Record(rx)
		}
		links.Rewrite(a)
		x.cursors = journal.LinkCursors(a.Body)
		if n := len(x.violations); n > 0 {
			a.Header.Set("X-Mock-Violations", strconv.Itoa(n))
		}
	})
}

// requestViolations lists where a request on the contract's routes breaks openapi.yaml.
// The request is forwarded all the same: what the upstream makes of it is the point.
func (s *Server) requestViolations(x *exchange) []string {
	var errs []*oppstages.Error
	body := x.body
	parsed, err := query.ParseQuery(x.r.URL.RawQuery)
	if err != nil {
		errs = append(errs, err)
	}
	q := query.LastWins(parsed)
	if err := x.match.CheckQuery(q, s.explainUnknown); err != nil {
		errs = append(errs, err)
	}
	validate := true
	if len(body) > 0 {
		if err := checkMediaType(x.r.Header.Get("Content-Type")); err != nil {
			errs = append(errs, err)
			validate = false // a body of another media type says nothing more
		}
	}
	if validate {
		_, invalid := s.validator.Request(x.r.Context(), x.r, q, x.match, body, s.explain)
		errs = append(errs, invalid...)
	}
	secrets := x.requestSecrets()
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		msg := "request: " + e.Detail
		switch {
		case e.Pointer != "":
			msg += " (at " + e.Pointer + ")"
		case e.Parameter != "":
			msg += " (parameter " + e.Parameter + ")"
		}
		out = append(out, journal.MaskString(msg, secrets))
	}
	return out
}

// forward sends the request upstream; the answer is the upstream's, already written, or
// the mock's own 502 or 504 when the upstream gave none.
func (s *Server) forward(x *exchange, w http.ResponseWriter, inspect func(*upstream.Answer)) response {
	var answer *upstream.Answer // kept for the journal when the answer was read whole
	keep := inspect
	if inspect != nil {
		keep = func(a *upstream.Answer) { inspect(a); answer = a }
	}
	// As the client sent it: the upstream reads sloppy forms its own way.
	status, err := s.upstream.Forward(w, x.sent, x.body, keep)
	if err == nil {
		resp := response{status: status, sent: true}
		if answer != nil {
			resp.body, resp.contentType = answer.Body, answer.Header.Get("Content-Type")
		}
		return resp
	}
	ue, ok := errors.AsType[*upstream.Error](err)
	if !ok {
		ue = &upstream.Error{Host: s.upstream.Host(), Reason: "failed", Err: err}
	}
	if x.r.Context().Err() != nil {
		return response{status: 0, drop: true} // the client went away; no one to answer
	}
	s.opts.Logger.Warn("upstream failed", "upstream", ue.Host, "method", x.r.Method, "path", journal.RedactPath(x.r.URL.Path),
		"error", journal.MaskString(ue.Err.Error(), x.requestSecrets()))
	e := oppstages.Errorf(oppstages.CodeMockUpstreamUnavailable, "The upstream %s %s.", ue.Host, ue.Reason)
	if ue.Timeout && x.match == nil {
		// On the contract's routes a slow backend is the documented 502, as the vendor's
		// own gateway answers it; elsewhere it is the plain gateway timeout.
		e.Code = oppstages.CodeMockUpstreamTimeout
	}
	return fail(e)
}
