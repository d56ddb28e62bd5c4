package mock

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/headerfield"
	"github.com/oppstages/oppstages/internal/jsonapi"
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
	} {
		f.Add(s)
	}
	ops := []string{"getUser", "listOpportunityStages"}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := parseFaultRule([]byte(body), ops, func(name string) (int, bool) { return 503, name == "maintenance" })
		if err != nil {
			return
		}
		if r.Status == 0 && !r.Drop && r.Delay == nil {
			t.Fatal("accepted a rule that does nothing")
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

func FuzzDecodeState(f *testing.F) {
	data, err := fixtures.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(jsonapi.AppendRecords(nil, "http://x", jsonapi.Records{Stages: data.Stages, Users: data.Users, NextID: 20})))
	f.Add(`{"data":[],"included":[{"type":"user","id":1}]}`)
	f.Add(`{"data":[{"type":"opportunityStage","id":3,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"},"relationships":{"creator":{"data":{"type":"user","id":9}}}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		st, err := decodeState([]byte(doc), nil)
		if err != nil {
			return
		}
		again, err := decodeState(encodeState(st, "http://x"), nil)
		if err != nil {
			t.Fatalf("an accepted state does not re-load: %v", err)
		}
		if !bytes.Equal(encodeState(st, "http://x"), encodeState(again, "http://x")) {
			t.Fatal("state does not round-trip")
		}
	})
}

// FuzzDecodeChange: a write-log record either decodes to one change, a stage to put or an
// id to delete, which encodes back to a record that decodes to the same change; or it is
// refused, which stops start-up rather than replaying a guess.
func FuzzDecodeChange(f *testing.F) {
	for _, s := range []string{`{"delete":7}`, `{"delete":0}`, `{"put":{"type":"opportunityStage","id":3,"attributes":{"name":"x","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}}`,
		`{"put":null,"delete":2}`, `{"put":{},"delete":1}`, `{}`, `[]`, `{"delete":-1}`, `{"delete":1e3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := decodeChange(payload)
		if err != nil {
			return
		}
		if (c.Put == nil) == (c.Deleted == 0) {
			t.Fatalf("%s decoded to %+v: want exactly one of put and delete", payload, c)
		}
		again, err := decodeChange(encodeChange(c))
		if err != nil {
			t.Fatalf("%s: its own encoding %s does not decode: %v", payload, encodeChange(c), err)
		}
		if again.Deleted != c.Deleted || (again.Put == nil) != (c.Put == nil) || c.Put != nil && again.Put.ID != c.Put.ID {
			t.Fatalf("%s: %+v encodes and decodes to %+v", payload, c, again)
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
