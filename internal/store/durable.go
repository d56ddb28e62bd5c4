package store

import (
	"slices"

	"github.com/oppstages/oppstages"
)

// Log makes a store's writes durable. The store calls it with its write lock held, in the
// order the writes are applied, so the log's order is the store's.
type Log interface {
	// Append records one change and returns a function that waits, after the store's lock
	// is released, until the change is durable; writers waiting at once can share one sync.
	Append(Change) (wait func() error)
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

// record hands a change to the log; the caller holds the write lock and calls the result
// after releasing it.
func (s *Store) record(c Change) func() error {
	if s.log == nil {
		return done
	}
	return s.log.Append(c)
}

func done() error { return nil }

// Apply replays a change recorded earlier, without logging it again: a Put stores the
// stage as given (and keeps its id from being given out again), a Delete removes the stage
// if it is there.
func (s *Store) Apply(c Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.own()
	if c.Put != nil {
		st := *c.Put
		i, found := s.index(st.ID)
		if found {
			s.indexRemove(i, false)
			s.stages[i] = st
		} else {
			s.stages = slices.Insert(s.stages, i, st)
			s.shiftIndexes(i)
		}
		s.indexInsert(i)
		s.nextID = max(s.nextID, st.ID+1)
		return
	}
	if i, found := s.index(c.Deleted); found {
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
// them to the log; other is not changed and stays independent.
func (s *Store) ReplaceWith(other *Store) error {
	c := other.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
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
	return s.log.Checkpoint(State{Stages: s.stages, Users: s.users, NextID: s.nextID})
}
