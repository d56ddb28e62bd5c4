package query

import (
	"net/url"
	"testing"

	"github.com/oppstages/oppstages"
)

// Every parser either succeeds or returns an error with a 4xx status; none panics.
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{"1", "1,2", "1..3", "neginf..inf", "2024-01-01", "2024-01-01T00:00:00Z..inf", "..", ",", "true,false", "a..b..c"} {
		f.Add("order", seed)
		f.Add("createdAt", seed)
	}
	f.Fuzz(func(t *testing.T, field, raw string) {
		for _, fd := range Fields {
			c, err := ParseFilter(fd.Name, raw)
			if err != nil {
				if s := err.Code.Status(); s < 400 || s >= 500 {
					t.Fatalf("status %d", s)
				}
				continue
			}
			name := "x"
			c.Match(&oppstages.Stage{ID: 1, Name: &name})
		}
		if _, _, err := ParseFilterKey("filter[" + field + "]"); err != nil && err.Code.Status() != 400 {
			t.Fatalf("status %d", err.Code.Status())
		}
	})
}

// The new filter syntax: any key and any value parse to a condition that matches without
// panicking, or to a 400 naming the parameter.
func FuzzParseNewFilterSyntax(f *testing.F) {
	for _, seed := range []struct{ key, value string }{
		{"filter[updatedAt][gte]", "2024-01-01T00:00:00Z"}, {"filter[createdAt][lt]", "2024-01-01"},
		{"filter[order][gt]", "-3"}, {"filter[name][lte]", "M"}, {"filter[id][]", "1"},
		{"filter[name][]", "a,b..c"}, {"filter[isClosed][gte]", "true"}, {"filter[order][eq]", "1"},
		{"filter[order][]]", "1"}, {"filter[][]", ""}, {"filter[name]", "__null__"}, {"filter[order]", "__notnull__"},
	} {
		f.Add(seed.key, seed.value)
	}
	stages := []oppstages.Stage{{ID: 1}, {ID: 2, Name: new("m"), Order: new(int64(4)), IsClosed: new(true)}}
	f.Fuzz(func(t *testing.T, key, raw string) {
		k, ok, err := ParseFilterKey(key)
		if err != nil {
			if err.Code.Status() != 400 || err.Parameter != key {
				t.Fatalf("key %q: %d at %q", key, err.Code.Status(), err.Parameter)
			}
			return
		}
		if !ok {
			return
		}
		var c Condition
		switch k.Op {
		case OpClassic:
			c, err = ParseFilter(k.Field, raw)
		case OpAnyOf:
			c, err = ParseAnyOf(k.Field, []string{raw, raw + ","})
		default:
			c, err = ParseComparison(k.Field, k.Op, raw)
		}
		if err != nil {
			if err.Code.Status() != 400 || err.Parameter != k.Param() {
				t.Fatalf("%s=%q: %d at %q, want 400 at %s", key, raw, err.Code.Status(), err.Parameter, k.Param())
			}
			return
		}
		for i := range stages {
			c.Match(&stages[i])
		}
	})
}

func FuzzParseSortAndFields(f *testing.F) {
	for _, seed := range []string{"name", "-order,name", "color", ",", "-", "name,,id", "creator"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if s, err := ParseSort(raw); err == nil {
			if _, err := ParseSort(s.String()); err != nil {
				t.Fatalf("sort %q does not round-trip: %v", raw, err)
			}
		}
		_, _ = ParseFieldset("opportunityStage", raw, StageMembers)
		_, _ = ParseInclude(raw)
	})
}

func FuzzCursorDecode(f *testing.F) {
	c := NewCursors([]byte("fuzz"))
	name := "n"
	f.Add(c.Encode(Sort{}.PositionOf(&oppstages.Stage{ID: 1, Name: &name})))
	f.Add("eyJ9")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		for _, s := range []Sort{nil, {{FieldName, true}}} {
			p, err := c.Decode(raw, "page[after]", s)
			if err != nil {
				if err.Code != oppstages.CodeInvalidCursor {
					t.Fatalf("code %s", err.Code)
				}
				continue
			}
			s.CompareToPosition(&oppstages.Stage{ID: 2}, &p)
		}
	})
}

func FuzzParseList(f *testing.F) {
	f.Add("filter%5Border%5D=1..3&sort=-name&page%5Bsize%5D=10&count=true")
	f.Add("fields%5BopportunityStage%5D=name&include=creator&page%5Bafter%5D=abc")
	f.Add("newFilterSyntax=true&filter[updatedAt][gte]=2024-01-01&filter[updatedAt][lte]=2024-02-01T00:00:00Z&count=true&count=true")
	f.Add("filter[name][]=a,b&filter[name][]=c..d&newFilterSyntax=true&sort=name&sort=-name")
	f.Add("page[offset]=20&page[limit]=10&filter[order]=__null__")
	f.Add("page[offset]=20&page[size]=10")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		v, err := url.ParseQuery(rawQuery)
		if err != nil {
			return
		}
		if _, perr := ParseList(v, NewCursors(nil)); perr != nil && perr.Code.Status() != 400 {
			t.Fatalf("status %d", perr.Code.Status())
		}
	})
}
