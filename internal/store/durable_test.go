package store

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

// recordingLog keeps the changes and checkpoints it is given and fails as a write log
// does: while failSyncs is set, a sync of a change not yet durable fails, and the failure
// refuses every later change until a checkpoint succeeds. A successful sync makes every
// change appended so far durable, as a shared sync does.
type recordingLog struct {
	changes     []Change
	checkpoints []State
	synced      int
	durable     uint64
	failSyncs   error
	err         error
}

func (l *recordingLog) Append(c Change) (uint64, error) {
	if l.err != nil {
		return 0, l.err
	}
	if c.Put != nil {
		st := *c.Put
		c.Put = &st
	}
	l.changes = append(l.changes, c)
	return uint64(len(l.changes)), nil
}

func (l *recordingLog) Sync(seq uint64) error {
	l.synced++
	switch {
	case seq <= l.durable:
		return nil
	case l.failSyncs != nil:
		l.err = l.failSyncs
	}
	if l.err != nil {
		return l.err
	}
	l.durable = uint64(len(l.changes))
	return nil
}

func (l *recordingLog) Durable() (uint64, error) { return l.durable, l.err }

func (l *recordingLog) Checkpoint(s State) error {
	l.checkpoints = append(l.checkpoints, State{Stages: slices.Clone(s.Stages), Users: slices.Clone(s.Users), NextID: s.NextID})
	l.durable, l.err = uint64(len(l.changes)), nil
	return nil
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
	if log.synced != len(log.changes) {
		t.Errorf("%d changes logged, %d waited for", len(log.changes), log.synced)
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

// A write whose change the log cannot make durable fails and leaves no trace: not in
// memory, not in the next snapshot. Later writes are refused, without touching memory,
// until a checkpoint succeeds.
func TestWriteTheLogLosesIsUndone(t *testing.T) {
	s := New(randomStages(rand.New(rand.NewPCG(1, 1)), 3), nil)
	log := &recordingLog{failSyncs: errors.New("disk full")}
	s.SetLog(log)
	before, _, beforeNext := s.Snapshot()
	unchanged := func(after string) {
		t.Helper()
		got, _, gotNext := s.Snapshot()
		if diff := cmp.Diff(before, got); diff != "" || gotNext != beforeNext {
			t.Errorf("after %s: stages (-before +after):\n%snext id %d, before %d", after, diff, gotNext, beforeNext)
		}
	}
	if _, err := s.Create(oppstages.StageAttributes{Name: oppstages.Set("Lost")}, 1, time.Now()); err == nil {
		t.Error("Create succeeded although its change could not be made durable")
	}
	unchanged("a failed create")
	if _, err := s.Update(1, oppstages.StageAttributes{Name: oppstages.Set("Lost")}, time.Now()); err == nil {
		t.Error("Update succeeded after the log failed")
	}
	unchanged("a refused update")
	if err := s.Delete(2); err == nil {
		t.Error("Delete succeeded after the log failed")
	}
	unchanged("a refused delete")
	if len(log.changes) != 1 {
		t.Errorf("%d changes logged, want 1 (writes after the failure are refused first)", len(log.changes))
	}

	log.failSyncs = nil
	if err := s.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, log.checkpoints[0].Stages); diff != "" || log.checkpoints[0].NextID != beforeNext {
		t.Errorf("the snapshot after the failure holds a lost write (-before +snapshot):\n%s", diff)
	}
	st, err := s.Create(oppstages.StageAttributes{}, 1, time.Now())
	if err != nil {
		t.Fatalf("a write after a successful checkpoint: %v", err)
	}
	if st.ID != beforeNext {
		t.Errorf("new stage has id %d, want %d (the lost create's id was never acknowledged)", st.ID, beforeNext)
	}
	if err := s.Delete(99); !isNotFound(err) {
		t.Errorf("deleting a missing stage: %v, want not found", err)
	}
	if s.Clone().log != nil {
		t.Error("a clone shares its origin's log")
	}
}

// Writers append in turn and sync together. When a sync fails, every write after the last
// durable one is lost, and they are undone newest first, whichever writer notices: a
// stage created, updated and deleted in the lost writes leaves nothing behind, and the
// sort indexes stay right.
func TestLostWritesAreUndoneNewestFirst(t *testing.T) {
	for _, checkpointFirst := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(5, 6))
		now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		s := New(randomStages(rng, 30), nil)
		s.List(query.List{Sort: mustSort(t, "-order,name"), Size: 10}) // an index the undo must keep current
		log := &recordingLog{}
		s.SetLog(log)
		// Durable writes: one sync covers them all.
		waits := randomWrites(t, rng, s, 60, now)
		if err := waits[len(waits)/2](); err != nil {
			t.Fatal(err)
		}
		want, _, wantNext := s.Snapshot()
		lost := randomWrites(t, rng, s, 60, now)
		first := -1
		if checkpointFirst {
			// A sync failed, and before any writer noticed, a checkpoint ran: it must
			// hold the records without the lost writes. The log counts everything durable
			// after it; the writers must still fail.
			log.err = errors.New("disk full")
			if err := s.Checkpoint(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, log.checkpoints[len(log.checkpoints)-1].Stages); diff != "" {
				t.Errorf("the checkpoint after the loss (-durable +snapshot):\n%s", diff)
			}
		} else {
			log.failSyncs = errors.New("disk full")
			first = rng.IntN(len(lost))
			if err := lost[first](); err == nil {
				t.Fatal("a lost write succeeded")
			}
		}
		for i, wait := range lost {
			if i != first {
				if err := wait(); err == nil {
					t.Errorf("checkpoint first %v: lost write %d of %d answered success", checkpointFirst, i, len(lost))
				}
			}
		}
		for _, wait := range waits {
			if err := wait(); err != nil {
				t.Errorf("a durable write answered %v", err)
			}
		}
		got, _, gotNext := s.Snapshot()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("checkpoint first %v: records after the loss (-durable +memory):\n%s", checkpointFirst, diff)
		}
		if gotNext != wantNext {
			t.Errorf("next id %d, want %d", gotNext, wantNext)
		}
		assertListsMatch(t, s, "-order,name")
		if len(s.unsynced) != 0 {
			t.Errorf("%d undone writes still kept", len(s.unsynced))
		}
	}
}

