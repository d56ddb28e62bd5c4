package contract

import "fmt"

// The generated list queries cover every pair of list-parameter levels, whatever the seed:
// the levels of each parameter (the filter's form, a second filter, the sort, the page, the
// include, the fieldset, the count) come from a covering array in which every level of one
// parameter meets every level of every other in some row, and the seed only picks the
// values: which attribute, which value, which keys, which page size. Queries beyond the
// array's rows (Config.Cases) draw their levels from the seed as well.

// factor is one list parameter and the levels a query may give it.
type factor struct {
	name   string
	levels []string
}

// The levels of the factors.
const (
	levelNone = "none"

	formExact      = "exact"
	formList       = "comma list"
	formRange      = "range"
	formOpenRange  = "open range"
	formNull       = "null test"
	formRepeated   = "sent twice"
	formComparison = "comparison"
	formWindow     = "window"
	formAnyOf      = "any-of list"

	secondClassic     = "classic"
	secondWithNewFlag = "classic with newFilterSyntax"

	sortAsc     = "ascending"
	sortDesc    = "descending"
	sortSeveral = "several keys"

	pageDefault = "default size"
	pageOne     = "size 1"
	pageSmall   = "size 2 or 3"
	pageOffset  = "offset pages"

	includeCreator    = "creator"
	includeUserFields = "creator with fields[user]"

	fieldsAttributes   = "attributes"
	fieldsRelationship = "with a relationship"

	countFalse = "false"
	countTrue  = "true"
)

// factors are the list parameters the spec's vocabulary offers, with their levels: a form,
// a page kind or a fieldset the spec does not list is left out, and so is a second filter
// where the spec has only one filterable member.
func (v vocabulary) factors() []factor {
	forms, second := []string{levelNone}, []string{levelNone}
	if len(v.kinds) > 0 {
		forms = append(forms, formExact, formList, formRange, formOpenRange)
		if v.nullTests {
			forms = append(forms, formNull)
		}
		forms = append(forms, formRepeated)
		if len(v.comparisons) > 0 {
			forms = append(forms, formComparison, formWindow)
		}
		if len(v.anyOf) > 0 {
			forms = append(forms, formAnyOf)
		}
	}
	if len(v.kinds) > 1 {
		second = append(second, secondClassic)
		if v.newSyntax {
			second = append(second, secondWithNewFlag)
		}
	}
	pages := []string{pageDefault, pageOne, pageSmall}
	if v.offsetPages {
		pages = append(pages, pageOffset)
	}
	include := []string{levelNone, includeCreator}
	if len(v.userFields) > 0 {
		include = append(include, includeUserFields)
	}
	fields := []string{levelNone}
	if len(v.stageAttrs) > 0 {
		fields = append(fields, fieldsAttributes)
	}
	if len(v.stageRels) > 0 {
		fields = append(fields, fieldsRelationship)
	}
	return []factor{
		{"filter", forms},
		{"second filter", second},
		{"sort", []string{levelNone, sortAsc, sortDesc, sortSeveral}},
		{"page", pages},
		{"include", include},
		{"fields", fields},
		{"count", []string{countFalse, countTrue}},
	}
}

// sizes are the number of levels of each factor.
func sizes(fs []factor) []int {
	out := make([]int, len(fs))
	for i, f := range fs {
		out[i] = len(f.levels)
	}
	return out
}

// pairSet marks the pairs of levels of two factors: for factors i < j, level a of i and
// level b of j.
type pairSet struct {
	sizes []int
	seen  [][][]bool // [i][j][a*sizes[j]+b], for i < j
	count int
}

func newPairSet(sizes []int) *pairSet {
	p := &pairSet{sizes: sizes, seen: make([][][]bool, len(sizes))}
	for i := range sizes {
		p.seen[i] = make([][]bool, len(sizes))
		for j := i + 1; j < len(sizes); j++ {
			p.seen[i][j] = make([]bool, sizes[i]*sizes[j])
		}
	}
	return p
}

// total is the number of pairs there are.
func (p *pairSet) total() int {
	n := 0
	for i := range p.sizes {
		for j := i + 1; j < len(p.sizes); j++ {
			n += p.sizes[i] * p.sizes[j]
		}
	}
	return n
}

func (p *pairSet) has(i, a, j, b int) bool { return p.seen[i][j][a*p.sizes[j]+b] }

// add marks every pair of a row, whose levels are all set.
func (p *pairSet) add(row []int) {
	for i := range row {
		for j := i + 1; j < len(row); j++ {
			if k := row[i]*p.sizes[j] + row[j]; !p.seen[i][j][k] {
				p.seen[i][j][k] = true
				p.count++
			}
		}
	}
}

// firstMissing is the first pair not marked, in the order of factors and levels.
func (p *pairSet) firstMissing() (i, a, j, b int, ok bool) {
	for i := range p.sizes {
		for j := i + 1; j < len(p.sizes); j++ {
			for k, seen := range p.seen[i][j] {
				if !seen {
					return i, k / p.sizes[j], j, k % p.sizes[j], true
				}
			}
		}
	}
	return 0, 0, 0, 0, false
}

// coveringArray is a small set of rows, each a level for every factor, in which every pair
// of levels of two factors appears at least once. It is built greedily and always the same
// for the same sizes: each row starts from the first pair still missing, and each other
// factor, in order, takes the level that adds the most missing pairs with the levels
// already chosen (the lowest on a tie).
func coveringArray(sizes []int) [][]int {
	covered := newPairSet(sizes)
	var rows [][]int
	for {
		i, a, j, b, ok := covered.firstMissing()
		if !ok {
			return rows
		}
		row := make([]int, len(sizes))
		set := make([]bool, len(sizes))
		row[i], row[j], set[i], set[j] = a, b, true, true
		for k := range sizes {
			if set[k] {
				continue
			}
			best, bestGain := 0, -1
			for level := range sizes[k] {
				gain := 0
				for f := range sizes {
					if !set[f] {
						continue
					}
					lo, la, hi, hb := f, row[f], k, level
					if k < f {
						lo, la, hi, hb = k, level, f, row[f]
					}
					if !covered.has(lo, la, hi, hb) {
						gain++
					}
				}
				if gain > bestGain {
					best, bestGain = level, gain
				}
			}
			row[k], set[k] = best, true
		}
		covered.add(row)
		rows = append(rows, row)
	}
}

// Coverage is how many of the pairs of list-parameter levels the property checks' walks
// drew, of all the pairs there are.
type Coverage struct {
	Covered int `json:"covered"`
	Pairs   int `json:"pairs"`
}

// String is the figure as a run prints it: "pairwise coverage: 339/339 pairs".
func (c Coverage) String() string {
	return fmt.Sprintf("pairwise coverage: %d/%d pairs", c.Covered, c.Pairs)
}

// coverage is the pairs the property checks' walks drew, of all the pairs of the spec's
// factors; none drawn when no property check ran.
func (s *session) coverage() Coverage {
	v, err := s.vocabulary()
	if err != nil {
		return Coverage{}
	}
	c := Coverage{Pairs: newPairSet(sizes(v.factors())).total()}
	if s.corpus != nil && s.corpus.drawn != nil {
		c.Covered = s.corpus.drawn.count
	}
	return c
}
