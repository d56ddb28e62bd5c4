package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The protocol checks look at every exchange of the run, whichever check sent it: the
// media type is exactly JSON:API's, and the rate-limit headers are integers whose
// remaining budget never rises inside one window (and falls with every request in full
// mode, where no other client shares the token).

// rateLimitHeaders are the headers every response carries.
var rateLimitHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// exchangeLog is what the protocol checks keep from every exchange of a run.
type exchangeLog struct {
	exchanges   int
	contentType findings
	rateLimit   findings
	last        *budget // the previous answer to a request with the run's token
}

// budget is one answer's rate-limit state.
type budget struct {
	remaining, reset int64
	what             string
}

// findings keeps the first few problems and counts them all.
type findings struct {
	count int
	first []string
}

func (f *findings) add(format string, args ...any) {
	f.count++
	if len(f.first) < 5 {
		f.first = append(f.first, fmt.Sprintf(format, args...))
	}
}

func (f findings) err(what string, exchanges int) error {
	if f.count == 0 {
		return nil
	}
	return fmt.Errorf("%s in %d of %d exchanges; the first:\n%s", what, f.count, exchanges, strings.Join(f.first, "\n"))
}

// observe records one exchange for the protocol checks.
func (s *session) observe(req request, rep *reply) {
	l := &s.exchanges
	l.exchanges++
	what := fmt.Sprintf("%s %s -> %d", req.method, readable(req.shown()), rep.status)
	// 204 has no body; 401 is the gateway's own plain JSON, as openapi.yaml documents.
	if rep.status != http.StatusNoContent && rep.status != http.StatusUnauthorized {
		if got := rep.header.Values("Content-Type"); len(got) != 1 || got[0] != vnd {
			l.contentType.add("%s: Content-Type %q, want exactly %q", what, strings.Join(got, ", "), vnd)
		}
	}
	values := make([]int64, len(rateLimitHeaders))
	whole := true
	for i, name := range rateLimitHeaders {
		raw := rep.header.Values(name)
		n, ok := unsignedInteger(raw)
		if !ok {
			l.rateLimit.add("%s: %s %q is not one integer", what, name, strings.Join(raw, ", "))
			whole = false
		}
		values[i] = n
	}
	// An answer asked for with Prefer (errors/rate-limited's 429) describes a pretend
	// budget, not the token's, so it does not take part in the budget's course.
	if req.noToken || !whole || req.header.Get("Prefer") != "" {
		return
	}
	now := &budget{remaining: values[1], reset: values[2], what: what}
	if prev := l.last; prev != nil && prev.reset == now.reset {
		switch {
		case now.remaining > prev.remaining:
			l.rateLimit.add("X-RateLimit-Remaining rose from %d (%s) to %d (%s) inside one window", prev.remaining, prev.what, now.remaining, now.what)
		case s.mode == Full && now.remaining == prev.remaining && now.remaining > 0:
			l.rateLimit.add("X-RateLimit-Remaining stayed at %d from %s to %s; in full mode each request must spend one", now.remaining, prev.what, now.what)
		}
	}
	l.last = now
}

// unsignedInteger reads a header that must be one non-negative integer in digits.
func unsignedInteger(raw []string) (int64, bool) {
	if len(raw) != 1 || raw[0] == "" || strings.Trim(raw[0], "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(raw[0], 10, 64)
	return n, err == nil
}

// protocolChecks run last, so that they see every exchange of the checks before them.
func protocolChecks() []check {
	return []check{
		{name: "protocol/content-type", run: checkContentType},
		{name: "protocol/rate-limit", run: checkRateLimit},
	}
}

// sample sends a few exchanges of the check's own (a page, a record, a bad parameter, an
// unknown route), so that a protocol check has answers to look at when it runs alone.
func sample(ctx context.Context, s *session) error {
	for _, path := range []string{"/opportunityStages?page%5Bsize%5D=2", "/opportunityStages?sort=notAnAttribute", "/opportunityStagez"} {
		if _, err := s.do(ctx, request{method: http.MethodGet, path: path}); err != nil {
			return err
		}
	}
	return nil
}

func checkContentType(ctx context.Context, s *session) error {
	if err := sample(ctx, s); err != nil {
		return err
	}
	return s.exchanges.contentType.err("a Content-Type other than exactly "+vnd, s.exchanges.exchanges)
}

func checkRateLimit(ctx context.Context, s *session) error {
	if err := sample(ctx, s); err != nil {
		return err
	}
	if s.exchanges.exchanges == 0 {
		return errors.New("no exchange to look at")
	}
	return s.exchanges.rateLimit.err("rate-limit headers wrong", s.exchanges.exchanges)
}
