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
			s.observe(request{method: "GET", path: "/opportunityStages"}, a)
		}
		err := s.exchanges.rateLimit.err("rate-limit headers wrong", s.exchanges.exchanges)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want a finding with %q", tt.name, err, tt.want)
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
		s.observe(request{method: "GET", path: "/opportunityStages"}, answer(tt.status, tt.contentType, "1", "60"))
		if got := s.exchanges.contentType.count == 0; got != tt.ok {
			t.Errorf("%d with Content-Type %q: accepted %v, want %v", tt.status, tt.contentType, got, tt.ok)
		}
	}
}
