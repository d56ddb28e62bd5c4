package contract

import (
	"net/http"
	"strings"
	"testing"
)

func answer(status int, contentType, remaining, reset string) *reply {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", reset)
	return &reply{status: status, header: h}
}

func TestObserveRateLimit(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		answers []*reply
		want    string // a fragment of the first finding; empty: none
	}{
		{"falls", Full, []*reply{answer(200, vnd, "9", "60"), answer(200, vnd, "8", "60")}, ""},
		{"a new window may start higher", Full, []*reply{answer(200, vnd, "0", "60"), answer(200, vnd, "99", "120")}, ""},
		{"rises inside a window", ReadOnly, []*reply{answer(200, vnd, "5", "60"), answer(200, vnd, "6", "60")}, "rose from 5"},
		{"stays, read-only", ReadOnly, []*reply{answer(200, vnd, "5", "60"), answer(200, vnd, "5", "60")}, ""},
		{"stays, full", Full, []*reply{answer(200, vnd, "5", "60"), answer(200, vnd, "5", "60")}, "stayed at 5"},
		{"stays at zero, full", Full, []*reply{answer(429, vnd, "0", "60"), answer(429, vnd, "0", "60")}, ""},
		{"a fraction", ReadOnly, []*reply{answer(200, vnd, "4.5", "60")}, `X-RateLimit-Remaining "4.5" is not one integer`},
		{"a sign", ReadOnly, []*reply{answer(200, vnd, "+4", "60")}, "is not one integer"},
		{"missing", ReadOnly, []*reply{answer(200, vnd, "", "60")}, "is not one integer"},
	}
	for _, tt := range tests {
		s := &session{mode: tt.mode}
		for _, a := range tt.answers {
			s.observe(request{method: "GET", path: "/opportunityStages"}, a, nil)
		}
		problems := s.exchanges.rateLimit.problems("rate-limit headers wrong", len(s.exchanges.seen))
		switch {
		case tt.want == "" && len(problems) > 0:
			t.Errorf("%s: %v", tt.name, problems)
		case tt.want != "" && (len(problems) == 0 || !strings.Contains(problems[0].Message, tt.want)):
			t.Errorf("%s: %v, want a finding with %q", tt.name, problems, tt.want)
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
	}
	for _, tt := range tests {
		s := &session{mode: ReadOnly}
		s.observe(request{method: "GET", path: "/opportunityStages"}, answer(tt.status, tt.contentType, "1", "60"), nil)
		if got := len(s.exchanges.contentType.problems("", 1)) == 0; got != tt.ok {
			t.Errorf("%d with Content-Type %q: accepted %v, want %v", tt.status, tt.contentType, got, tt.ok)
		}
	}
}

// The count of a protocol check counts exchanges, however many headers of one are wrong,
// and keeps the exchanges whose every problem rests on a guess apart, labelled.
func TestProtocolFindingsCountExchanges(t *testing.T) {
	s := &session{mode: ReadOnly}
	bare := func() *reply { return &reply{status: 200, header: http.Header{"Content-Type": {vnd}}} }
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
