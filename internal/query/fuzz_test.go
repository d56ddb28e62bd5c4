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
		if _, err := ParseFilterKey("filter[" + field + "]"); err != nil && err.Code.Status() != 400 {
			t.Fatalf("status %d", err.Code.Status())
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
