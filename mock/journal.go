package mock

import (
	"sync"
	"time"
)

// JournalEntry records one request a sandbox answered.
type JournalEntry struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"`
	Status     int       `json:"status"`
	DurationMS float64   `json:"durationMs"`
	Fault      string    `json:"fault,omitempty"`
}

// journal keeps the newest entries up to a limit and counts the ones it evicted.
type journal struct {
	mu      sync.Mutex
	limit   int
	entries []JournalEntry // a ring: next is where the next entry goes once full
	next    int
	evicted int
}

func newJournal(limit int) *journal { return &journal{limit: limit} }

func (j *journal) add(e JournalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) < j.limit {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.limit
	j.evicted++
}

// list returns the entries oldest first.
func (j *journal) list() (entries []JournalEntry, evicted int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, 0, len(j.entries))
	out = append(out, j.entries[j.next:]...)
	out = append(out, j.entries[:j.next]...)
	return out, j.evicted
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.next, j.evicted = nil, 0, 0
}
