package mock

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/oppstages/oppstages"
)

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

// credential is what the rate limiter knows of a request's token: whether the token
// authenticates, and if so a digest of it. Only tokens that authenticate are counted, each
// in a bucket of its own keyed on the digest, so a bucket costs the same whatever the
// token's length, and tokens that fail authentication hold no memory at all.
type credential struct {
	digest [16]byte // the first 128 bits of the token's SHA-256: no collision to be found
	valid  bool
}

// credentialOf is the credential of a request that authenticated as who, or the
// uncounted one when authentication failed.
func credentialOf(who principal, authenticated bool) credential {
	if !authenticated {
		return credential{}
	}
	sum := sha256.Sum256([]byte(who.token))
	c := credential{valid: true}
	copy(c.digest[:], sum[:])
	return c
}

// countEarly counts a request the default sandbox refuses before its chain runs (headers
// too large, a bad sandbox name), so that its answer carries the rate-limit headers too.
func (s *Server) countEarly(r *http.Request) rateCount {
	who, gerr := s.authenticate(r)
	count, _ := s.main.limiter.take(credentialOf(who, gerr == nil), s.now())
	return count
}

// rateScope is one sandbox's part of the limiter: its limit and window, and the epoch its
// buckets are keyed on. A new epoch starts the sandbox's counts afresh and leaves the old
// epoch's buckets to age out as others are used.
type rateScope struct {
	limiter *rateLimiter
	// Guarded by limiter.mu.
	limit  int // 0: count, report the vendor's limit, never refuse
	window time.Duration
	epoch  uint64
}

// scope gives a new sandbox its part of the limiter, with counts of its own.
func (l *rateLimiter) scope(limit int, window time.Duration) *rateScope {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epochs++
	return &rateScope{limiter: l, limit: limit, window: window, epoch: l.epochs}
}

// configure sets the limit and window; a new window starts every count afresh.
func (sc *rateScope) configure(limit int, window time.Duration) {
	l := sc.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	if window != sc.window {
		l.epochs++
		sc.epoch = l.epochs
	}
	sc.limit, sc.window = limit, window
}

// reset starts every count of the sandbox afresh.
func (sc *rateScope) reset() {
	l := sc.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epochs++
	sc.epoch = l.epochs
}

// rateCount is where one request stands in its token's window: what the X-RateLimit
// headers of its answer say.
type rateCount struct {
	limit, remaining int
	reset            int64 // Unix seconds
}

// setHeaders sets the X-RateLimit headers; a zero count sets none.
func (c rateCount) setHeaders(h http.Header) {
	if c.limit > 0 {
		setRateLimitHeaders(h, decimals(make([]string, 0, 3), int64(c.limit), int64(c.remaining), c.reset))
	}
}

// take counts one request of the credential at now and returns where it stands, with the
// 429 when the window's budget is spent. A credential that did not authenticate is not
// counted and never refused: the vendor's gateway answers it with a 401 before any
// per-user limit applies. Its answer still carries the headers, with the whole budget
// remaining.
func (sc *rateScope) take(c credential, now time.Time) (rateCount, *response) {
	l := sc.limiter
	l.mu.Lock()
	limit, window := sc.limit, sc.window
	used, reset := 0, now.Truncate(window).Add(window)
	if c.valid {
		b := l.use(bucketKey{epoch: sc.epoch, digest: c.digest}, now, window)
		b.used++
		used, reset = b.used, b.reset
	}
	l.mu.Unlock()

	shown := limit
	if shown == 0 {
		shown = DefaultRateLimit
	}
	count := rateCount{limit: shown, remaining: max(shown-used, 0), reset: unixCeil(reset)}
	if limit == 0 || used <= limit {
		return count, nil
	}
	resp := fail(oppstages.Errorf(oppstages.CodeRateLimitExceeded, "%s", rateLimitDetail(limit, reset)))
	resp.header = http.Header{"Retry-After": {retryAfter(reset, now)}}
	return count, &resp
}

// The rate-limit headers' keys as net/http canonicalises them, so that setting them
// costs no canonicalisation.
const (
	headerLimit     = "X-Ratelimit-Limit"
	headerRemaining = "X-Ratelimit-Remaining"
	headerReset     = "X-Ratelimit-Reset"
)

// setRateLimitHeaders sets the three headers to the first three values: the limit, the
// remaining requests and the reset time.
func setRateLimitHeaders(h http.Header, values []string) {
	h[headerLimit] = values[0:1:1]
	h[headerRemaining] = values[1:2:2]
	h[headerReset] = values[2:3:3]
}

// decimals appends the decimal forms of ns, at most four, to values, with one string
// behind them all: the numeric headers of an answer cost one allocation together.
func decimals(values []string, ns ...int64) []string {
	var buf [96]byte
	var ends [4]int
	b := buf[:0]
	for i, n := range ns {
		b = strconv.AppendInt(b, n, 10)
		ends[i] = len(b)
	}
	all, start := string(b), 0
	for i := range ns {
		values = append(values, all[start:ends[i]])
		start = ends[i]
	}
	return values
}

// rateLimitDetail is the vendor's 429 detail for a limit and the time its window resets.
func rateLimitDetail(limit int, reset time.Time) string {
	return fmt.Sprintf("You have exceeded your permitted rate limit of %s; please try again at %s.",
		thousands(limit), reset.UTC().Format("2006-01-02T15:04:05"))
}

// cannedRateLimitDetail finds the vendor's 429 detail in a canned body (an openapi.yaml
// example or an error fixture), whose limit and time were true only when it was captured.
var cannedRateLimitDetail = regexp.MustCompile(`You have exceeded your permitted rate limit of [0-9,]+; please try again at [0-9T:.Z+-]+\.`)

// withCurrentRateLimit rewrites a canned 429 detail to name the credential's real limit
// and reset time, so that it agrees with Retry-After and X-RateLimit-Reset.
func (sc *rateScope) withCurrentRateLimit(body []byte, c credential, now time.Time) []byte {
	if !cannedRateLimitDetail.Match(body) {
		return body
	}
	limit, reset := sc.resetAt(c, now)
	if limit == 0 {
		limit = DefaultRateLimit
	}
	detail := rateLimitDetail(limit, reset)
	return cannedRateLimitDetail.ReplaceAllLiteral(body, []byte(detail))
}

// resetAt is the sandbox's limit and when the credential's current window ends.
func (sc *rateScope) resetAt(c credential, now time.Time) (limit int, reset time.Time) {
	l := sc.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.valid {
		if e := l.buckets[bucketKey{epoch: sc.epoch, digest: c.digest}]; e != nil && now.Before(e.Value.(*bucket).reset) {
			return sc.limit, e.Value.(*bucket).reset
		}
	}
	return sc.limit, now.Truncate(sc.window).Add(sc.window)
}

// retryAfter is the Retry-After of an answer sent at now for a window that resets at
// reset: whole seconds, rounded up, so that a client that waits as long is never early.
func retryAfter(reset, now time.Time) string {
	return strconv.FormatInt(int64(max((reset.Sub(now)+time.Second-1)/time.Second, 0)), 10)
}

// unixCeil is t in Unix seconds, rounded up: X-RateLimit-Reset never names a second
// before the window resets.
func unixCeil(t time.Time) int64 {
	if t.Nanosecond() > 0 {
		return t.Unix() + 1
	}
	return t.Unix()
}

// thousands formats n with comma separators, as the vendor's messages do: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
