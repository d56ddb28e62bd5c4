package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages"
)

// getStage sends GET /api/v2/opportunityStages/1 with the headers given as name, value
// pairs ("Authorization" is left out when no such pair is given) and returns the answer.
func getStage(t testing.TB, s *Server, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/api/v2/opportunityStages/1", nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

// longToken is a distinct token of about 60 KiB, as long as a request's headers allow.
func longToken(i int) string {
	return fmt.Sprintf("%08d-", i) + strings.Repeat("t", 60<<10)
}

// bucketsHeld counts the buckets of every limiter the server's sandboxes count in.
func bucketsHeld(s *Server) int {
	seen := map[*rateLimiter]bool{}
	n := 0
	for _, box := range append(s.named.list(), s.main) {
		if l := box.limiter.limiter; !seen[l] {
			seen[l] = true
			n += l.len()
		}
	}
	return n
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A bucket costs the same whatever its token's length: N tokens of 60 KiB each leave N
// buckets behind, and the heap grows by a fixed size per bucket, not by the tokens.
func TestRateBucketSizeDoesNotDependOnTokenLength(t *testing.T) {
	const tokens = 256
	// Bytes per bucket: the digest, the count, the map entry and the use order, with
	// room to spare.
	const perBucket = 512
	// The journal keeps one request's headers at most.
	s, err := New(Options{MaxJournal: 1})
	if err != nil {
		t.Fatal(err)
	}
	getStage(t, s, "Authorization", "Bearer warm-up") // the first request's one-time allocations
	before := heapInUse()
	for i := range tokens {
		if w := getStage(t, s, "Authorization", "Bearer "+longToken(i)); w.Code != http.StatusOK {
			t.Fatalf("token %d: status %d", i, w.Code)
		}
	}
	grown := int64(heapInUse()) - int64(before)
	if n := bucketsHeld(s); n != tokens+1 {
		t.Errorf("%d buckets, want %d: one per token", n, tokens+1)
	}
	// The tokens themselves come to 15 MiB; the journal's one entry may hold one of them.
	if limit := int64(tokens*perBucket + 1<<20); grown > limit {
		t.Errorf("the heap grew by %d bytes for %d buckets, want at most %d", grown, tokens, limit)
	}
	runtime.KeepAlive(s)
}

// The buckets are bounded for the server as a whole, not per sandbox: distinct tokens
// spread over many sandboxes never hold more than the limiter's capacity.
func TestRateBucketsBoundedAcrossSandboxes(t *testing.T) {
	const capacity = 64
	s, err := New(Options{MaxJournal: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.limiter.capacity = capacity
	for box := range 20 {
		for token := range 2 * capacity {
			w := getStage(t, s, "Authorization", fmt.Sprintf("Bearer token-%d", token), "X-Mock-Sandbox", fmt.Sprintf("box-%d", box))
			if w.Code != http.StatusOK {
				t.Fatalf("box %d token %d: status %d", box, token, w.Code)
			}
		}
		if n := bucketsHeld(s); n > capacity {
			t.Fatalf("after sandbox %d: %d buckets, want at most %d", box, n, capacity)
		}
	}
}

// A flood of distinct tokens drops the least recently used buckets, not every bucket: a
// token in steady use keeps its count, and is refused once its budget is spent.
func TestRateCountsHoldDuringFloodOfTokens(t *testing.T) {
	const capacity, limit = 100, 10
	const floodBetween = 60 // new tokens between two requests of the steady one: most of the capacity
	s, err := New(Options{MaxJournal: 1, RateLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	s.limiter.capacity = capacity
	flooded := 0
	for i := 1; i <= limit+1; i++ {
		w := getStage(t, s, "Authorization", "Bearer steady")
		remaining := w.Header().Get("X-RateLimit-Remaining")
		if i <= limit && (w.Code != http.StatusOK || remaining != strconv.Itoa(limit-i)) {
			t.Fatalf("request %d of the steady token: status %d, %s remaining; want 200 and %d", i, w.Code, remaining, limit-i)
		}
		if i > limit && (w.Code != http.StatusTooManyRequests || remaining != "0") {
			t.Fatalf("request %d of the steady token: status %d, %s remaining; want 429 and 0", i, w.Code, remaining)
		}
		for range floodBetween {
			flooded++
			if w := getStage(t, s, "Authorization", fmt.Sprintf("Bearer flood-%d", flooded)); w.Code != http.StatusOK {
				t.Fatalf("flood token %d: status %d", flooded, w.Code)
			}
		}
	}
	if n := bucketsHeld(s); n > capacity || flooded <= capacity {
		t.Errorf("%d buckets after %d flood tokens, want at most %d with more tokens than that", n, flooded, capacity)
	}
}

// A request whose token does not authenticate gets the gateway's 401, never a 429, with
// the rate-limit headers showing the whole budget, and leaves no bucket behind.
func TestUnauthenticatedRequestsAreNotCounted(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := New(Options{MaxJournal: 1, RateLimit: 1, Tokens: map[string][]oppstages.Scope{"known": {oppstages.ScopeAll}},
		Clock: func() time.Time { return now }, TokenTTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	expired := issueToken(t, s)
	now = now.Add(time.Hour) // the window is an hour too: the known token's budget is whole again
	for _, c := range []struct {
		name   string
		header []string
	}{
		{"no Authorization", nil},
		{"not a bearer token", []string{"Authorization", "Basic dXNlcjpwYXNz"}},
		{"malformed bearer token", []string{"Authorization", "Bearer two words"}},
		{"unknown token", []string{"Authorization", "Bearer unknown"}},
		{"long unknown token", []string{"Authorization", "Bearer " + longToken(1)}},
		{"expired token from /oauth/token", []string{"Authorization", "Bearer " + expired}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range 3 {
				w := getStage(t, s, c.header...)
				h := w.Header()
				if w.Code != http.StatusUnauthorized || h.Get("X-RateLimit-Limit") != "1" || h.Get("X-RateLimit-Remaining") != "1" || h.Get("X-RateLimit-Reset") == "" {
					t.Fatalf("request %d: status %d, limit %q, remaining %q, reset %q; want 401 with 1 of 1 remaining",
						i, w.Code, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset"))
				}
			}
			if n := bucketsHeld(s); n != 0 {
				t.Errorf("%d buckets, want none", n)
			}
		})
	}
	if w := getStage(t, s, "Authorization", "Bearer known"); w.Code != http.StatusOK || w.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("the known token: status %d, %s remaining; want 200 and 0", w.Code, w.Header().Get("X-RateLimit-Remaining"))
	}
	if w := getStage(t, s, "Authorization", "Bearer known"); w.Code != http.StatusTooManyRequests {
		t.Errorf("the known token's second request: status %d, want 429", w.Code)
	}
}

// issueToken runs the authorization-code flow against s and returns the access token.
func issueToken(t *testing.T, s *Server) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/oauth/authorize?client_id=app&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&response_type=code", nil)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", w.Code, w.Header().Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {"app"}, "client_secret": {"s"},
		"redirect_uri": {"https://app.test/cb"}, "code": {loc.Query().Get("code")}}
	r = httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", w.Code, w.Body)
	}
	return tok.AccessToken
}
