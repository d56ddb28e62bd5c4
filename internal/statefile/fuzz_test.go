package statefile

import (
	"bytes"
	"testing"

	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// FuzzDecodeState: a state document either loads, and then what Encode writes of it
// loads to the same records, or it is refused.
func FuzzDecodeState(f *testing.F) {
	data, err := fixtures.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(jsonapi.AppendRecords(nil, "http://x", jsonapi.Records{Stages: data.Stages, Users: data.Users, NextID: 20})))
	f.Add(`{"data":[],"included":[{"type":"user","id":1}]}`)
	f.Add(`{"data":[{"type":"opportunityStage","id":3,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"},"relationships":{"creator":{"data":{"type":"user","id":9}}}}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		st, err := Decode([]byte(doc), nil)
		if err != nil {
			return
		}
		again, err := Decode(Encode(st, "http://x"), nil)
		if err != nil {
			t.Fatalf("an accepted state does not re-load: %v", err)
		}
		if !bytes.Equal(Encode(st, "http://x"), Encode(again, "http://x")) {
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
