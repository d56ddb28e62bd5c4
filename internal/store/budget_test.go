package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/budget"
)

// Clones of one store share one budget: what they hold beyond the original is charged to
// it, a write it has no room for is refused and changes nothing, and deletes, a replace
// by the original and Release give the bytes back.
func TestClonesShareABudget(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	seed := New([]oppstages.Stage{{ID: 1, CreatedAt: now, UpdatedAt: now}}, nil)
	long := oppstages.StageAttributes{Name: oppstages.Set(strings.Repeat("n", 1000))}
	perStage := stageSize(&oppstages.Stage{Name: new(strings.Repeat("n", 1000))})
	pool := budget.New(3 * perStage)
	a, b := seed.CloneWithin(pool), seed.CloneWithin(pool)
	used := func() int64 { u, _ := pool.Usage(); return u }

	steps := []struct {
		name    string
		write   func() error
		refused bool
		used    int64
	}{
		{"a create in a", func() error { _, err := a.Create(long, 0, now); return err }, false, perStage},
		{"two in b", func() error {
			if _, err := b.Create(long, 0, now); err != nil {
				return err
			}
			_, err := b.Create(long, 0, now)
			return err
		}, false, 3 * perStage},
		{"a fourth, in either", func() error { _, err := a.Create(long, 0, now); return err }, true, 3 * perStage},
		{"an update that grows a stage", func() error { _, err := a.Update(1, long, now); return err }, true, 3 * perStage},
		{"a replace that grows a", func() error { return a.ReplaceWith(b) }, true, 3 * perStage},
		{"a delete in b gives back", func() error { return b.Delete(2) }, false, 2 * perStage},
		{"so a create fits again", func() error { _, err := a.Create(long, 0, now); return err }, false, 3 * perStage},
		{"a replace by the seed gives back all of a's", func() error { return a.ReplaceWith(seed) }, false, perStage},
		{"Release gives back b's", func() error { b.Release(); return nil }, false, 0},
	}
	for _, s := range steps {
		lenA, lenB := a.Len(), b.Len()
		err := s.write()
		if got := errors.Is(err, ErrOverBudget); got != s.refused || (err != nil && !s.refused) {
			t.Fatalf("%s: err %v, want refused %v", s.name, err, s.refused)
		}
		if s.refused && (a.Len() != lenA || b.Len() != lenB) {
			t.Errorf("%s: refused, yet the stores changed: %d, %d stages, were %d, %d", s.name, a.Len(), b.Len(), lenA, lenB)
		}
		if used() != s.used {
			t.Errorf("%s: budget holds %d bytes, want %d", s.name, used(), s.used)
		}
	}
	if seed.Len() != 1 {
		t.Errorf("the seed holds %d stages, want 1", seed.Len())
	}
}
