package contract

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// answeredAt is when the answers of these tests were sent and read.
var answeredAt = time.Unix(1_800_000_000, 0)

// answer is an answer read at answeredAt whose window resets reset seconds later.
func answer(status int, contentType, remaining string, reset int64) *reply {
	return answerOf(status, contentType, "100", remaining, strconv.FormatInt(answeredAt.Unix()+reset, 10))
}

func answerOf(status int, contentType, limit, remaining, reset string) *reply {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("X-RateLimit-Limit", limit)
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", reset)
	return &reply{status: status, header: h, sent: answeredAt, received: answeredAt}
}

func TestObserveRateLimit(t *testing.T) {
	at := func(seconds int64) string { return strconv.FormatInt(answeredAt.Unix()+seconds, 10) }
	tests := []struct {
		name    string
		answers []*reply
		want    string // a fragment of the first finding; empty: none
	}{
		{"falls", []*reply{answer(200, vnd, "9", 60), answer(200, vnd, "8", 60)}, ""},
		{"falls faster, another client sharing the token", []*reply{answer(200, vnd, "9", 60), answer(200, vnd, "3", 60)}, ""},
		{"a new window may start higher", []*reply{answer(200, vnd, "0", 60), answer(200, vnd, "99", 120)}, ""},
		{"rises inside a window", []*reply{answer(200, vnd, "5", 60), answer(200, vnd, "6", 60)}, "rose from 5"},
		{"stays", []*reply{answer(200, vnd, "5", 60), answer(200, vnd, "5", 60)}, "stayed at 5"},
		{"stays at zero", []*reply{answer(429, vnd, "0", 60), answer(429, vnd, "0", 60)}, ""},
		{"more remaining than the limit", []*reply{answerOf(200, vnd, "100", "101", at(60))}, "X-RateLimit-Remaining 101 exceeds X-RateLimit-Limit 100"},
		{"a reset that has passed", []*reply{answer(200, vnd, "5", -3600)}, "1h0m0s before the request was sent"},
		{"a reset as seconds to wait", []*reply{answerOf(200, vnd, "100", "5", "1800")}, "X-RateLimit-Reset 1800 is 1970-01-01T00:30:00Z"},
		{"a reset in milliseconds", []*reply{answerOf(200, vnd, "100", "5", at(0)+"000")}, "more than the one-hour window ahead"},
		{"a reset the clocks' skew behind", []*reply{answer(200, vnd, "5", -299)}, ""},
		{"a reset a whole window and the skew ahead", []*reply{answer(200, vnd, "5", 3900)}, ""},
		{"a reset that goes back", []*reply{answer(200, vnd, "9", 120), answer(200, vnd, "8", 60)}, "went back from"},
		{"a limit that changes", []*reply{answer(200, vnd, "9", 60), answerOf(200, vnd, "50", "8", at(60))}, "X-RateLimit-Limit changed from 100"},
		{"a fraction", []*reply{answer(200, vnd, "4.5", 60)}, `X-RateLimit-Remaining "4.5" is not one integer`},
		{"a sign", []*reply{answer(200, vnd, "+4", 60)}, "is not one integer"},
		{"missing", []*reply{answer(200, vnd, "", 60)}, "is not one integer"},
	}
	for _, tt := range tests {
		for _, mode := range []Mode{ReadOnly, Full} {
			s := &session{mode: mode}
			for _, a := range tt.answers {
				s.observe(request{method: "GET", path: "/opportunityStages"}, a, nil)
			}
			problems := s.exchanges.rateLimit.problems("rate-limit headers wrong", len(s.exchanges.seen))
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("%s, %s mode: %v", tt.name, mode, problems)
			case tt.want != "" && (len(problems) == 0 || !strings.Contains(problems[0].Message, tt.want)):
				t.Errorf("%s, %s mode: %v, want a finding with %q", tt.name, mode, problems, tt.want)
			}
		}
	}
}

