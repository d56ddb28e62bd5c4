package journal

import (
	"iter"
	"sync"
)

// Journal keeps the newest entries within an entry limit and a byte budget, and within
// its Pool's budget when it has one, dropping the oldest first and counting what it
// dropped. It is safe for concurrent use.
type Journal struct {
	pool    *Pool // nil: the journal's own budget only
	keys    *keys // the pool's, when it has one
	mu      sync.Mutex
	limit   int
	budget  int
	records ring
	bytes   int // their sizes, summed
	lastID  int64
	evicted int
}

// New returns a journal that holds at most limit entries and budget bytes.
func New(limit, budget int) *Journal {
	return &Journal{limit: max(limit, 1), budget: max(budget, 1), keys: newKeys()}
}

// CredentialHash is the keyed hash the journal's entries show for a credential (as
// Entry.Credential, Grant and Issued): "" for "". Journals of one Pool share their key.
func (j *Journal) CredentialHash(credential string) string {
	return j.keys.hasher().hash(credential)
}

// Add stores what the journal keeps of x as a new entry, numbering it, drops the oldest
// entries until both bounds hold, and returns the new entry's id. An entry too large for
// the whole budget on its own keeps no bodies (both are marked truncated).
func (j *Journal) Add(x Exchange) int64 {
	rec := newRecord(x)
	budget := j.budget
	if j.pool != nil {
		budget = min(budget, j.pool.budget)
	}
	if rec.size > budget {
		rec.dropBodies()
	}
	if j.pool != nil {
		j.pool.mu.Lock()
		defer j.pool.mu.Unlock()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.records.len() > 0 && (j.records.len() >= j.limit || j.bytes+rec.size > j.budget) {
		j.dropOldest()
	}
	if j.pool != nil {
		j.pool.makeRoom(j, rec.size)
	}
	j.lastID++
	rec.entry.ID = j.lastID
	j.records.push(rec, j.limit)
	j.bytes += rec.size
	if j.pool != nil {
		j.pool.added(j, rec.entry.ID, rec.size)
	}
	return rec.entry.ID
}

// dropOldest evicts the oldest entry. j.mu is held, and the pool's mutex when j has a pool.
func (j *Journal) dropOldest() {
	size := j.records.dropOldest().size
	if j.pool != nil {
		j.pool.bytes -= size
		j.pool.live--
	}
	j.bytes -= size
	j.evicted++
}

// List returns the entries that pass f, oldest first, made afresh for the caller, and
// how many entries the journal has dropped since it was last cleared.
func (j *Journal) List(f Filter) (entries []Entry, evicted int) {
	matched, evicted := j.match(f)
	entries = make([]Entry, len(matched))
	h := j.keys.hasher()
	for i := range matched {
		entries[i] = matched[i].read(h)
	}
	return entries, evicted
}

// Entries is List one entry at a time: it returns the entries that pass f, oldest first,
// as a sequence that makes each afresh only when its turn comes, so that a reader that
// writes each out before taking the next holds one entry at a time, however many the
// journal has. The entries are those the journal held when Entries was called; evicted is
// as for List.
func (j *Journal) Entries(f Filter) (entries iter.Seq[Entry], evicted int) {
	matched, evicted := j.match(f)
	return func(yield func(Entry) bool) {
		h := j.keys.hasher()
		for i := range matched {
			e := matched[i].read(h)
			matched[i] = record{} // read: its bodies may go, should the journal drop them
			if !yield(e) {
				return
			}
		}
	}, evicted
}

// match copies the records that pass f, and the eviction count. Records never change once
// added, so that they can be read after unlocking.
func (j *Journal) match(f Filter) (matched []record, evicted int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0 // counted first: records are large, and a slice grown by appending copies them over and over
	for i := range j.records.len() {
		if f.Match(&j.records.at(i).entry) {
			n++
		}
	}
	matched = make([]record, 0, n)
	for i := range j.records.len() {
		if rec := j.records.at(i); f.Match(&rec.entry) {
			matched = append(matched, *rec)
		}
	}
	return matched, j.evicted
}

// Usage is the number of entries held, the bytes they count, and the evictions so far.
func (j *Journal) Usage() (entries, bytes, evicted int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.records.len(), j.bytes, j.evicted
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
		j.pool.live -= j.records.len()
	}
	j.records, j.bytes, j.evicted = ring{}, 0, 0
}
