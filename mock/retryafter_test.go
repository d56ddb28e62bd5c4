package mock_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// rateHeaders reads the Retry-After and X-RateLimit-Reset of an answer as times, from now.
func rateHeaders(t *testing.T, r *apitest.Response, now time.Time) (retryAt, reset time.Time) {
	t.Helper()
	seconds, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("Retry-After %q: %v", r.Header.Get("Retry-After"), err)
	}
	unix, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		t.Fatalf("X-RateLimit-Reset %q: %v", r.Header.Get("X-RateLimit-Reset"), err)
	}
	return now.Add(time.Duration(seconds) * time.Second), time.Unix(unix, 0)
}

// The mock's own Retry-After and X-RateLimit-Reset round up: a client that waits as long
// as they say is never early, also when the window resets within a second or at a
// fraction of one.
func TestRateLimitHeadersRoundUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		window   time.Duration
		fraction bool // the window resets at a fraction of a second
	}{
		{name: "reset under a second away", window: 10 * time.Second},
		{name: "reset at a fraction of a second", window: 700 * time.Millisecond, fraction: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, clock := newServerClock(t, mock.Options{RateLimit: 1, RateWindow: tc.window})
			// Move the clock to where the window resets less than a second on, under a
			// second before a whole one, or at a fraction of one.
			for i := 0; i < 100; i++ {
				now := clock.Now()
				left := now.Truncate(tc.window).Add(tc.window).Sub(now)
				if left > 0 && left < time.Second && (tc.fraction && now.Add(left).Nanosecond() != 0 ||
					!tc.fraction && now.Add(left).Nanosecond() == 0 && left < 500*time.Millisecond) {
					break
				}
				clock.Advance(100 * time.Millisecond)
			}
			now := clock.Now()
			resetsAt := now.Truncate(tc.window).Add(tc.window)
			if resetsAt.Sub(now) >= time.Second || tc.fraction != (resetsAt.Nanosecond() != 0) {
				t.Fatalf("no time found where the case arises: now %s, reset %s", now, resetsAt)
			}
			if r := c.Get(stages); r.Status != 200 {
				t.Fatalf("first request: %d", r.Status)
			}
			r := c.Get(stages)
			wantError(t, r, http.StatusTooManyRequests, "rateLimitExceeded")
			retryAt, reset := rateHeaders(t, r, now)
			if retryAt.Before(resetsAt) || reset.Before(resetsAt) {
				t.Errorf("Retry-After %s and X-RateLimit-Reset %s, at %s: a client waiting for either comes before the reset at %s",
					r.Header.Get("Retry-After"), r.Header.Get("X-RateLimit-Reset"), now, resetsAt)
			}
			if retryAt.Sub(resetsAt) >= time.Second || reset.Sub(resetsAt) >= time.Second {
				t.Errorf("Retry-After %s and X-RateLimit-Reset %s, at %s: more than a second after the reset at %s",
					r.Header.Get("Retry-After"), r.Header.Get("X-RateLimit-Reset"), now, resetsAt)
			}
		})
	}
}

// A 429 that a fault rule answers with a Retry-After of its own says the same in its
// rate-limit headers: nothing remains, and the window resets when Retry-After has passed.
func TestInjected429AgreesWithItsRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name, retryAfter string
		wait             time.Duration
	}{
		{name: "seconds", retryAfter: "7", wait: 7 * time.Second},
		{name: "an HTTP date", retryAfter: epoch.Add(90 * time.Second).Format(http.TimeFormat), wait: 90*time.Second - 123*time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, clock := newServerClock(t, mock.Options{})
			postFault(t, c, "", `{"status":429,"headers":{"Retry-After":"`+tc.retryAfter+`"}}`)
			c = apitest.New(&silentT{t}, s.Handler()) // openapi.yaml documents Retry-After in seconds only
			r := c.Get(stages)
			wantError(t, r, http.StatusTooManyRequests, "rateLimitExceeded")
			if got := r.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Fatalf("Retry-After %q, want the rule's %q", got, tc.retryAfter)
			}
			want := clock.Now().Add(tc.wait)
			unix, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
			if err != nil || unix != want.Unix()+1 && !(want.Nanosecond() == 0 && unix == want.Unix()) {
				t.Errorf("X-RateLimit-Reset %q, want %d (%s rounded up)", r.Header.Get("X-RateLimit-Reset"), want.Unix()+1, want)
			}
			if got := r.Header.Values("X-RateLimit-Remaining"); len(got) != 1 || got[0] != "0" {
				t.Errorf("X-RateLimit-Remaining %q, want one 0", got)
			}
			if got := r.Header.Values("X-RateLimit-Reset"); len(got) != 1 {
				t.Errorf("X-RateLimit-Reset sent %d times: %q", len(got), got)
			}
		})
	}
}
