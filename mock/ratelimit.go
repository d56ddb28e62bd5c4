package mock

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/oppstages/oppstages"
)

// rateLimiter counts requests per token in fixed windows, as the vendor's hourly limit.
type rateLimiter struct {
	limit   int // negative: count but never refuse
	window  time.Duration
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	reset time.Time
	used  int
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, buckets: map[string]*bucket{}}
}

func (l *rateLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.buckets)
}

// take counts one request for the key at now, sets the X-RateLimit headers and reports
// the 429 when the window's budget is spent.
func (l *rateLimiter) take(key string, now time.Time, h http.Header) *response {
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Truncate(l.window).Add(l.window)}
		l.buckets[key] = b
	}
	b.used++
	used, reset := b.used, b.reset
	l.mu.Unlock()

	limit := l.limit
	if limit < 0 {
		limit = DefaultRateLimit
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(limit-used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if l.limit < 0 || used <= l.limit {
		return nil
	}
	resp := fail(oppstages.Errorf(oppstages.CodeRateLimitExceeded,
		"You have exceeded your permitted rate limit of %s; please try again at %s.",
		thousands(l.limit), reset.UTC().Format("2006-01-02T15:04:05")))
	resp.header = http.Header{"Retry-After": {strconv.FormatInt(int64(max(reset.Sub(now).Round(time.Second)/time.Second, 0)), 10)}}
	return &resp
}

// thousands formats n with comma separators, as the vendor's messages do: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