func TestObserveContentType(t *testing.T) {
	tests := []struct {
		status      int
		contentType string
		ok          bool
	}{
		{200, vnd, true},
		{404, vnd, true},
		{200, vnd + "; charset=utf-8", false},
		{200, "application/json", false},
		{400, "", false},
		{204, "", true},                 // no body
		{401, "application/json", true}, // the gateway's own shape
		{401, "application/json; charset=utf-8", false},
		{401, vnd, false},
	}
	for _, tt := range tests {
		s := &session{mode: ReadOnly}
		s.observe(request{method: "GET", path: "/opportunityStages"}, answer(tt.status, tt.contentType, "1", 60), nil)
		if got := len(s.exchanges.contentType.problems("", 1)) == 0; got != tt.ok {
			t.Errorf("%d with Content-Type %q: accepted %v, want %v", tt.status, tt.contentType, got, tt.ok)
		}
	}
}

// The count of a protocol check counts exchanges, however many headers of one are wrong,
// and keeps the exchanges whose every problem rests on a guess apart, labelled.
func TestProtocolFindingsCountExchanges(t *testing.T) {
	s := &session{mode: ReadOnly}
	bare := func() *reply {
		return &reply{status: 200, header: http.Header{"Content-Type": {vnd}}, sent: answeredAt, received: answeredAt}
	}
	guessedHeaders := func(header string) (bool, string) { return header != "", "the headers are a guess" }
	for range 3 {
		s.observe(request{method: "GET", path: "/opportunityStages"}, bare(), guessedHeaders)
	}
	s.observe(request{method: "GET", path: "/opportunityStages"}, bare(), nil)
	problems := s.exchanges.rateLimit.problems("rate-limit headers wrong", len(s.exchanges.seen))
	if len(problems) != 2 {
		t.Fatalf("problems %+v, want one on facts and one on guesses", problems)
	}
	facts, guesses := problems[0], problems[1]
	if facts.Inferred || !strings.HasPrefix(facts.Message, "rate-limit headers wrong in 1 of 4 exchanges") {
		t.Errorf("on facts: %+v", facts)
	}
	if !guesses.Inferred || guesses.InferredReason != "the headers are a guess" || !strings.HasPrefix(guesses.Message, "rate-limit headers wrong, on guesses only, in 3 of 4 exchanges") {
		t.Errorf("on guesses: %+v", guesses)
	}
}

func TestRetryAfterAgreesWithTheReset(t *testing.T) {
	reset := answeredAt.Unix() + 600
	tests := []struct {
		wait int64
		want string // a fragment of the problem; empty: none
	}{
		{600, ""},
		{599, ""},
		{600 - 300, ""}, // the target's clock the skew ahead
		{600 + 300, ""},
		{30, "name different moments"},
		{reset, "name different moments"}, // the reset itself, not seconds to wait
		{600 * 1000, "name different moments"},
	}
	for _, tt := range tests {
		got := retryProblem(tt.wait, reset, answeredAt, answeredAt)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("Retry-After %d with the reset 600s ahead: %q, want %q", tt.wait, got, tt.want)
		}
	}
}

func TestRateLimitDetailAgreesWithTheHeaders(t *testing.T) {
	const reset = 1767225600 // 2026-01-01T00:00:00Z
	tests := []struct {
		detail string
		want   string // a fragment of the problem; empty: none
	}{
		{"You have exceeded your permitted rate limit of 10,000; please try again at 2026-01-01T00:00:00.", ""},
		{"You have exceeded your permitted rate limit of 10,000; please try again at 2026-01-01T00:00:00Z.", ""},
		{"You have exceeded your permitted rate limit of 10,000; please try again at 2026-01-01T01:00:00+01:00.", ""},
		{"Slow down.", ""},
		{"You have exceeded your permitted rate limit of 5,000; please try again at 2026-01-01T00:00:00.", "names a limit of 5000"},
		{"You have exceeded your permitted rate limit of 10,000; please try again at 2026-01-01T01:00:00.", "says to come back at 2026-01-01T01:00:00Z"},
		{"You have exceeded your permitted rate limit of 10,000; please try again at 2026-13-01T00:00:00.", "names no time"},
	}
	for _, tt := range tests {
		got := rateLimitDetailProblem(tt.detail, 10000, reset)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%q: %q, want %q", tt.detail, got, tt.want)
		}
	}
}
