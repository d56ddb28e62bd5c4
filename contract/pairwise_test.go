package contract

import (
	"slices"
	"testing"
)

// The covering array holds every pair of levels of two factors, the same rows every time,
// and not many more rows than the pairs of the two largest factors.
func TestCoveringArrayCoversEveryPair(t *testing.T) {
	for _, tt := range []struct {
		sizes   []int
		maxRows int
	}{
		{[]int{2, 2}, 4},
		{[]int{3, 1, 2}, 6},
		{[]int{10, 3, 4, 4, 3, 3, 2}, 48}, // openapi.yaml's factors: 40 rows at the least
		{[]int{5, 5, 5, 5}, 37},
		{[]int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, 12},
	} {
		sizes := tt.sizes
		rows := coveringArray(sizes)
		seen := newPairSet(sizes)
		for _, row := range rows {
			for i, level := range row {
				if level < 0 || level >= sizes[i] {
					t.Fatalf("sizes %v: row %v has no level %d for factor %d", sizes, row, level, i)
				}
			}
			seen.add(row)
		}
		if seen.count != seen.total() {
			t.Errorf("sizes %v: %d rows cover %d of %d pairs", sizes, len(rows), seen.count, seen.total())
		}
		if again := coveringArray(sizes); !slices.EqualFunc(rows, again, slices.Equal) {
			t.Errorf("sizes %v: two arrays differ", sizes)
		}
		if len(rows) > tt.maxRows {
			t.Errorf("sizes %v: %d rows, want at most %d", sizes, len(rows), tt.maxRows)
		}
	}
}

// The factors offer only the forms and pages the spec lists.
func TestFactorsFollowTheSpec(t *testing.T) {
	kinds := map[string]kind{"name": kindString, "order": kindInt}
	full := vocabulary{kinds: kinds, nullTests: true, newSyntax: true, offsetPages: true, comparisons: map[string][]string{"order": {"gte"}},
		anyOf: map[string]bool{"name": true}, stageAttrs: []string{"name"}, stageRels: []string{"creator"}, userFields: []string{"email"}}
	bare := vocabulary{kinds: kinds, comparisons: map[string][]string{}, anyOf: map[string]bool{}, stageAttrs: []string{"name"}, userFields: []string{"email"}}
	nothing := vocabulary{kinds: map[string]kind{"name": kindString}}
	levels := func(v vocabulary) int {
		n := 0
		for _, f := range v.factors() {
			n += len(f.levels)
		}
		return n
	}
	if got, want := levels(full), 10+3+4+4+3+3+2; got != want {
		t.Errorf("a spec with every form offers %d levels, want %d", got, want)
	}
	if got, want := levels(bare), 6+2+4+3+3+2+2; got != want {
		t.Errorf("a spec with only the classic forms offers %d levels, want %d", got, want)
	}
	if got, want := levels(nothing), 6+1+4+3+2+1+2; got != want {
		t.Errorf("a spec with one filterable member, no fieldsets and no user attributes offers %d levels, want %d", got, want)
	}
}
