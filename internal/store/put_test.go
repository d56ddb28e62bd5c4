package store

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/budget"
	"github.com/oppstages/oppstages/internal/query"
)

func named(id int64, name string, order int64) oppstages.Stage {
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	return oppstages.Stage{ID: id, Name: &name, Order: &order, CreatedAt: at, UpdatedAt: at}
}

// Put replaces a stage by its id or adds one in id order, the later of two with one id
// staying; the sort indexes follow, and ids up to the largest put are never given out.
func TestPutCreatesAndReplaces(t *testing.T) {
	s := New([]oppstages.Stage{named(1, "One", 1), named(5, "Five", 5)}, nil)
	s.List(query.List{Sort: mustSort(t, "-order,name"), Size: 10}) // an index Put must keep current
	if err := s.Put(named(5, "Five again", 0), named(3, "Three", 3), named(9, "Nine, first", 9), named(9, "Nine", 9)); err != nil {
		t.Fatal(err)
	}
	got, _, next := s.Snapshot()
	want := []oppstages.Stage{named(1, "One", 1), named(3, "Three", 3), named(5, "Five again", 0), named(9, "Nine", 9)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if next != 10 {
		t.Errorf("next id %d, want 10", next)
	}
	assertListsMatch(t, s, "-order,name")
	created, err := s.Create(oppstages.StageAttributes{}, 0, time.Now())
	if err != nil || created.ID != 10 {
		t.Errorf("a create after Put: id %d, %v; want 10", created.ID, err)
	}
}

// Put logs one change per stage, which replays to the same records.
func TestPutIsLoggedAndReplays(t *testing.T) {
	start := randomStages(rand.New(rand.NewPCG(5, 6)), 10)
	s := New(start, nil)
	log := &recordingLog{}
	s.SetLog(log)
	if err := s.Put(named(2, "Replaced", 1), named(40, "Added", 2)); err != nil {
		t.Fatal(err)
	}
	if len(log.changes) != 2 || log.synced != 2 {
		t.Fatalf("%d changes logged and %d waited for, want 2 and 2", len(log.changes), log.synced)
	}
	replayed := New(start, nil)
	for _, c := range log.changes {
		replayed.Apply(c)
	}
	want, _, wantNext := s.Snapshot()
	got, _, gotNext := replayed.Snapshot()
	if diff := cmp.Diff(want, got); diff != "" || gotNext != wantNext {
		t.Errorf("replayed (-live +replayed):\n%snext id %d, want %d", diff, gotNext, wantNext)
	}
}

// A Put the budget has no room for stores none of its stages and charges nothing; one
// that replaces stages with smaller ones gives bytes back.
func TestPutIsRefusedWholeOverBudget(t *testing.T) {
	seed := New([]oppstages.Stage{named(1, "One", 1)}, nil)
	long := strings.Repeat("n", 1000)
	perStage := stageSize(&oppstages.Stage{Name: &long})
	pool := budget.New(2 * perStage)
	s := seed.CloneWithin(pool)
	used := func() int64 { u, _ := pool.Usage(); return u }
	if err := s.Put(named(2, long, 2), named(3, long, 3), named(4, long, 4)); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("three long stages in room for two: %v, want ErrOverBudget", err)
	}
	if s.Len() != 1 || used() != 0 {
		t.Errorf("a refused Put left %d stages and %d bytes charged, want 1 and 0", s.Len(), used())
	}
	if err := s.Put(named(2, long, 2), named(3, long, 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(named(4, long, 4)); !errors.Is(err, ErrOverBudget) {
		t.Fatalf("a third long stage: %v, want ErrOverBudget", err)
	}
	if err := s.Put(named(2, "short", 2), named(3, "short", 3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(named(4, long, 4)); err != nil {
		t.Errorf("a long stage once the others were made short: %v", err)
	}
}

// A Put whose changes the log loses is undone, as any write is; with the log refusing
// outright, nothing is stored and nothing stays charged.
func TestPutTheLogLosesIsUndone(t *testing.T) {
	pool := budget.New(1 << 20)
	s := New([]oppstages.Stage{named(1, "One", 1)}, nil).CloneWithin(pool)
	log := &recordingLog{failSyncs: errors.New("disk full")}
	s.SetLog(log)
	if err := s.Put(named(1, "Lost", 1), named(2, "Lost too", 2)); err == nil {
		t.Fatal("Put succeeded although its changes could not be made durable")
	}
	got, _, next := s.Snapshot()
	if diff := cmp.Diff([]oppstages.Stage{named(1, "One", 1)}, got); diff != "" || next != 2 {
		t.Errorf("after a lost Put (-before +after):\n%snext id %d, want 2", diff, next)
	}
	if err := s.Put(named(3, "Refused", 3)); err == nil {
		t.Error("Put succeeded while the log refuses every change")
	}
	if u, _ := pool.Usage(); u != 0 || s.Len() != 1 {
		t.Errorf("after refused Puts: %d bytes charged, %d stages; want 0 and 1", u, s.Len())
	}
}
