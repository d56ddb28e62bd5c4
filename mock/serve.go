package mock

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/dashboard"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/validation"
)

// exchange is one request on its way through the server.
type exchange struct {
	r         *http.Request
	sent      *http.Request // r as it came, before lenient made it canonical; never nil
	arrived   time.Time     // by the server's clock
	box       *sandbox
	match     *validation.Match // nil when openapi.yaml knows no such route
	routeErr  *oppstages.Error
	forwarded bool      // the upstream answers, not the store
	rate      rateCount // the rate-limit headers of the mock's own answers
	// headerValues hold the values of the headers send sets, in the exchange's allocation.
	headerValues [headerValues]string
	who          principal             // who the request acts as, when authErr is nil
	authErr      *jsonapi.GatewayError // why the request did not authenticate
	credential   credential            // what the rate limiter counts the request against
	body         []byte
	doc          any        // the body as validation decoded it, read by the write handlers
	query        url.Values // parsed once, repeats reduced to the last value; read by the checks and the handlers; never modified
	list         query.List // the query's parameters, parsed for every operation
	id           int64      // the path's id, for operations on one record
	fault        string     // what the mock injected, for the journal

	bodyErr    error    // from reading the body, answered once the checks before it pass
	violations []string // contract violations found in the exchange, for the journal

	secrets      []string // the credentials the request carried, once requestSecrets has looked
	secretsFound bool
}

// requestSecrets are the credentials the request carried, to mask wherever something the
// mock keeps or logs repeats them; worked out once.
func (x *exchange) requestSecrets() []string {
	if !x.secretsFound {
		x.secrets, x.secretsFound = journal.RequestSecrets(x.r, x.body), true
	}
	return x.secrets
}

// control is one step in front of the answerer: it answers the request itself, or
// returns nil to let it go on.
type control func(x *exchange) *response

// answerer gives the answer once every control has let the request through: it returns
// the answer, or writes the upstream's to w and returns a response marked sent.
type answerer func(x *exchange, w http.ResponseWriter) response

// chain builds the request chain once: the controls that apply to every request, in
// order, and the answerer behind them, the store or the upstream.
func (s *Server) chain() ([]control, answerer) {
	controls := []control{s.route, s.identify, s.rateLimit, s.delay, s.faults}
	if s.upstream == nil {
		controls = append(controls, s.routeNotFound) // with an upstream, unknown routes are its business
	}
	controls = append(controls, s.preferred, s.errorRate)
	switch {
	case s.upstream == nil:
		return controls, s.fromStore
	case s.opts.Proxy:
		return controls, s.fromUpstream
	default:
		return controls, s.fromStoreOrPassThrough
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, sent *http.Request) {
	start := time.Now()
	if sent.URL.Opaque != "" || sent.URL.Path != "" && sent.URL.Path[0] != '/' { // http:x, mailto:x: no path to answer or forward
		s.badTarget(w, sent, start)
		return
	}
	r := s.lenient.canonical(sent) // the journal and the log keep the request as sent
	if headerBytes(r) > s.opts.MaxHeaderBytes && (s.opts.NoOAuth || !isOAuthEndpoint(r)) {
		s.headersTooLarge(w, sent, start)
		return
	}
	if r.URL.Path == "/__admin/ui" || strings.HasPrefix(r.URL.Path, dashboard.Prefix) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		s.dashboard.ServeHTTP(sw, r)
		s.logRequest(sent, sw.status, start, time.Since(start), "")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/__admin/") {
		resp := s.admin(r)
		resp.write(w)
		s.logRequest(sent, resp.status, start, time.Since(start), "")
		return
	}
	if !s.opts.NoOAuth && isOAuthEndpoint(r) {
		s.serveOAuth(w, r)
		return
	}
	box, berr := s.sandboxFor(r)
	if berr != nil {
		s.refuseEarly(w, sent, berr, start)
		return
	}
	arrived := s.arrival(start)
	x := &exchange{r: r, sent: sent, box: box, arrived: arrived}
	x.body, x.bodyErr = readBody(r, s.opts.MaxBodyBytes)
	var resp response
	defer func() {
		p := recover()
		switch {
		case p == http.ErrAbortHandler: // the upstream broke off an answer already under way
			resp.drop = true
		case p != nil:
			s.opts.Logger.Error("panic serving request", "method", r.Method, "path", journal.RedactPath(r.URL.Path), "panic", p, "stack", string(debug.Stack()))
			resp = fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
			s.send(w, x, resp)
		}
		status := resp.status
		if resp.drop {
			status = 0
		}
		elapsed := time.Since(start)
		if len(x.violations) > 0 {
			box.violations.Add(int64(len(x.violations)))
			s.opts.Logger.Warn("openapi.yaml violated", "method", r.Method, "path", journal.RedactPath(r.URL.Path), "status", status, "violations", x.violations)
		}
		box.journal.Add(x.journalExchange(arrived, elapsed, status, resp, w.Header()))
		s.logRequest(sent, status, start, elapsed, x.fault)
		s.validator.Release(x.match) // last: nothing reads the match after this
		x.match = nil
		if resp.drop {
			panic(http.ErrAbortHandler) // net/http closes the connection without a response
		}
	}()
	resp = s.serve(x, w)
	if resp.drop || resp.sent {
		return
	}
	if s.opts.ValidateResponses && x.match != nil {
		if err := s.validator.Response(r.Context(), r, x.match, resp.status, s.headersFor(w, x, resp), resp.body); err != nil {
			s.opts.Logger.Error("response violates openapi.yaml", "method", r.Method, "path", journal.RedactPath(r.URL.Path), "status", resp.status, "error", err)
			resp = fail(oppstages.Errorf(oppstages.CodeMockContractViolation,
				"The mock's %d response broke openapi.yaml; see the server log.", resp.status))
		}
	}
	s.send(w, x, resp)
}

