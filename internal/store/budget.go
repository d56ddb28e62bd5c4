package store

import (
	"errors"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/budget"
)

// ErrOverBudget is a write refused because the budget a store's records are charged to
// (see CloneWithin) has no room for what it would add.
var ErrOverBudget = errors.New("the stores' shared budget is full")

// What a record costs in memory besides its strings: the struct, the values its pointers
// point to, and its places in the sort indexes.
const (
	stageOverhead = 192
	userOverhead  = 160
)

func stageSize(st *oppstages.Stage) int64 {
	n := int64(stageOverhead)
	if st.Name != nil {
		n += int64(len(*st.Name))
	}
	if st.Color != nil {
		n += int64(len(*st.Color))
	}
	return n
}

func userSize(u *oppstages.User) int64 {
	return int64(userOverhead + len(u.FirstName) + len(u.LastName) + len(u.Email) + len(u.Title) + len(u.Username))
}

// recordsSize is what stages and users cost, as the budget counts it.
func recordsSize(stages []oppstages.Stage, users []oppstages.User) int64 {
	var n int64
	for i := range stages {
		n += stageSize(&stages[i])
	}
	for i := range users {
		n += userSize(&users[i])
	}
	return n
}

// CloneWithin is Clone with a budget: whatever the clone's records come to hold beyond the
// size of s's records now is charged to b, and a write that b has no room for is refused
// with ErrOverBudget. The records the clone starts with are not charged: they are s's,
// and the clone may hold as much again of its own in their place.
func (s *Store) CloneWithin(b *budget.Budget) *Store {
	c := s.Clone()
	c.budget, c.allowance = b, c.size
	return c
}

// Release gives back what the store has charged to its budget and leaves the store
// outside it: for a store about to be dropped.
func (s *Store) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget.Change(s.charged, 0)
	s.budget, s.charged = nil, 0
}

// resize makes size the cost of the store's records, charging what lies beyond the
// allowance to the budget. Growth the budget has no room for is refused with
// ErrOverBudget and changes nothing. The caller holds the write lock.
func (s *Store) resize(size int64) error {
	charge := max(size-s.allowance, 0)
	if !s.budget.Change(s.charged, charge) {
		return ErrOverBudget
	}
	s.size, s.charged = size, charge
	return nil
}

// forceResize is resize for changes that cannot be refused (replaying and undoing).
func (s *Store) forceResize(size int64) {
	charge := max(size-s.allowance, 0)
	s.budget.Force(s.charged, charge)
	s.size, s.charged = size, charge
}
