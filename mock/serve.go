package mock

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/dashboard"
	"github.com/oppstages/oppstages/internal/journal"
)

// serveHTTP is the one way in. It refuses what cannot be answered at all (a target that
// is no path, headers over the limit), hands the dashboard, the admin API and the
// authorization server their requests, and runs every other request through the chain:
// the chain's answer leaves through send, and finish journals and logs the exchange.
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
	if isAdminPath(r.URL.Path) {
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
	x := &exchange{r: r, sent: sent, box: box, arrived: s.arrival(start)}
	x.body, x.bodyErr = readBody(r, s.opts.MaxBodyBytes)
	var resp response
	defer s.finish(w, x, &resp, start)
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

// finish ends an exchange once its answer is decided, whether the chain returned or
// panicked: it answers a panic with a 500, counts and logs the contract violations found,
// journals and logs the exchange, and gives the route match back, last. An upstream
// answer broken off midway (http.ErrAbortHandler), and any answer that drops the
// connection, panics again with http.ErrAbortHandler once all that is done, so that
// net/http closes the connection without a response. serveHTTP defers it; it calls
// recover itself.
func (s *Server) finish(w http.ResponseWriter, x *exchange, resp *response, start time.Time) {
	r := x.r
	p := recover()
	switch {
	case p == http.ErrAbortHandler: // the upstream broke off an answer already under way
		resp.drop = true
	case p != nil:
		s.opts.Logger.Error("panic serving request", "method", r.Method, "path", journal.RedactPath(r.URL.Path), "panic", p, "stack", string(debug.Stack()))
		*resp = fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
		s.send(w, x, *resp)
	}
	status := resp.status
	if resp.drop {
		status = 0
	}
	elapsed := time.Since(start)
	if len(x.violations) > 0 {
		x.box.violations.Add(int64(len(x.violations)))
		s.opts.Logger.Warn("openapi.yaml violated", "method", r.Method, "path", journal.RedactPath(r.URL.Path), "status", status, "violations", x.violations)
	}
	x.box.journal.Add(x.journalExchange(s.answeredAt(x.arrived, elapsed), elapsed, status, *resp, w.Header()))
	s.logRequest(x.sent, status, start, elapsed, x.fault)
	s.validator.Release(x.match) // last: nothing reads the match after this
	x.match = nil
	if resp.drop {
		panic(http.ErrAbortHandler) // net/http closes the connection without a response
	}
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

// statusWriter remembers the status a handler wrote, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
