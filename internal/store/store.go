// Package store keeps opportunity stages and their creators in memory, safe for concurrent
// use. Ids only grow and are never reused (but for the id of a create undone because its
// change never reached the log, which the disk does not hold either). Records are kept in id order; a list in any
// other order walks a sort index built on first use and kept current by every write, so
// a page reads only the records it passes over and never sorts the table.
package store

import (
	"cmp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/budget"
	"github.com/oppstages/oppstages/internal/query"
)

// CountLimit is where counting stops and meta.count_truncated becomes true, as the vendor does.
const CountLimit = 2_000_000

// Store holds one set of stages and users.
type Store struct {
	mu     sync.RWMutex
	stages []oppstages.Stage // ordered by ascending id
	users  []oppstages.User  // ordered by ascending id
	nextID int64
	shared bool // stages is shared with a Clone and must be copied before a write
	log    Log  // makes writes durable; nil keeps them in memory only
	// unsynced are the writes applied whose changes the log may not hold durably yet,
	// oldest first; a failed log write undoes them.
	unsynced []*unsynced
	idxMu    sync.Mutex
	idx      indexes

	// size is what the records cost, as a budget counts them; what lies beyond allowance
	// is charged to budget (nil: no budget), and charged is that charge.
	size      int64
	allowance int64
	charged   int64
	budget    *budget.Budget
}

// New returns a store holding copies of stages and users; the next id given out is one
// above the largest id among the stages.
func New(stages []oppstages.Stage, users []oppstages.User) *Store {
	s := &Store{stages: slices.Clone(stages), users: slices.Clone(users)}
	slices.SortFunc(s.stages, func(a, b oppstages.Stage) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(s.users, func(a, b oppstages.User) int { return cmp.Compare(a.ID, b.ID) })
	s.size = recordsSize(s.stages, s.users)
	s.nextID = 1
	if n := len(s.stages); n > 0 {
		s.nextID = s.stages[n-1].ID + 1
	}
	return s
}

// Restore is New with the next id given too, so that ids of deleted stages are not given
// out again after a restart; a nextID at or below the largest id is raised above it.
func Restore(stages []oppstages.Stage, users []oppstages.User, nextID int64) *Store {
	s := New(stages, users)
	s.nextID = max(s.nextID, nextID)
	return s
}

// Clone returns an independent store with the same records. The records are shared until
// either store is written, so a clone costs almost nothing until then.
func (s *Store) Clone() *Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shared = true
	return &Store{stages: s.stages, users: s.users, nextID: s.nextID, shared: true, size: s.size}
}

// own makes the stages slice private to s before a write; the caller holds the write lock.
func (s *Store) own() {
	if s.shared {
		s.stages = slices.Clip(slices.Clone(s.stages))
		s.shared = false
	}
}

func (s *Store) index(id int64) (int, bool) {
	return slices.BinarySearchFunc(s.stages, id, func(st oppstages.Stage, id int64) int { return cmp.Compare(st.ID, id) })
}

func notFound(id int64) *oppstages.Error {
	return oppstages.Errorf(oppstages.CodeResourceNotFound, "Could not find 'opportunityStage' with ID '%d'.", id)
}

// Create stores a new stage with the next id, creator and timestamps, and returns it once
// the write is durable (see SetLog).
func (s *Store) Create(attrs oppstages.StageAttributes, creatorID int64, now time.Time) (oppstages.Stage, error) {
	st, wait, err := s.create(attrs, creatorID, now)
	if err != nil {
		return st, err
	}
	return st, wait()
}

func (s *Store) create(attrs oppstages.StageAttributes, creatorID int64, now time.Time) (oppstages.Stage, func() error, error) {
	now = now.UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.settle(); err != nil {
		return oppstages.Stage{}, nil, err
	}
	if s.nextID > oppstages.MaxID {
		return oppstages.Stage{}, nil, oppstages.Errorf(oppstages.CodeValidationError,
			"No stage ids are left: ids stop at %d, the largest a JavaScript client reads exactly. Reset the sandbox, or import a state with a lower meta.nextId.",
			oppstages.MaxID).AtPointer("/data")
	}
	st := oppstages.Stage{ID: s.nextID, CreatorID: creatorID, CreatedAt: now, UpdatedAt: now}
	attrs.Apply(&st)
	if err := s.resize(s.size + stageSize(&st)); err != nil {
		return oppstages.Stage{}, nil, err
	}
	wait, err := s.record(Change{Put: &st}, nil)
	if err != nil {
		s.forceResize(s.size - stageSize(&st))
		return oppstages.Stage{}, nil, err
	}
	s.own()
	s.nextID++
	s.stages = append(s.stages, st)
	s.indexInsert(len(s.stages) - 1)
	return st, wait, nil
}