// serve runs the request chain.
func (s *Server) serve(x *exchange, w http.ResponseWriter) response {
	for _, c := range s.controls {
		if resp := c(x); resp != nil {
			return *resp
		}
	}
	return s.answer(x, w)
}

// send writes one of the mock's own answers, with the mock's own headers.
func (s *Server) send(w http.ResponseWriter, x *exchange, resp response) {
	resp.writeCounted(w, x.rate, x.headerValues[:0])
}

// logRequest writes the request's line to the log, with the credential parameters of its
// path and query redacted as the journal redacts them. The record is stamped with the time
// the answer was done, start plus elapsed, and carries no caller position: logging asks
// neither the clock nor the stack, and allocates nothing in the common case.
func (s *Server) logRequest(r *http.Request, status int, start time.Time, elapsed time.Duration, fault string) {
	ctx := r.Context()
	h := s.opts.Logger.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// Credentials are redacted by name, and whatever the request's headers and URL carried
	// (its token, a key header) is masked where the path or the query repeats it, as in the
	// journal. The body is not read for this: only the path and the query are logged.
	carried := journal.RequestSecrets(r, nil)
	rec := slog.NewRecord(start.Add(elapsed), slog.LevelInfo, "request", 0)
	rec.AddAttrs(slog.String("method", r.Method), slog.String("path", journal.MaskString(journal.RedactPath(r.URL.Path), carried)),
		slog.Int("status", status), slog.Duration("duration", elapsed))
	if r.URL.RawQuery != "" {
		rec.AddAttrs(slog.String("query", journal.MaskString(journal.RedactQuery(r.URL.RawQuery), carried)))
	}
	if name := r.Header.Get("X-Mock-Sandbox"); name != "" {
		rec.AddAttrs(slog.String("sandbox", name))
	}
	if fault != "" {
		rec.AddAttrs(slog.String("fault", fault))
	}
	_ = h.Handle(ctx, rec) // a log that cannot be written must not fail the request
}

// headersFor are the headers resp will be written with, for validation before writing.
func (s *Server) headersFor(w http.ResponseWriter, x *exchange, resp response) http.Header {
	h := w.Header().Clone()
	x.rate.setHeaders(h)
	for k, vs := range resp.header {
		h[k] = vs
	}
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	return h
}

// sleep waits for d or until the client goes away.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// route matches the request to an operation of openapi.yaml and decides who answers it:
// the store, or the upstream (every request in proxy mode; unknown routes otherwise).
func (s *Server) route(x *exchange) *response {
	x.match, x.routeErr = s.validator.Route(x.r)
	if x.match != nil && isOAuthOperation(x.match) { // reaches here only with the authorization server off
		x.match, x.routeErr = nil, oppstages.Errorf(oppstages.CodeRouteNotFound, "The request path does not match any known resource endpoints.")
	}
	if x.match != nil && s.upstream != nil && standsInForUpstream(x.match.OperationID()) {
		x.match = nil // the empty list and the root's links only stand in for the real ones when there are none to ask
	}
	x.forwarded = s.upstream != nil && (s.opts.Proxy || x.match == nil)
	return nil
}

// identify authenticates the request on arrival, as the vendor's gateway does before
// anything else sees it. It answers nothing: the rate limit counts only what
// authenticated, and the store answers a failure with the gateway's 401 in its turn.
func (s *Server) identify(x *exchange) *response {
	x.who, x.authErr = s.authenticate(x.r)
	x.credential = credentialOf(x.who, x.authErr == nil)
	return nil
}

