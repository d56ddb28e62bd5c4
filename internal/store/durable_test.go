package store

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

// recordingLog keeps the changes and checkpoints it is given; waits fail with fail.
type recordingLog struct {
	changes     []Change
	checkpoints []State
	waited      int
	fail        error
}

func (l *recordingLog) Append(c Change) func() error {
	if c.Put != nil {
		st := *c.Put
		c.Put = &st
	}
	l.changes = append(l.changes, c)
	return func() error { l.waited++; return l.fail }
}

func (l *recordingLog) Checkpoint(s State) error {
	l.checkpoints = append(l.checkpoints, s)
	return l.fail
}

// Replaying the logged changes onto the starting records gives the records the writes
// made, with sort indexes kept right; replaying them a second time changes nothing.
func TestReplayedChangesRebuildTheStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	start := randomStages(rng, 40)
	live := New(start, nil)
	log := &recordingLog{}
	live.SetLog(log)
	for i := range 300 {
		id := int64(1 + rng.IntN(60))
		var err error
		switch rng.IntN(3) {
		case 0:
			_, err = live.Create(oppstages.StageAttributes{Name: oppstages.Set("new"), Order: oppstages.Set(int64(i % 7))}, 1, now)
		case 1:
			_, err = live.Update(id, oppstages.StageAttributes{Order: oppstages.Set(int64(i % 11))}, now.Add(time.Duration(i)*time.Second))
		default:
			err = live.Delete(id)
		}
		if err != nil && !isNotFound(err) {
			t.Fatal(err)
		}
	}
	if log.waited != len(log.changes) {
		t.Errorf("%d changes logged, %d waited for", len(log.changes), log.waited)
	}
	want, _, wantNext := live.Snapshot()
	for pass := range 2 {
		replayed := New(start, nil)
		replayed.List(query.List{Sort: mustSort(t, "-order,name"), Size: 10}) // an index the replay must keep current
		for range pass + 1 {
			for _, c := range log.changes {
				replayed.Apply(c)
			}
		}
		got, _, gotNext := replayed.Snapshot()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("pass %d: replayed records (-live +replayed):\n%s", pass, diff)
		}
		if gotNext != wantNext {
			t.Errorf("pass %d: next id %d, want %d", pass, gotNext, wantNext)
		}
		assertListsMatch(t, replayed, "-order,name")
	}
}

func TestWriteWaitsForTheLog(t *testing.T) {
	s := New(randomStages(rand.New(rand.NewPCG(1, 1)), 3), nil)
	log := &recordingLog{fail: errors.New("disk full")}
	s.SetLog(log)
	if _, err := s.Create(oppstages.StageAttributes{}, 1, time.Now()); err == nil {
		t.Error("Create succeeded although its change could not be made durable")
	}
	if _, err := s.Update(1, oppstages.StageAttributes{}, time.Now()); err == nil {
		t.Error("Update succeeded although its change could not be made durable")
	}
	if err := s.Delete(2); err == nil {
		t.Error("Delete succeeded although its change could not be made durable")
	}
	if err := s.Delete(99); !isNotFound(err) {
		t.Errorf("deleting a missing stage: %v, want not found", err)
	}
	if len(log.changes) != 3 {
		t.Errorf("%d changes logged, want 3 (a missing stage logs nothing)", len(log.changes))
	}
	if s.Clone().log != nil {
		t.Error("a clone shares its origin's log")
	}
}

func TestReplaceWithCheckpoints(t *testing.T) {
	s := New(randomStages(rand.New(rand.NewPCG(1, 2)), 5), nil)
	log := &recordingLog{}
	s.SetLog(log)
	other := New(randomStages(rand.New(rand.NewPCG(9, 9)), 2), []oppstages.User{{ID: 1}})
	if err := s.ReplaceWith(other); err != nil {
		t.Fatal(err)
	}
	if len(log.checkpoints) != 1 || len(log.checkpoints[0].Stages) != 2 || len(log.checkpoints[0].Users) != 1 {
		t.Fatalf("checkpoints %+v", log.checkpoints)
	}
	if _, err := s.Create(oppstages.StageAttributes{}, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if other.Len() != 2 {
		t.Errorf("a write after ReplaceWith reached the store replaced from: %d stages", other.Len())
	}
}

func isNotFound(err error) bool {
	e, ok := errors.AsType[*oppstages.Error](err)
	return ok && e.Code == oppstages.CodeResourceNotFound
}

func mustSort(t *testing.T, raw string) query.Sort {
	t.Helper()
	s, err := query.ParseSort(raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertListsMatch compares a one-page list in the sort with the same records sorted
// from scratch.
func assertListsMatch(t *testing.T, s *Store, sortBy string) {
	t.Helper()
	stages, _, _ := s.Snapshot()
	fresh := New(stages, nil)
	q := query.List{Sort: mustSort(t, sortBy), Size: 1000}
	if diff := cmp.Diff(fresh.List(q).Stages, s.List(q).Stages); diff != "" {
		t.Errorf("index after replay (-fresh +replayed):\n%s", diff)
	}
}