// Get returns the stage with the id.
func (s *Store) Get(id int64) (oppstages.Stage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.index(id)
	if !ok {
		return oppstages.Stage{}, notFound(id)
	}
	return s.stages[i], nil
}

// Update writes the present attributes onto the stage and moves its updatedAt to now; it
// returns once the write is durable.
func (s *Store) Update(id int64, attrs oppstages.StageAttributes, now time.Time) (oppstages.Stage, error) {
	st, wait, err := s.update(id, attrs, now)
	if err != nil {
		return st, err
	}
	return st, wait()
}

func (s *Store) update(id int64, attrs oppstages.StageAttributes, now time.Time) (oppstages.Stage, func() error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.settle(); err != nil {
		return oppstages.Stage{}, nil, err
	}
	i, ok := s.index(id)
	if !ok {
		return oppstages.Stage{}, nil, notFound(id)
	}
	before, st := s.stages[i], s.stages[i]
	attrs.Apply(&st)
	st.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	sizeBefore := s.size
	if err := s.resize(s.size - stageSize(&before) + stageSize(&st)); err != nil {
		return oppstages.Stage{}, nil, err
	}
	wait, err := s.record(Change{Put: &st}, &before)
	if err != nil {
		s.forceResize(sizeBefore)
		return oppstages.Stage{}, nil, err
	}
	s.own()
	s.indexRemove(i, false)
	s.stages[i] = st
	s.indexInsert(i)
	return st, wait, nil
}

// Delete removes the stage with the id; it returns once the write is durable.
func (s *Store) Delete(id int64) error {
	wait, err := s.delete(id)
	if err != nil {
		return err
	}
	return wait()
}

func (s *Store) delete(id int64) (func() error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.settle(); err != nil {
		return nil, err
	}
	i, ok := s.index(id)
	if !ok {
		return nil, notFound(id)
	}
	before := s.stages[i]
	wait, err := s.record(Change{Deleted: id}, &before)
	if err != nil {
		return nil, err
	}
	s.own()
	s.indexRemove(i, true)
	s.stages = slices.Delete(s.stages, i, i+1)
	s.forceResize(s.size - stageSize(&before))
	return wait, nil
}

// Put stores each stage as given, in order, in place of the stage with its id or as a new
// one (of two stages with one id, the later stays), and keeps their ids from being given
// out again; it returns once the writes are durable. The caller checks the stages: any id
// from 1 to oppstages.MaxID, a creator among the users. When the budget has no room for
// them all (ErrOverBudget), none is stored.
func (s *Store) Put(stages ...oppstages.Stage) error {
	wait, err := s.putAll(stages)
	if wait != nil {
		if werr := wait(); err == nil {
			err = werr
		}
	}
	return err
}

// putAll stores the stages and returns what waits for them to be durable. When the log
// refuses one, the ones before it are stored, and the wait returned with the error waits
// for them.
func (s *Store) putAll(stages []oppstages.Stage) (func() error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.settle(); err != nil {
		return nil, err
	}
	if err := s.resize(s.size + s.growth(stages)); err != nil {
		return nil, err
	}
	waits := make([]func() error, 0, len(stages))
	waitAll := func() error {
		for _, wait := range waits {
			if err := wait(); err != nil {
				return err
			}
		}
		return nil
	}
	for k := range stages {
		st := stages[k]
		var before *oppstages.Stage
		if i, found := s.index(st.ID); found {
			b := s.stages[i]
			before = &b
		}
		wait, err := s.record(Change{Put: &st}, before)
		if err != nil {
			s.forceResize(s.size - s.growth(stages[k:])) // the room of the stages not stored
			return waitAll, err
		}
		waits = append(waits, wait)
		s.place(st)
		s.nextID = max(s.nextID, st.ID+1)
	}
	return waitAll, nil
}

