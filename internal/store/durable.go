package store

import (
	"errors"
	"slices"
	"sync/atomic"

	"github.com/oppstages/oppstages"
)

// Log makes a store's writes durable. The store appends each change with its write lock
// held, before it applies the change, so the log's order is the store's; it waits for the
// change to be durable after releasing the lock, so that writers waiting at once can share
// one sync. It checkpoints with the write lock held too, so that the State it hands over
// holds every change appended before. A change the log loses is undone, so that memory
// never holds a write the disk does not.
//
// The store's lock orders what the store hands over and guards nothing of the Log's: a
// Log's methods are safe for concurrent use on their own.
type Log interface {
	// Append records one change and returns its sequence number. An error means the change
	// was not recorded; the store does not apply it.
	Append(Change) (seq uint64, err error)
	// Sync returns once the change numbered seq, and every one before it, is durable.
	Sync(seq uint64) error
	// Durable returns the number of the last durable change and, after a failed write to
	// the log, the failure: every change after that one is lost.
	Durable() (seq uint64, err error)
	// Checkpoint makes the whole state durable at once, so that the changes appended
	// before it are no longer needed.
	Checkpoint(State) error
}

// Change is one write: a stage created or updated (Put, with all its values), or deleted
// (Deleted, its id). Applying the same changes again, in order, gives the same records.
type Change struct {
	Put     *oppstages.Stage
	Deleted int64
}

// State is everything a store holds. Its slices belong to the store: read, never modify.
type State struct {
	Stages []oppstages.Stage
	Users  []oppstages.User
	NextID int64
}

// SetLog makes every later write wait for log before it returns. Clones do not share it.
func (s *Store) SetLog(log Log) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = log
}

// unsynced is a write applied in memory whose change the log may not hold durably yet,
// with what undoes it.
type unsynced struct {
	seq    uint64
	id     int64            // the stage written
	before *oppstages.Stage // the stage before the write; nil when the write created it
	nextID int64            // the next id before the write
	undone atomic.Bool
}

// errUndone is what a write whose change the log lost answers, when a checkpoint taken
// after the loss made the log count it durable (the checkpoint holds the store without it).
var errUndone = errors.New("the write log failed before this write reached the disk; the write was undone")

// record hands a change to the log before the store applies it; before is the stage as
// the write finds it (nil for a create). The caller holds the write lock and calls the
// result after releasing it. When the log loses the change, the result undoes it (and
// every later one) before it returns the failure.
func (s *Store) record(c Change, before *oppstages.Stage) (wait func() error, err error) {
	if s.log == nil {
		return done, nil
	}
	log := s.log
	seq, err := log.Append(c)
	if err != nil {
		return nil, err
	}
	w := &unsynced{seq: seq, id: c.Deleted, before: before, nextID: s.nextID}
	if c.Put != nil {
		w.id = c.Put.ID
	}
	s.unsynced = append(s.unsynced, w)
	return func() error {
		if err := log.Sync(seq); err != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.settle()
			return err
		}
		if w.undone.Load() {
			return errUndone
		}
		return nil
	}, nil
}

func done() error { return nil }

// settle forgets the writes whose changes are durable. After a failed log write it undoes
// the others, newest first, so that memory holds what the disk does, and returns the
// failure. The caller holds the write lock.
func (s *Store) settle() error {
	if s.log == nil {
		return nil
	}
	durable, err := s.log.Durable()
	n := 0
	for n < len(s.unsynced) && s.unsynced[n].seq <= durable {
		n++
	}
	s.unsynced = slices.Delete(s.unsynced, 0, n)
	if err == nil {
		return nil
	}
	for i := len(s.unsynced) - 1; i >= 0; i-- {
		w := s.unsynced[i]
		if w.before != nil {
			s.put(*w.before)
		} else {
			s.remove(w.id)
		}
		s.nextID = w.nextID
		w.undone.Store(true)
	}
	s.unsynced = slices.Delete(s.unsynced, 0, len(s.unsynced))
	return err
}

// Apply replays a change recorded earlier, without logging it again: a Put stores the
// stage as given (and keeps its id from being given out again), a Delete removes the stage
// if it is there.
func (s *Store) Apply(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Put != nil {
		s.put(*c.Put)
		s.nextID = max(s.nextID, c.Put.ID+1)
		return
	}
	s.remove(c.Deleted)
}

// put stores st in place of the stage with its id, or inserts it in id order. The caller
// holds the write lock.
func (s *Store) put(st oppstages.Stage) {
	s.forceResize(s.size + s.place(st))
}

// place is put without the size: it returns how much the records grew, for the caller,
// who holds the write lock, to account for.
func (s *Store) place(st oppstages.Stage) (grown int64) {
	s.own()
	i, found := s.index(st.ID)
	if found {
		grown = stageSize(&st) - stageSize(&s.stages[i])
		s.indexRemove(i, false)
		s.stages[i] = st
	} else {
		grown = stageSize(&st)
		s.stages = slices.Insert(s.stages, i, st)
		s.shiftIndexes(i)
	}
	s.indexInsert(i)
	return grown
}

// remove takes out the stage with the id, if it is there. The caller holds the write lock.
func (s *Store) remove(id int64) {
	s.own()
	if i, found := s.index(id); found {
		s.forceResize(s.size - stageSize(&s.stages[i]))
		s.indexRemove(i, true)
		s.stages = slices.Delete(s.stages, i, i+1)
	}
}

// shiftIndexes moves up by one every index position at or after pos, after a stage was
// inserted there.
func (s *Store) shiftIndexes(pos int) {
	for _, idx := range s.idx.byKey {
		for j, p := range idx.order {
			if p >= int32(pos) {
				idx.order[j] = p + 1
			}
		}
	}
}

// ReplaceWith makes the store hold other's records in place of its own, and checkpoints
// them to the log; other is not changed and stays independent. When the store's budget
// has no room for other's records, it is ErrOverBudget and nothing changes.
func (s *Store) ReplaceWith(other *Store) error {
	c := other.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.settle() // a failure is the checkpoint's to report
	if err := s.resize(c.size); err != nil {
		return err
	}
	// The writes in flight are replaced too: undoing one later would change other's records.
	s.unsynced = slices.Delete(s.unsynced, 0, len(s.unsynced))
	s.stages, s.users, s.nextID, s.shared = c.stages, c.users, c.nextID, true
	s.idx = indexes{}
	return s.checkpoint()
}

// Checkpoint makes everything the store holds durable at once (see Log.Checkpoint). Writes
// wait while it runs.
func (s *Store) Checkpoint() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpoint()
}

func (s *Store) checkpoint() error {
	if s.log == nil {
		return nil
	}
	// After a failed log write, the lost writes are undone first: the snapshot then holds
	// what the disk does, and the writes answered as failed stay failed.
	_ = s.settle()
	return s.log.Checkpoint(State{Stages: s.stages, Users: s.users, NextID: s.nextID})
}