// randomWrites applies n random creates, updates and deletes to s, mostly of the same few
// stages, without waiting for the log, and returns their waits.
func randomWrites(t *testing.T, rng *rand.Rand, s *Store, n int, now time.Time) []func() error {
	t.Helper()
	var waits []func() error
	for i := range n {
		var wait func() error
		var err error
		switch _, _, next := s.Snapshot(); rng.IntN(3) {
		case 0:
			_, wait, err = s.create(oppstages.StageAttributes{Name: oppstages.Set("new"), Order: oppstages.Set(int64(i % 7))}, 1, now)
		case 1:
			_, wait, err = s.update(next-1-int64(rng.IntN(5)), oppstages.StageAttributes{Order: oppstages.Set(int64(i % 11))}, now.Add(time.Duration(i)*time.Second))
		default:
			wait, err = s.delete(next - 1 - int64(rng.IntN(5)))
		}
		switch {
		case isNotFound(err):
		case err != nil:
			t.Fatal(err)
		default:
			waits = append(waits, wait)
		}
	}
	return waits
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

// Ids stop at oppstages.MaxID: a create past it fails with a clear error and changes
// nothing, whether the store was restored or replayed up to there.
func TestIdsStopAtTheLargest(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	near := oppstages.Stage{ID: oppstages.MaxID - 1, CreatedAt: now, UpdatedAt: now}
	restored := Restore([]oppstages.Stage{near}, nil, 0)
	replayed := New(nil, nil)
	replayed.Apply(Change{Put: &near})
	for name, s := range map[string]*Store{"restored": restored, "replayed": replayed} {
		st, err := s.Create(oppstages.StageAttributes{}, 1, now)
		if err != nil || st.ID != oppstages.MaxID {
			t.Fatalf("%s: last create gave %d, %v; want id %d", name, st.ID, err, oppstages.MaxID)
		}
		before, _, beforeNext := s.Snapshot()
		for range 2 {
			_, err := s.Create(oppstages.StageAttributes{}, 1, now)
			e, ok := errors.AsType[*oppstages.Error](err)
			if !ok || e.Code != oppstages.CodeValidationError || !strings.Contains(e.Detail, "9007199254740991") {
				t.Errorf("%s: create past the largest id: %v, want a validation error naming the limit", name, err)
			}
		}
		after, _, afterNext := s.Snapshot()
		if diff := cmp.Diff(before, after); diff != "" || afterNext != beforeNext {
			t.Errorf("%s: a refused create changed the store (-before +after):\n%s", name, diff)
		}
		if _, err := s.Get(oppstages.MaxID); err != nil {
			t.Errorf("%s: the last stage: %v", name, err)
		}
	}
}