// growth is how much storing stages, in order, would grow the records' size. The caller
// holds the write lock.
func (s *Store) growth(stages []oppstages.Stage) int64 {
	size := make(map[int64]int64, len(stages)) // what each id's stage costs, as the stages before it leave it
	var n int64
	for i := range stages {
		id := stages[i].ID
		old, seen := size[id]
		if j, found := s.index(id); !seen && found {
			old = stageSize(&s.stages[j])
		}
		size[id] = stageSize(&stages[i])
		n += size[id] - old
	}
	return n
}

// User returns the user with the id.
func (s *Store) User(id int64) (oppstages.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := slices.BinarySearchFunc(s.users, id, func(u oppstages.User, id int64) int { return cmp.Compare(u.ID, id) })
	if !ok {
		return oppstages.User{}, oppstages.Errorf(oppstages.CodeResourceNotFound, "Could not find 'user' with ID '%d'.", id)
	}
	return s.users[i], nil
}

// Snapshot returns copies of every stage and user, in id order, and the next id.
func (s *Store) Snapshot() (stages []oppstages.Stage, users []oppstages.User, nextID int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.stages), slices.Clone(s.users), s.nextID
}

// Len is the number of stages.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.stages)
}

// Page is one page of a list query.
type Page struct {
	Stages           []oppstages.Stage
	HasPrev, HasNext bool
	Count            int  // matches in all pages, when counted (always for offset pages)
	CountTruncated   bool // Count stopped at CountLimit
}

// List runs a list query: the stages that match every filter, in sort order, starting
// strictly after q.After (or ending strictly before q.Before), at most q.Size of them.
// A page reads only the records it passes over, from an index kept in the query's order.
func (s *Store) List(q query.List) Page {
	if q.Offset != nil {
		return s.listOffset(q)
	}
	if keys := q.Sort.WithIDTiebreak(); len(keys) == 1 {
		return s.listByID(q, keys[0].Desc)
	}
	match := query.Compile(q.Filters)
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.sortedIndex(q.Sort)
	order := idx.order
	at := func(i int) *oppstages.Stage { return &s.stages[order[i]] }
	// Only [lo, hi) of the order can match.
	lo, hi := window(q, at, len(order))

	var page Page
	if q.Before == nil {
		start := lo
		if q.After != nil {
			boundary := q.Sort.StageAt(q.After)
			start = max(start, sort.Search(hi, func(i int) bool { return idx.compare(at(i), &boundary) > 0 }))
		}
		for i := start; i < hi; i++ {
			if !match(at(i)) {
				continue
			}
			if len(page.Stages) == q.Size {
				page.HasNext = true
				break
			}
			page.Stages = append(page.Stages, *at(i))
		}
		page.HasPrev = anyMatch(match, at, start-1, lo-1, -1)
	} else {
		boundary := q.Sort.StageAt(q.Before)
		end := max(lo, sort.Search(hi, func(i int) bool { return idx.compare(at(i), &boundary) >= 0 }))
		for i := end - 1; i >= lo; i-- {
			if !match(at(i)) {
				continue
			}
			if len(page.Stages) == q.Size {
				page.HasPrev = true
				break
			}
			page.Stages = append(page.Stages, *at(i))
		}
		slices.Reverse(page.Stages)
		page.HasNext = anyMatch(match, at, end, hi, 1)
	}
	if q.Count {
		page.Count, page.CountTruncated = countIn(match, at, lo, hi)
	}
	if page.Stages == nil {
		page.Stages = []oppstages.Stage{}
	}
	return page
}

// anyMatch reports whether any record from i towards stop (exclusive), by step, matches.
func anyMatch(match query.Matcher, at func(int) *oppstages.Stage, i, stop, step int) bool {
	for ; i != stop; i += step {
		if match(at(i)) {
			return true
		}
	}
	return false
}

