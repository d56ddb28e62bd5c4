package store

import (
	"slices"
	"sort"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

// maxIndexes bounds the sort orders a store keeps indexes for; the least recently used
// is dropped beyond it and rebuilt if asked for again.
const maxIndexes = 8

// sortIndex lists the positions of all stages (in Store.stages) in one sort order. It is
// built on the first query in that order and kept current by every write.
type sortIndex struct {
	compare func(a, b *oppstages.Stage) int
	order   []int32
	used    uint64
}

// indexes holds a store's sort indexes. Readers add one under the store's read lock, so
// the map has its own lock; writers hold the store's write lock and so are alone.
type indexes struct {
	byKey map[string]*sortIndex
	clock uint64
}

// sortedIndex returns the index for the sort, building it if needed. The caller holds
// the store's read lock at least.
func (s *Store) sortedIndex(sortBy query.Sort) *sortIndex {
	key := sortBy.WithIDTiebreak().String()
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	if s.idx.byKey == nil {
		s.idx.byKey = map[string]*sortIndex{}
	}
	s.idx.clock++
	if idx, ok := s.idx.byKey[key]; ok {
		idx.used = s.idx.clock
		return idx
	}
	idx := &sortIndex{compare: sortBy.Comparator(), order: make([]int32, len(s.stages)), used: s.idx.clock}
	for i := range idx.order {
		idx.order[i] = int32(i)
	}
	slices.SortFunc(idx.order, func(a, b int32) int { return idx.compare(&s.stages[a], &s.stages[b]) })
	if len(s.idx.byKey) >= maxIndexes {
		oldest := ""
		for k, other := range s.idx.byKey {
			if oldest == "" || other.used < s.idx.byKey[oldest].used {
				oldest = k
			}
		}
		delete(s.idx.byKey, oldest)
	}
	s.idx.byKey[key] = idx
	return idx
}

// The maintenance below runs under the store's write lock.

// find is where a stage with st's sort values sits in the index.
func (s *Store) find(idx *sortIndex, st *oppstages.Stage) int {
	return sort.Search(len(idx.order), func(i int) bool { return idx.compare(&s.stages[idx.order[i]], st) >= 0 })
}

// indexInsert adds the stage at position pos to every index.
func (s *Store) indexInsert(pos int) {
	for _, idx := range s.idx.byKey {
		i := s.find(idx, &s.stages[pos])
		idx.order = slices.Insert(idx.order, i, int32(pos))
	}
}

// indexRemove takes the stage at position pos, with its current values, out of every
// index; when shift is set the positions after it move down by one, as after a delete.
func (s *Store) indexRemove(pos int, shift bool) {
	for _, idx := range s.idx.byKey {
		i := s.find(idx, &s.stages[pos])
		idx.order = slices.Delete(idx.order, i, i+1)
		if shift {
			for j, p := range idx.order {
				if p > int32(pos) {
					idx.order[j] = p - 1
				}
			}
		}
	}
}
