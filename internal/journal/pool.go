package journal

import "sync"

// Pool is a byte budget that journals share, so that many of them together hold a bounded
// amount: when an entry would take the pool over its budget, the oldest entries of any of
// its journals are dropped first (and counted as evicted by their journal). Each journal
// keeps its own limits within the pool's. It is safe for concurrent use.
type Pool struct {
	mu     sync.Mutex // taken before any journal's, never after
	keys   *keys      // the key its journals hash credentials with
	budget int
	bytes  int      // what the pool's journals hold, summed
	live   int      // the entries they hold
	queue  []pooled // their entries in the order they were added; some since dropped
}

// pooled is an entry of one of the pool's journals.
type pooled struct {
	j  *Journal
	id int64
}

// NewPool returns a pool of budget bytes.
func NewPool(budget int) *Pool {
	return &Pool{budget: max(budget, 1), keys: newKeys()}
}

// New returns a journal of at most limit entries and budget bytes whose entries also count
// against the pool.
func (p *Pool) New(limit, budget int) *Journal {
	j := New(limit, budget)
	j.pool, j.keys = p, p.keys
	return j
}

// Usage is the bytes the pool's journals hold together, and its budget.
func (p *Pool) Usage() (bytes, budget int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes, p.budget
}

// makeRoom drops the oldest entries of the pool's journals until size more bytes fit.
// p.mu and j.mu are held; j is the journal about to add.
func (p *Pool) makeRoom(j *Journal, size int) {
	for p.bytes+size > p.budget && len(p.queue) > 0 {
		front := p.queue[0]
		p.queue[0] = pooled{}
		p.queue = p.queue[1:]
		if front.j != j {
			front.j.mu.Lock()
		}
		// Entries leave a journal oldest first, so a live entry at the pool's front is
		// also at its journal's.
		if front.j.records.len() > 0 && front.j.records.at(0).entry.ID == front.id {
			front.j.dropOldest()
		}
		if front.j != j {
			front.j.mu.Unlock()
		}
	}
}

// added counts an entry j has just stored. p.mu and j.mu are held.
func (p *Pool) added(j *Journal, id int64, size int) {
	p.bytes += size
	p.live++
	p.queue = append(p.queue, pooled{j, id})
	if len(p.queue) > 2*p.live+1024 { // entries dropped by their journals' own limits linger
		p.compact(j)
	}
}

// compact forgets the queued entries that their journals have dropped. p.mu and j.mu
// are held.
func (p *Pool) compact(j *Journal) {
	kept := p.queue[:0]
	for _, q := range p.queue {
		if q.j != j {
			q.j.mu.Lock()
		}
		if q.j.records.len() > 0 && q.id >= q.j.records.at(0).entry.ID {
			kept = append(kept, q)
		}
		if q.j != j {
			q.j.mu.Unlock()
		}
	}
	clear(p.queue[len(kept):])
	p.queue = kept
}
