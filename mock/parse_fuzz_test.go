package mock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/headerfield"
	"github.com/oppstages/oppstages/internal/pathpattern"
)

// Parsers of the mock's own inputs: each accepts or rejects, never panics, and what it
// accepts is well-formed.

func FuzzParsePrefer(f *testing.F) {
	for _, s := range []string{"code=429", "code=404, example=routeNotFound", "example=\"x\"", "return=minimal; code=500", "code=", ",,;;", "code=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parsePrefer([]string{v})
		if err != nil {
			if err.Code.Status() != 400 {
				t.Fatalf("status %d", err.Code.Status())
			}
			return
		}
		_ = p
	})
}

func FuzzParseLatency(f *testing.F) {
	for _, s := range []string{"", "0", "50ms", "20ms-200ms", "-1s", "1h-2h", "5ms-1ms", "1e3ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLatency(s)
		if err != nil {
			return
		}
		if l.Min < 0 || l.Max < l.Min || l.Max > MaxDelay {
			t.Fatalf("ParseLatency(%q) = %+v, out of bounds", s, l)
		}
		back, err := ParseLatency(l.String())
		if err != nil || back != l {
			t.Fatalf("%q -> %s does not round-trip: %+v %v", s, l, back, err)
		}
	})
}

func FuzzParseFaultRule(f *testing.F) {
	for _, s := range []string{
		`{"method":"GET","path":"/api/v2/opportunityStages/*","status":503,"times":1,"probability":0.5}`,
		`{"drop":true}`, `{"delay":"1s","operationId":"getUser"}`, `{"status":500,"body":{"errors":[]}}`,
		`{"status":500,"example":"maintenance","headers":{"Retry-After":"3"}}`, `[]`, `{"times":-1}`, `{"example":"maintenance"}`,
		`{"drop":"after"}`, `{"drop":"before","times":1}`, `{"drop":"sideways"}`, `{"expireToken":true}`, `{"expireToken":true,"status":401}`,
	} {
		f.Add(s)
	}
	ops := []string{"getUser", "listOpportunityStages"}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := parseFaultRule([]byte(body), ops, func(name string) (int, bool) { return 503, name == "maintenance" })
		if err != nil {
			return
		}
		if r.Status == 0 && r.Drop == "" && r.Delay == nil && !r.ExpireToken {
			t.Fatal("accepted a rule that does nothing")
		}
		if r.Drop != "" && r.Drop != DropBefore && r.Drop != DropAfter {
			t.Fatalf("accepted drop %q", r.Drop)
		}
		if r.ExpireToken && (r.Status != 0 || r.Drop != "" || r.Delay != nil) {
			t.Fatalf("accepted expireToken beside another action: %s", body)
		}
		if r.Times != nil && *r.Times < 1 || r.Probability != nil && (*r.Probability < 0 || *r.Probability > 1) {
			t.Fatalf("accepted out-of-range times or probability: %s", body)
		}
		if r.Path != "" && !pathpattern.Valid(r.Path) {
			t.Fatalf("accepted path %q", r.Path)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("accepted rule does not encode: %v", err)
		}
	})
}

func FuzzSettingsPatch(f *testing.F) {
	for _, s := range []string{`{"skuDisabled":true}`, `{"rateLimit":5,"rateWindow":"1m"}`, `{"latency":"1ms-2ms","errorRate":0.5}`, `{"errorRate":-1}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var p SettingsPatch
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.DisallowUnknownFields()
		if dec.Decode(&p) != nil {
			return
		}
		next := p.apply(Options{}.withDefaults().settings())
		if next.check() == nil {
			if next.ErrorRate < 0 || next.ErrorRate > 1 || next.RateLimit < 0 || next.RateWindow.D <= 0 {
				t.Fatalf("check accepted %+v", next)
			}
		}
	})
}

// FuzzParseErrorResponse: a user's errors/NAME.json either parses to a documented status
// with a JSON body, or is refused with a message.
func FuzzParseErrorResponse(f *testing.F) {
	for _, s := range []string{`{"status":503,"headers":{"Retry-After":"30"},"body":{"errors":[{"id":"x"}]}}`, `{"status":0}`, `{"status":99999}`, `{"body":[]}`, `{"extra":1}`, `null`, `{"status":429,"body":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := fixtures.ParseErrorResponse(raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("refused without a reason")
			}
			return
		}
		if len(e.Body) > 0 && !json.Valid(e.Body) {
			t.Fatalf("%s parsed to a body that is not JSON: %s", raw, e.Body)
		}
		for k, v := range e.Headers {
			if !headerfield.ValidName(k) || !headerfield.ValidValue(v) {
				t.Fatalf("%s parsed to a header HTTP cannot carry: %q: %q", raw, k, v)
			}
		}
	})
}
