package mock_test

import (
	"bytes"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

func TestSameSeedSameBytes(t *testing.T) {
	targets := []string{
		listTarget("page[size]", "25", "sort", "-name", "count", "true", "include", "creator"),
		listTarget("filter[isClosed]", "true", "page[size]", "3"),
		stages + "/40",
	}
	responses := func(seed uint64) [][]byte {
		_, c := newServer(t, mock.Options{Seed: seed, Generate: 60})
		var out [][]byte
		for _, target := range targets {
			out = append(out, c.Get(target).Body)
		}
		out = append(out, c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`).Body)
		// Follow a next link, which carries a signed cursor.
		out = append(out, c.Get(nextTarget(t, decodeList(t, c.Get(targets[0])).Links.Next)).Body)
		return out
	}
	a, b, other := responses(42), responses(42), responses(43)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("response %d differs between two servers with seed 42:\n%s\n%s", i, a[i], b[i])
		}
	}
	if bytes.Equal(a[0], other[0]) {
		t.Error("seeds 42 and 43 generated the same stages")
	}
}

func TestGeneratedStagesLookReal(t *testing.T) {
	_, c := newServer(t, mock.Options{Seed: 5, Generate: 200})
	doc := decodeList(t, c.Get(listTarget("page[size]", "1000", "filter[id]", "9..inf")))
	if len(doc.Data) != 200 {
		t.Fatalf("%d generated stages, want 200", len(doc.Data))
	}
	closed := 0
	for _, st := range doc.Data {
		a := st.Attributes
		if a.Name == nil || *a.Name == "" || a.Color == nil || len(*a.Color) != 7 || (*a.Color)[0] != '#' || a.Order == nil || a.IsClosed == nil {
			t.Fatalf("stage %d is incomplete: %+v", st.ID, a)
		}
		if *a.IsClosed {
			closed++
		}
		if a.UpdatedAt < a.CreatedAt {
			t.Errorf("stage %d updated %s before it was created %s", st.ID, a.UpdatedAt, a.CreatedAt)
		}
	}
	if closed == 0 || closed > 100 {
		t.Errorf("%d of 200 generated stages closed; want some, not most", closed)
	}
}
