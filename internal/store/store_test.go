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
	q := query.List{Sort: sort, Size: 1 + rng.IntN(20), Count: true, Filters: randomFilters(rng, sort)}
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
	if rng.IntN(4) == 0 {
		offset := rng.IntN(len(want) + 3)
		off := q
		off.Offset = &query.OffsetPage{Offset: offset, Limit: q.Size}
		page := s.List(off)
		end := min(offset+q.Size, len(want))
		if diff := cmp.Diff(want[min(offset, len(want)):end], page.Stages, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%s (sort %s, offset %d, limit %d): (-want +got):\n%s", label, sort, offset, q.Size, diff)
		}
		if page.Count != len(want) || page.HasNext != (end < len(want)) {
			t.Fatalf("%s offset page: count %d next %v; want %d %v", label, page.Count, page.HasNext, len(want), end < len(want))
		}
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

// randomFilters picks filters for a list in sortBy: often comparisons on its first key,
// so that the scan window is narrowed, and sometimes a classic range or a null test.
func randomFilters(rng *rand.Rand, sortBy query.Sort) []query.Condition {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	value := func(f query.Field) string {
		switch f {
		case query.FieldName:
			return fmt.Sprintf("stage %d", rng.IntN(22))
		case query.FieldCreatedAt, query.FieldUpdatedAt:
			t := base.Add(time.Duration(rng.IntN(110)) * time.Hour)
			if rng.IntN(4) == 0 {
				return t.Format(time.DateOnly)
			}
			return t.Format(time.RFC3339)
		case query.FieldID:
			return fmt.Sprint(rng.IntN(140))
		default:
			return fmt.Sprint(rng.IntN(32) - 1)
		}
	}
	var conds []query.Condition
	if first := sortBy.WithIDTiebreak()[0].Field; query.Ordered(first) {
		for range rng.IntN(3) {
			c, err := query.ParseComparison(first, query.Comparisons[rng.IntN(len(query.Comparisons))], value(first))
			if err != nil {
				panic(err)
			}
			conds = append(conds, c)
		}
	}
	switch rng.IntN(4) {
	case 0:
		c, _ := query.ParseFilter(query.FieldOrder, fmt.Sprintf("%d..%d", rng.IntN(10), 10+rng.IntN(20)))
		conds = append(conds, c)
	case 1:
		fields := []query.Field{query.FieldName, query.FieldOrder, query.FieldIsClosed}
		test := []string{query.NullValue, query.NotNullValue}[rng.IntN(2)]
		c, _ := query.ParseFilter(fields[rng.IntN(len(fields))], test)
		conds = append(conds, c)
	}
	return conds
}
