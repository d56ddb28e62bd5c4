package mock

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/oppstages/oppstages"
)

// rateLimiter counts requests per token in fixed windows, like the vendor's hourly limit.
type rateLimiter struct {
	mu      sync.Mutex
	limit   int // 0: count, report the vendor's limit, never refuse
	window  time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	reset time.Time
	used  int
}

// maxBuckets bounds the tokens tracked at once; a flood of distinct tokens cannot exhaust
// memory, it only restarts their counts.
const maxBuckets = 100_000

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, buckets: map[string]*bucket{}}
}

func (l *rateLimiter) configure(limit int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if window != l.window {
		clear(l.buckets)
	}
	l.limit, l.window = limit, window
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.buckets)
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

// take counts one request for the key at now and returns where it stands, with the 429
// when the window's budget is spent.
func (l *rateLimiter) take(key string, now time.Time) (rateCount, *response) {
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil || !now.Before(b.reset) {
		if len(l.buckets) >= maxBuckets {
			clear(l.buckets)
		}
		b = &bucket{reset: now.Truncate(l.window).Add(l.window)}
		l.buckets[key] = b
	}
	b.used++
	used, reset, limit := b.used, b.reset, l.limit
	l.mu.Unlock()

	shown := limit
	if shown == 0 {
		shown = DefaultRateLimit
	}
	count := rateCount{limit: shown, remaining: max(shown-used, 0), reset: reset.Unix()}
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

// withCurrentRateLimit rewrites a canned 429 detail to name the key's real limit and
// reset time, so that it agrees with Retry-After and X-RateLimit-Reset.
func (l *rateLimiter) withCurrentRateLimit(body []byte, key string, now time.Time) []byte {
	if !cannedRateLimitDetail.Match(body) {
		return body
	}
	l.mu.Lock()
	limit := l.limit
	l.mu.Unlock()
	if limit == 0 {
		limit = DefaultRateLimit
	}
	detail := rateLimitDetail(limit, l.resetAt(key, now))
	return cannedRateLimitDetail.ReplaceAllLiteral(body, []byte(detail))
}

// resetAt is when the key's current window ends.
func (l *rateLimiter) resetAt(key string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[key]; b != nil && now.Before(b.reset) {
		return b.reset
	}
	return now.Truncate(l.window).Add(l.window)
}

func retryAfter(reset, now time.Time) string {
	return strconv.FormatInt(int64(max(reset.Sub(now).Round(time.Second)/time.Second, 0)), 10)
}

// thousands formats n with comma separators, as the vendor's messages do: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
