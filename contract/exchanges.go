package contract

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The protocol checks look at every exchange of the run, whichever check sent it: the
// media type is exactly JSON:API's (the gateway's 401, exactly application/json), and the rate-limit headers say something that can be
// true: integers, no more remaining than the limit, a reset inside the vendor's one-hour
// window ahead of the suite's clock, and along the run's requests with its token one
// limit, a reset that never goes back and a remaining budget that falls with every request
// inside one window (another client of the token only makes it fall faster).

// rateWindow is the vendor's rate-limit window: 10,000 requests per one-hour period.
const rateWindow = time.Hour

// clockSkew is how far the target's clock may stand from the suite's before a time the
// target names is judged wrong.
const clockSkew = 5 * time.Minute

// rateLimitHeaders are the headers every response carries.
var rateLimitHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}

// exchangeLog is what the protocol checks keep from every exchange of a run.
type exchangeLog struct {
	seen        []Exchange // every exchange observed, which the protocol checks judge
	contentType findings
	rateLimit   findings
	identity    findings // error answers against the vendor's identities
	last        *budget  // the previous answer to a request with the run's token
}

// budget is one answer's rate-limit state.
type budget struct {
	limit, remaining, reset int64
	what                    string
}

// findings counts the exchanges that show a problem and keeps the first few, apart for
// the exchanges whose every problem rests only on a guess.
type findings struct {
	facts, guesses findingList
}

type findingList struct {
	exchanges int
	first     []string
	reason    string // the first finding's x-inferred-reason, for guesses
}

// maxShown is how many findings of each kind a check shows.
const maxShown = 5

// exchangeFindings gathers the problems of one exchange for one protocol check.
type exchangeFindings struct {
	what     string
	problems []string
	inferred bool // every problem so far rests only on a guess
	reason   string
}

func (e *exchangeFindings) add(inferred bool, reason, format string, args ...any) {
	if len(e.problems) == 0 {
		e.inferred, e.reason = true, ""
	}
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
	e.inferred = e.inferred && inferred
	if inferred && e.reason == "" {
		e.reason = reason
	}
}

// add counts an exchange with problems once, as a fact or as a guess.
func (f *findings) add(e exchangeFindings) {
	if len(e.problems) == 0 {
		return
	}
	list := &f.facts
	if e.inferred {
		list = &f.guesses
		if list.reason == "" {
			list.reason = e.reason
		}
	}
	list.exchanges++
	if len(list.first) < maxShown {
		list.first = append(list.first, e.what+": "+strings.Join(e.problems, "; "))
	}
}

// problems says in how many of the run's exchanges what went wrong, with the first few,
// the guesses apart.
func (f findings) problems(what string, exchanges int) []Problem {
	var out []Problem
	if n := f.facts.exchanges; n > 0 {
		out = append(out, Problem{Message: fmt.Sprintf("%s in %d of %d exchanges; the first:\n%s", what, n, exchanges, strings.Join(f.facts.first, "\n"))})
	}
	if n := f.guesses.exchanges; n > 0 {
		out = append(out, Problem{Message: fmt.Sprintf("%s, on guesses only, in %d of %d exchanges; the first:\n%s", what, n, exchanges, strings.Join(f.guesses.first, "\n")),
			Inferred: true, InferredReason: f.guesses.reason})
	}
	return out
}