// rateLimit counts the request against its token and puts the rate-limit headers on the
// mock's own answers. It refuses only what the store answers: the upstream keeps its own.
func (s *Server) rateLimit(x *exchange) *response {
	count, limited := x.box.limiter.take(x.credential, x.arrived)
	x.rate = count
	if limited != nil && !x.forwarded {
		return limited
	}
	return nil
}

// delay waits for the latency setting plus X-Mock-Delay.
func (s *Server) delay(x *exchange) *response {
	var d time.Duration
	if l := x.box.currentSettings().Latency; l.Max > 0 {
		d = time.Duration(x.box.latency(l))
	}
	if raw := x.r.Header.Get("X-Mock-Delay"); raw != "" {
		extra, err := time.ParseDuration(raw)
		if err != nil || extra < 0 || extra > MaxDelay {
			resp := fail(oppstages.Errorf(oppstages.CodeMockBadHeader, "X-Mock-Delay must be a duration from 0 to %s, such as 250ms.", MaxDelay))
			return &resp
		}
		d += extra
	}
	sleep(x.r.Context(), min(d, MaxDelay))
	return nil
}

// faults applies the first fault rule that matches and fires.
func (s *Server) faults(x *exchange) *response {
	opID := ""
	if x.match != nil {
		opID = x.match.OperationID()
	}
	rule, ok := x.box.faults.fire(x.r.Method, x.r.URL.Path, opID, x.box.float)
	if !ok {
		return nil
	}
	x.fault = "rule " + itoa(rule.ID)
	if rule.Delay != nil {
		sleep(x.r.Context(), rule.Delay.D)
	}
	switch {
	case rule.Drop:
		return &response{drop: true}
	case rule.Status != 0:
		resp := s.faultResponse(x, rule)
		return &resp
	}
	return nil
}

// routeNotFound answers a route openapi.yaml does not know.
func (s *Server) routeNotFound(x *exchange) *response {
	if x.routeErr == nil {
		return nil
	}
	resp := fail(x.routeErr)
	return &resp
}

// errorRate answers a random documented 5xx as often as the error-rate setting says.
func (s *Server) errorRate(x *exchange) *response {
	rate := x.box.currentSettings().ErrorRate
	if x.match == nil || rate <= 0 || x.box.float() >= rate {
		return nil
	}
	fives := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}
	status := fives[x.box.intN(len(fives))]
	x.fault = "error-rate " + itoa(int64(status))
	resp := s.errorForStatus(x, status)
	return &resp
}

// bodyError answers a body that could not be read whole: over the limit, or broken off.
func (s *Server) bodyError(x *exchange) *response {
	if x.bodyErr == nil {
		return nil
	}
	resp := fail(oppstages.Errorf(oppstages.CodeBadRequest, "The request body could not be read."))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](x.bodyErr); tooLarge {
		resp = fail(oppstages.Errorf(oppstages.CodeRequestEntityTooLarge,
			"The request body must not exceed %d bytes.", s.opts.MaxBodyBytes))
	}
	return &resp
}

// fromStore answers from the sandbox's records, after the checks the vendor applies, in
// the vendor's order: authentication, SKU, scope, body size, media type, parameters and
// body, and finally the operation.
func (s *Server) fromStore(x *exchange, _ http.ResponseWriter) response {
	r, match := x.r, x.match
	if x.authErr != nil {
		return unauthorized(*x.authErr)
	}
	if x.box.currentSettings().SKUDisabled && match.OperationID() != "getApiRoot" { // the root is no part of the SKU
		return s.skuDisabled(x)
	}
	if err := x.who.authorize(match.RequiredScopes()); err != nil {
		return fail(err)
	}
	if resp := s.bodyError(x); resp != nil {
		return *resp
	}
	body := x.body
	if len(body) > 0 {
		if err := checkMediaType(r.Header.Get("Content-Type")); err != nil {
			return fail(err)
		}
		if !json.Valid(body) { // kin-openapi reads the first document and ignores what follows; Rails' parser refuses it
			return fail(oppstages.Errorf(oppstages.CodeBadRequest, "The request body is not valid JSON."))
		}
	}
	if r.URL.RawQuery != "" { // else the query stays nil: no parameters
		q, err := query.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return fail(err)
		}
		x.query = query.LastWins(q)
	}
	if err := match.CheckQuery(x.query, s.explainUnknown); err != nil {
		return fail(err)
	}
	explain := s.explain
	if match.OperationID() == "listOpportunities" {
		explain = s.explainOpportunities
	}
	doc, errs := s.validator.Request(r.Context(), r, x.query, match, body, explain)
	if len(errs) > 0 {
		return fail(errs...)
	}
	x.doc = doc
	// Validation vetted the id and the parameters; what it cannot see (a tampered cursor,
	// a date that does not exist) surfaces here.
	if raw, ok := match.PathParams["id"]; ok {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			return fail(oppstages.Errorf(oppstages.CodeBadRequest, "Parameter 'id' must be a positive integer.").AtParameter("id"))
		}
		x.id = id
	}
	if match.OperationID() == "listOpportunities" {
		// The parameters it shares with the stage list obey the same rules (newFilterSyntax
		// forms need the flag); the rest name opportunities, which the mock does not keep.
		if _, perr := query.ParseList(sharedWithStages(x.query), s.cursors); perr != nil {
			return fail(perr)
		}
		return s.listOpportunities(x)
	}
	list, perr := query.ParseList(x.query, s.cursors)
	if perr != nil {
		return fail(perr)
	}
	x.list = list
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
	case "getApiRoot":
		return s.apiRoot(x)
	}
	return fail(oppstages.Errorf(oppstages.CodeRouteNotFound, "The request path does not match any known resource endpoints."))
}

