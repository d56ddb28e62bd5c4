package journal

import "sync"

// Journal keeps the newest entries within an entry limit and a byte budget, and within
// its Pool's budget when it has one, dropping the oldest first and counting what it
// dropped. It is safe for concurrent use.
type Journal struct {
	pool    *Pool // nil: the journal's own budget only
	mu      sync.Mutex
	limit   int
	budget  int
	entries []Entry // oldest first
	sizes   []int   // what each entry counts against the budget
	bytes   int     // sizes, summed
	lastID  int64
	evicted int
}

// New returns a journal that holds at most limit entries and budget bytes.
func New(limit, budget int) *Journal {
	return &Journal{limit: max(limit, 1), budget: max(budget, 1)}
}

// Add stores e, numbering it, and drops the oldest entries until both bounds hold. An
// entry too large for the whole budget on its own keeps no bodies (both are marked
// truncated).
func (j *Journal) Add(e Entry) Entry {
	budget := j.budget
	if j.pool != nil {
		budget = min(budget, j.pool.budget)
	}
	size := e.size()
	if size > budget {
		if e.RequestBody != nil {
			e.RequestBody, e.RequestBodyTruncated = nil, true
		}
		if e.ResponseBody != nil {
			e.ResponseBody, e.ResponseBodyTruncated = nil, true
		}
		size = e.size()
	}
	if j.pool != nil {
		j.pool.mu.Lock()
		defer j.pool.mu.Unlock()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for len(j.entries) > 0 && (len(j.entries) >= j.limit || j.bytes+size > j.budget) {
		j.dropOldest()
	}
	if j.pool != nil {
		j.pool.makeRoom(j, size)
	}
	j.lastID++
	e.ID = j.lastID
	j.entries = append(j.entries, e)
	j.sizes = append(j.sizes, size)
	j.bytes += size
	if j.pool != nil {
		j.pool.added(j, e.ID, size)
	}
	return e
}

// dropOldest evicts the oldest entry. j.mu is held, and the pool's mutex when j has a pool.
func (j *Journal) dropOldest() {
	if j.pool != nil {
		j.pool.bytes -= j.sizes[0]
		j.pool.live--
	}
	j.bytes -= j.sizes[0]
	j.entries[0] = Entry{} // let the collector have its bodies
	j.entries, j.sizes = j.entries[1:], j.sizes[1:]
	j.evicted++
}

// List returns copies of the entries that pass f, oldest first, and how many entries the
// journal has dropped since it was last cleared.
func (j *Journal) List(f Filter) (entries []Entry, evicted int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	entries = []Entry{}
	for i := range j.entries {
		if f.Match(&j.entries[i]) {
			entries = append(entries, j.entries[i].clone())
		}
	}
	return entries, j.evicted
}

// Usage is the number of entries held, the bytes they count, and the evictions so far.
func (j *Journal) Usage() (entries, bytes, evicted int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries), j.bytes, j.evicted
}

// Clear drops every entry and resets the eviction count; ids keep counting up.
func (j *Journal) Clear() {
	if j.pool != nil {
		j.pool.mu.Lock()
		defer j.pool.mu.Unlock()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.pool != nil {
		j.pool.bytes -= j.bytes
		j.pool.live -= len(j.entries)
	}
	j.entries, j.sizes, j.bytes, j.evicted = nil, nil, 0, 0
}