// window is the part [lo, hi) of a list's sort order of n stages where its filters can
// match; at gives the stage at a position of the order.
func window(q query.List, at func(int) *oppstages.Stage, n int) (lo, hi int) {
	before, after := q.Sort.Skips(q.Filters)
	lo, hi = 0, n
	if before != nil {
		lo = sort.Search(n, func(i int) bool { return !before(at(i)) })
	}
	if after != nil {
		hi = max(lo, sort.Search(n, func(i int) bool { return after(at(i)) }))
	}
	return lo, hi
}

// countIn counts the matching stages at positions [lo, hi), up to CountLimit.
func countIn(match query.Matcher, at func(int) *oppstages.Stage, lo, hi int) (int, bool) {
	n := 0
	for i := lo; i < hi; i++ {
		if match(at(i)) {
			if n == CountLimit {
				return n, true
			}
			n++
		}
	}
	return n, false
}

// count counts the matching stages, up to CountLimit; the caller holds the read lock.
func (s *Store) count(match query.Matcher) (int, bool) {
	n := 0
	for i := range s.stages {
		if match(&s.stages[i]) {
			if n == CountLimit {
				return n, true
			}
			n++
		}
	}
	return n, false
}

// listByID answers a query sorted by id alone, the order the records are kept in: it
// seeks to the cursor and reads one page, instead of scanning everything.
func (s *Store) listByID(q query.List, desc bool) Page {
	match := query.Compile(q.Filters)
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.stages)
	// The page is read in step direction from start; its far side is checked for matches.
	step, backward := 1, q.Before != nil
	if desc != backward {
		step = -1
	}
	start := 0
	if step < 0 {
		start = n - 1
	}
	if p := cursorOf(q); p != nil {
		i, found := s.index(p.ID)
		switch {
		case step > 0 && found:
			start = i + 1
		case step > 0:
			start = i
		default:
			start = i - 1
		}
	}
	var page Page
	for i := start; i >= 0 && i < n; i += step {
		st := &s.stages[i]
		if !match(st) {
			continue
		}
		if len(page.Stages) == q.Size {
			page.HasNext = true // set as "more beyond"; swapped below when walking backward
			break
		}
		page.Stages = append(page.Stages, *st)
	}
	before := false
	for i := start - step; i >= 0 && i < n; i -= step {
		if match(&s.stages[i]) {
			before = true
			break
		}
	}
	page.HasPrev = before
	if backward {
		slices.Reverse(page.Stages)
		page.HasPrev, page.HasNext = page.HasNext, page.HasPrev
	}
	if q.Count {
		page.Count, page.CountTruncated = s.count(match)
	}
	if page.Stages == nil {
		page.Stages = []oppstages.Stage{}
	}
	return page
}

// listOffset answers a deprecated offset page: it skips q.Offset.Offset matches in sort
// order and takes q.Offset.Limit; the count of all matches is always taken, for the
// link to the last page.
func (s *Store) listOffset(q query.List) Page {
	match := query.Compile(q.Filters)
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.stages)
	at := func(i int) *oppstages.Stage { return &s.stages[i] }
	switch keys := q.Sort.WithIDTiebreak(); {
	case len(keys) == 1 && keys[0].Desc:
		at = func(i int) *oppstages.Stage { return &s.stages[n-1-i] }
	case len(keys) > 1:
		order := s.sortedIndex(q.Sort).order
		at = func(i int) *oppstages.Stage { return &s.stages[order[i]] }
	}
	from, to := q.Offset.Offset, q.Offset.Offset+q.Offset.Limit
	page := Page{Stages: []oppstages.Stage{}}
	lo, hi := window(q, at, n)
	for i := lo; i < hi; i++ {
		st := at(i)
		if !match(st) {
			continue
		}
		if page.Count == CountLimit {
			page.CountTruncated = true
			break
		}
		if page.Count >= from && page.Count < to {
			page.Stages = append(page.Stages, *st)
		}
		page.Count++
	}
	page.HasPrev = from > 0 && page.Count > 0
	page.HasNext = to < page.Count
	return page
}

func cursorOf(q query.List) *query.Position {
	if q.Before != nil {
		return q.Before
	}
	return q.After
}
