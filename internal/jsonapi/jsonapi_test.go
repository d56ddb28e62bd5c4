package jsonapi

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "\x00\x1f\n\t", "héllo ☃", "\xff\xfe", "<script>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, out, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	})
}

func TestRecordsRoundTrip(t *testing.T) {
	name, color := "Discovery", "#112233"
	order, closed := int64(3), false
	ts := time.Date(2024, 1, 5, 10, 0, 0, 123e6, time.UTC)
	want := Records{
		Stages: []oppstages.Stage{
			{ID: 3, Name: &name, Color: &color, Order: &order, IsClosed: &closed, CreatorID: 1, CreatedAt: ts, UpdatedAt: ts.Add(time.Hour)},
			{ID: 4, CreatedAt: ts, UpdatedAt: ts},
		},
		Users:  []oppstages.User{{ID: 1, FirstName: "Dana", LastName: "W", Email: "d@example.com", CreatedAt: ts, UpdatedAt: ts}},
		NextID: 12,
	}
	doc := AppendRecords(nil, "http://x", want)
	got, err := DecodeRecords(doc)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func FuzzDecodeWrite(f *testing.F) {
	f.Add(`{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"x","order":1.0,"isClosed":null}}}`)
	f.Add(`{"data":{"attributes":{"order":1e300}}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := DecodeWrite([]byte(body))
		if err != nil {
			if s := err.Code.Status(); s != 400 && s != 422 {
				t.Fatalf("status %d", s)
			}
			return
		}
		var st oppstages.Stage
		req.Attrs.Apply(&st)
	})
}

func FuzzDecodeRecords(f *testing.F) {
	f.Add(`{"data":[{"type":"opportunityStage","id":1,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}}]}`)
	f.Add(`{"data":[{"type":"user","id":1,"attributes":{"firstName":"a"}}],"included":[]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		recs, err := DecodeRecords([]byte(doc))
		if err != nil {
			return
		}
		again, err := DecodeRecords(AppendRecords(nil, "http://x", recs))
		if err != nil {
			t.Fatalf("re-encoded records do not decode: %v", err)
		}
		if len(again.Stages) != len(recs.Stages) || len(again.Users) != len(recs.Users) {
			t.Fatalf("round trip lost records")
		}
	})
}

func FuzzAppendTime(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1704448800), int64(123456789))
	f.Add(int64(253402300799), int64(999999999))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		ts := time.Unix(sec, nsec%1e9)
		got := string(appendTime(nil, ts))
		want := `"` + ts.UTC().Format(oppstages.TimeFormat) + `"`
		if got != want {
			t.Fatalf("appendTime(%v) = %s, want %s", ts, got, want)
		}
	})
}

// Ids run from 1 to oppstages.MaxID, and meta.nextId to one past it, so that the next id
// never wraps past the largest int64 and every id survives a JavaScript client.
func TestRecordsIdRange(t *testing.T) {
	stage := func(id string) string {
		return `{"type":"opportunityStage","id":` + id + `,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}}`
	}
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"largest id", `{"data":[` + stage("9007199254740991") + `]}`, true},
		{"id past the largest", `{"data":[` + stage("9007199254740992") + `]}`, false},
		{"id near the largest int64", `{"data":[` + stage("9223372036854775806") + `]}`, false},
		{"id 0", `{"data":[` + stage("0") + `]}`, false},
		{"user id past the largest", `{"data":[],"included":[{"type":"user","id":9007199254740992}]}`, false},
		{"nextId one past the largest id", `{"data":[],"meta":{"nextId":9007199254740992}}`, true},
		{"nextId further", `{"data":[],"meta":{"nextId":9007199254740993}}`, false},
		{"nextId negative", `{"data":[],"meta":{"nextId":-5}}`, false},
	}
	for _, tt := range tests {
		_, err := DecodeRecords([]byte(tt.doc))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	if _, err := DecodeStage([]byte(stage("9007199254740992"))); err == nil {
		t.Error("DecodeStage took an id past the largest")
	}
}