// observe records one exchange for the protocol checks. guessed says whether the spec
// only infers what it says of the answer (header "") or of one of its headers; nil means
// it infers nothing.
func (s *session) observe(req request, rep *reply, guessed func(header string) (bool, string)) {
	if guessed == nil {
		guessed = func(string) (bool, string) { return false, "" }
	}
	l := &s.exchanges
	l.seen = append(l.seen, rep.exchange)
	what := fmt.Sprintf("%s %s -> %d", req.method, readable(req.shown()), rep.status)
	// 204 has no body; 401 is the gateway's own plain JSON, as openapi.yaml documents.
	want := vnd
	if rep.status == http.StatusUnauthorized {
		want = "application/json"
	}
	if rep.status != http.StatusNoContent {
		if got := rep.header.Values("Content-Type"); len(got) != 1 || got[0] != want {
			media := exchangeFindings{what: what}
			inferred, reason := guessed("")
			media.add(inferred, reason, "Content-Type %q, want exactly %q", strings.Join(got, ", "), want)
			l.contentType.add(media)
		}
	}
	l.identity.add(identityFindings(what, rep))
	limits := exchangeFindings{what: what}
	defer func() { l.rateLimit.add(limits) }()
	values := make([]int64, len(rateLimitHeaders))
	whole := true
	for i, name := range rateLimitHeaders {
		raw := rep.header.Values(name)
		n, ok := unsignedInteger(raw)
		if !ok {
			inferred, reason := guessed(name)
			limits.add(inferred, reason, "%s %q is not one integer", name, strings.Join(raw, ", "))
			whole = false
		}
		values[i] = n
	}
	if !whole {
		return
	}
	limit, remaining, reset := values[0], values[1], values[2]
	if remaining > limit {
		inferred, reason := guessed("X-RateLimit-Remaining")
		limits.add(inferred, reason, "X-RateLimit-Remaining %d exceeds X-RateLimit-Limit %d", remaining, limit)
	}
	if problem := resetProblem(reset, rep.sent, rep.received); problem != "" {
		inferred, reason := guessed("X-RateLimit-Reset")
		limits.add(inferred, reason, "%s", problem)
	}
	// An answer asked for with Prefer (errors/rate-limited's 429) describes a pretend
	// budget, not the token's, so it does not take part in the budget's course.
	if req.noToken || req.header.Get("Prefer") != "" {
		return
	}
	now := &budget{limit: limit, remaining: remaining, reset: reset, what: what}
	if prev := l.last; prev != nil {
		switch {
		case now.limit != prev.limit:
			inferred, reason := guessed("X-RateLimit-Limit")
			limits.add(inferred, reason, "X-RateLimit-Limit changed from %d (%s) to %d for the same token", prev.limit, prev.what, now.limit)
		case now.reset < prev.reset:
			inferred, reason := guessed("X-RateLimit-Reset")
			limits.add(inferred, reason, "X-RateLimit-Reset went back from %d (%s) to %d: a window cannot end before the one before it", prev.reset, prev.what, now.reset)
		case now.reset > prev.reset:
		case now.remaining > prev.remaining:
			inferred, reason := guessed("X-RateLimit-Remaining")
			limits.add(inferred, reason, "X-RateLimit-Remaining rose from %d (%s) to %d inside one window", prev.remaining, prev.what, now.remaining)
		case now.remaining == prev.remaining && now.remaining > 0:
			inferred, reason := guessed("X-RateLimit-Remaining")
			limits.add(inferred, reason, "X-RateLimit-Remaining stayed at %d since %s inside one window; each request with the token spends one", now.remaining, prev.what)
		}
	}
	l.last = now
}

// resetProblem says what is wrong with X-RateLimit-Reset, in Unix seconds, for an answer
// the suite sent for at sent and read at received, or "" when it can be true: the window
// it ends is the current one, so it ends after the answer came (give or take clockSkew)
// and at most the vendor's one-hour window later.
func resetProblem(reset int64, sent, received time.Time) string {
	at := time.Unix(reset, 0).UTC()
	switch {
	case at.Before(sent.Add(-clockSkew)):
		return fmt.Sprintf("X-RateLimit-Reset %d is %s, %s before the request was sent: the current window cannot have ended", reset, at.Format(time.RFC3339), sent.Sub(at).Round(time.Second))
	case at.After(received.Add(rateWindow + clockSkew)):
		return fmt.Sprintf("X-RateLimit-Reset %d is %s, %s after the answer came: more than the one-hour window ahead", reset, at.Format(time.RFC3339), at.Sub(received).Round(time.Second))
	}
	return ""
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
		{name: "protocol/error-identity", run: checkErrorIdentity},
	}
}

// sample sends a few exchanges of the check's own (a page, a bad parameter, an unknown
// route, a request without a token), so that a protocol check has answers to look at when
// it runs alone.
func sample(ctx context.Context, s *session) error {
	for _, req := range []request{
		{method: http.MethodGet, path: "/opportunityStages?page%5Bsize%5D=2"},
		{method: http.MethodGet, path: "/opportunityStages?sort=notAnAttribute"},
		{method: http.MethodGet, path: "/opportunityStagez"},
		{method: http.MethodGet, path: "/opportunityStages?page%5Bsize%5D=1", noToken: true},
	} {
		if _, err := s.do(ctx, req); err != nil {
			return err
		}
	}
	return nil
}

func checkContentType(ctx context.Context, s *session) error {
	if err := sample(ctx, s); err != nil {
		return err
	}
	return s.judgeExchanges(s.exchanges.contentType, "a Content-Type other than exactly "+vnd)
}

func checkRateLimit(ctx context.Context, s *session) error {
	if err := sample(ctx, s); err != nil {
		return err
	}
	return s.judgeExchanges(s.exchanges.rateLimit, "rate-limit headers wrong")
}

func checkErrorIdentity(ctx context.Context, s *session) error {
	if err := sample(ctx, s); err != nil {
		return err
	}
	return s.judgeExchanges(s.exchanges.identity, "errors with another identity than the vendor's")
}

// judgeExchanges is the verdict of a protocol check over every exchange of the run so
// far, which it names as the exchanges it judged.
func (s *session) judgeExchanges(f findings, what string) error {
	seen := s.exchanges.seen
	if len(seen) == 0 {
		return skipped{"no exchange to look at"}
	}
	s.current.Requests = slices.Clone(seen)
	if problems := f.problems(what, len(seen)); len(problems) > 0 {
		return found(problems)
	}
	return nil
}
