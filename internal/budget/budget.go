// Package budget is a count of bytes that many holders share, so that together they hold
// a bounded amount however many of them there are.
package budget

import "sync"

// Budget is a number of bytes shared by holders, each of which tells it what it holds.
// It is safe for concurrent use; a nil *Budget has no limit.
type Budget struct {
	mu    sync.Mutex
	limit int64
	used  int64
}

// New returns a budget of limit bytes (at least one).
func New(limit int64) *Budget {
	return &Budget{limit: max(limit, 1)}
}

// Change moves a holder's charge from held to want bytes. Growth that would take the
// budget past its limit is refused (false) and changes nothing; shrinking always succeeds.
func (b *Budget) Change(held, want int64) bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if want > held && b.used+want-held > b.limit {
		return false
	}
	b.used += want - held
	return true
}

// Force moves a holder's charge from held to want bytes even past the limit: for changes
// that cannot be refused, such as undoing a write.
func (b *Budget) Force(held, want int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used += want - held
}

// Usage is what the holders hold together, and the limit.
func (b *Budget) Usage() (used, limit int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.limit
}
