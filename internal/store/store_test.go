package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

func randomStages(rng *rand.Rand, n int) []oppstages.Stage {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]oppstages.Stage, n)
	for i := range out {
		st := oppstages.Stage{ID: int64(i + 1), CreatedAt: base.Add(time.Duration(rng.IntN(50)) * time.Hour)}
		st.UpdatedAt = st.CreatedAt.Add(time.Duration(rng.IntN(50)) * time.Hour)
		if rng.IntN(5) > 0 {
			name := fmt.Sprintf("stage %d", rng.IntN(20))
			st.Name = &name
		}
		if rng.IntN(5) > 0 {
			order := int64(rng.IntN(30))
			st.Order = &order
		}
		if rng.IntN(5) > 0 {
			closed := rng.IntN(2) == 0
			st.IsClosed = &closed
		}
		out[i] = st
	}
	return out
}

// A page equals the same slice of a full sort, for random data, sorts, filters, page
// sizes and cursors, also after writes have changed records the indexes hold.
func TestListMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sorts := []string{"name", "-order,name", "isClosed,-updatedAt", "-id", "id", "createdAt,order,-name",
		"order", "-name", "updatedAt,name", "-createdAt", "name,-isClosed", "-updatedAt,-order"} // more index orders than maxIndexes
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 100 {
		s := New(randomStages(rng, 1+rng.IntN(120)), nil)
		for phase := range 6 {
			for range 4 {
				checkPage(t, fmt.Sprintf("round %d phase %d", round, phase), s, sorts[rng.IntN(len(sorts))], rng)
			}
			// Change the data under the indexes: creates, renames, reorders, deletes.
			for range rng.IntN(12) {
				stages, _, _ := s.Snapshot()
				switch op := rng.IntN(3); {
				case op == 0 || len(stages) == 0:
					name := fmt.Sprintf("stage %d", rng.IntN(20))
					s.Create(oppstages.StageAttributes{Name: oppstages.Set(name), Order: oppstages.Set(int64(rng.IntN(30)))}, 0, now.Add(time.Duration(rng.IntN(100))*time.Hour))
				case op == 1:
					attrs := oppstages.StageAttributes{Order: oppstages.Set(int64(rng.IntN(30)))}
					if rng.IntN(3) == 0 {
						attrs.Name = oppstages.Null[string]()
					}
					if _, err := s.Update(stages[rng.IntN(len(stages))].ID, attrs, now.Add(time.Duration(rng.IntN(100))*time.Hour)); err != nil {
						t.Fatal(err)
					}
				default:
					if err := s.Delete(stages[rng.IntN(len(stages))].ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

func checkPage(t *testing.T, label string, s *Store, sortSpec string, rng *rand.Rand) {
	t.Helper()
	stages, _, _ := s.Snapshot()
	sort, _ := query.ParseSort(sortSpec)
	q := query.List{Sort: sort, Size: 1 + rng.IntN(20), Count: true}
	if rng.IntN(2) == 0 {
		c, _ := query.ParseFilter(query.FieldOrder, fmt.Sprintf("%d..%d", rng.IntN(10), 10+rng.IntN(20)))
		q.Filters = append(q.Filters, c)
	}
	var want []oppstages.Stage
	for _, st := range stages {
		if query.MatchAll(q.Filters, &st) {
			want = append(want, st)
		}
	}
	slices.SortFunc(want, func(a, b oppstages.Stage) int { return sort.Compare(&a, &b) })
	start := 0
	if len(want) > 0 && rng.IntN(2) == 0 {
		start = rng.IntN(len(want))
		p := sort.PositionOf(&want[start])
		q.After = &p
		start++
	}
	page := s.List(q)
	end := min(start+q.Size, len(want))
	if diff := cmp.Diff(want[start:end], page.Stages, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("%s (sort %s, size %d, start %d): (-want +got):\n%s", label, sort, q.Size, start, diff)
	}
	if page.HasNext != (end < len(want)) || page.HasPrev != (start > 0) || page.Count != len(want) {
		t.Fatalf("%s: next %v prev %v count %d; want %v %v %d", label, page.HasNext, page.HasPrev, page.Count, end < len(want), start > 0, len(want))
	}
	if len(page.Stages) > 0 && rng.IntN(2) == 0 {
		// Walk back one page from this page's first record.
		p := sort.PositionOf(&page.Stages[0])
		back := s.List(query.List{Sort: sort, Size: q.Size, Filters: q.Filters, Before: &p})
		from := max(start-q.Size, 0)
		if diff := cmp.Diff(want[from:start], back.Stages, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s backwards: (-want +got):\n%s", label, diff)
		}
		if back.HasPrev != (from > 0) || back.HasNext != (start < len(want)) {
			t.Fatalf("%s backwards: prev %v next %v; want %v %v", label, back.HasPrev, back.HasNext, from > 0, start < len(want))
		}
	}
}

func TestCloneIsIndependent(t *testing.T) {
	seed := New(randomStages(rand.New(rand.NewPCG(3, 4)), 10), nil)
	a, b := seed.Clone(), seed.Clone()
	a.Create(oppstages.StageAttributes{}, 0, time.Now())
	if err := b.Delete(1); err != nil {
		t.Fatal(err)
	}
	if seed.Len() != 10 || a.Len() != 11 || b.Len() != 9 {
		t.Errorf("lens seed %d a %d b %d, want 10 11 9", seed.Len(), a.Len(), b.Len())
	}
	if _, err := a.Get(1); err != nil {
		t.Errorf("b's delete reached a: %v", err)
	}
}