// skuDisabled is the disabled-SKU 403.
func (s *Server) skuDisabled(x *exchange) response {
	x.fault = "sku-disabled"
	if fx, ok := s.errors["skuDisabled"]; ok {
		return s.fixtureResponse(x, fx)
	}
	return fail(oppstages.Errorf(oppstages.CodeUnauthorizedRequest, "You are not authorized to perform that request."))
}

// faultResponse is the answer a fault rule with a status gives.
func (s *Server) faultResponse(x *exchange, rule FaultRule) response {
	var resp response
	switch {
	case len(rule.Body) > 0:
		resp = response{status: rule.Status, contentType: mediaTypeFor(rule.Status), body: rule.Body}
	case rule.Example != "":
		fx := s.errors[rule.Example]
		fx.Status = rule.Status
		resp = s.fixtureResponse(x, fx)
	default:
		resp = s.errorForStatus(x, rule.Status)
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	for k, v := range rule.Headers {
		resp.header.Set(k, v)
	}
	s.addRetryAfter(x, &resp)
	return resp
}

// checkMediaType accepts a write's body as application/vnd.api+json, exactly (JSON:API
// forbids media type parameters, and kin-openapi ignores them, so the check is ours), or
// as application/json with at most a UTF-8 charset, which public clients send and the
// real API takes (openapi.yaml's x-json-media-type).
func checkMediaType(contentType string) *oppstages.Error {
	if contentType == jsonapi.MediaType || contentType == "application/json" { // as nearly every client sends it, without parsing
		return nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
	case mt == jsonapi.MediaType && len(params) == 0:
		return nil
	case mt == "application/json" && len(params) == 0:
		return nil
	case mt == "application/json" && len(params) == 1 && strings.EqualFold(params["charset"], "utf-8"):
		return nil
	}
	return oppstages.Errorf(oppstages.CodeUnsupportedMediaType, "Expected Content-Type to be application/vnd.api+json.")
}

// explain gives the precise reason a declared parameter failed schema validation.
func (s *Server) explain(name, raw string) *oppstages.Error {
	return query.Explain(name, raw, s.cursors)
}

// explainOpportunities gives the reason a parameter of the opportunities list failed
// schema validation: the parameters that name opportunities, which the mock cannot parse
// further, get a plain bad value; the rest are explained as on the stage list.
func (s *Server) explainOpportunities(name, raw string) *oppstages.Error {
	switch {
	case name == opportunityStageFilter:
		return oppstages.Errorf(oppstages.CodeBadRequest,
			"Parameter '%s' must be a stage id or a comma list of stage ids, not '%s'.", name, clip(raw)).AtParameter(name)
	case namesOpportunities(name):
		return oppstages.Errorf(oppstages.CodeBadRequest, "Parameter '%s' cannot be '%s'.", name, clip(raw)).AtParameter(name)
	}
	return s.explain(name, raw)
}

// explainUnknown says why an undeclared parameter is not accepted.
func (s *Server) explainUnknown(name string) *oppstages.Error {
	if _, _, err := query.ParseFilterKey(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, "fields[") {
		return oppstages.Errorf(oppstages.CodeUnknownResourceField,
			"'%s' names a type this endpoint does not return; use fields[opportunityStage] or fields[user].", clip(name)).AtParameter(name)
	}
	return oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not a parameter of this endpoint.", clip(name)).AtParameter(name)
}

// statusWriter remembers the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
