package journal

import "sync"

// Journal keeps the newest entries within an entry limit and a byte budget, dropping the
// oldest first and counting what it dropped. It is safe for concurrent use.
type Journal struct {
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
	size := e.size()
	if size > j.budget {
		if e.RequestBody != nil {
			e.RequestBody, e.RequestBodyTruncated = nil, true
		}
		if e.ResponseBody != nil {
			e.ResponseBody, e.ResponseBodyTruncated = nil, true
		}
		size = e.size()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for len(j.entries) > 0 && (len(j.entries) >= j.limit || j.bytes+size > j.budget) {
		j.bytes -= j.sizes[0]
		j.entries[0] = Entry{} // let the collector have its bodies
		j.entries, j.sizes = j.entries[1:], j.sizes[1:]
		j.evicted++
	}
	j.lastID++
	e.ID = j.lastID
	j.entries = append(j.entries, e)
	j.sizes = append(j.sizes, size)
	j.bytes += size
	return e
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
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.sizes, j.bytes, j.evicted = nil, nil, 0, 0
}
