package query

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
)

func TestParseFilter(t *testing.T) {
	day := time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		field Field
		raw   string
		want  Condition
		code  oppstages.ErrorCode
	}{
		{FieldOrder, "3", Condition{Field: FieldOrder, Values: []Value{{Int: 3}}, Spans: []time.Duration{0}}, ""},
		{FieldOrder, "1,-2", Condition{Field: FieldOrder, Values: []Value{{Int: 1}, {Int: -2}}, Spans: []time.Duration{0, 0}}, ""},
		{FieldOrder, "neginf..4", Condition{Field: FieldOrder, IsRange: true, Lo: Bound{Open: true}, Hi: Bound{Value: Value{Int: 4}}}, ""},
		{FieldOrder, "2..inf", Condition{Field: FieldOrder, IsRange: true, Lo: Bound{Value: Value{Int: 2}}, Hi: Bound{Open: true}}, ""},
		{FieldName, "a,b", Condition{Field: FieldName, Values: []Value{{Str: "a"}, {Str: "b"}}, Spans: []time.Duration{0, 0}}, ""},
		{FieldIsClosed, "true", Condition{Field: FieldIsClosed, Values: []Value{{Bool: true}}, Spans: []time.Duration{0}}, ""},
		{FieldCreatedAt, "2024-01-05", Condition{Field: FieldCreatedAt, Values: []Value{{Time: day}}, Spans: []time.Duration{24 * time.Hour}}, ""},
		{FieldCreatedAt, "neginf..2024-01-05", Condition{Field: FieldCreatedAt, IsRange: true, Lo: Bound{Open: true}, Hi: Bound{Value: Value{Time: day.Add(24*time.Hour - time.Millisecond)}}}, ""},
		{FieldOrder, "x", Condition{}, oppstages.CodeBadRequest},
		{FieldOrder, "1..", Condition{}, oppstages.CodeBadRequest},
		{FieldIsClosed, "TRUE", Condition{}, oppstages.CodeBadRequest},
		{FieldUpdatedAt, "2024-02-30", Condition{}, oppstages.CodeInvalidDatetimeFormat},
		{FieldUpdatedAt, "inf..2024-01-01", Condition{}, oppstages.CodeInvalidDatetimeFormat},
	}
	for _, tt := range tests {
		t.Run(string(tt.field)+"="+tt.raw, func(t *testing.T) {
			got, err := ParseFilter(tt.field, tt.raw)
			if tt.code != "" {
				if err == nil || err.Code != tt.code || err.Parameter != FilterParamName(tt.field) {
					t.Fatalf("err = %v, want %s at %s", err, tt.code, FilterParamName(tt.field))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSort(t *testing.T) {
	got, err := ParseSort("-name,order")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Sort{{FieldName, true}, {FieldOrder, false}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got.String() != "-name,order" || got.WithIDTiebreak().String() != "-name,order,id" {
		t.Errorf("String = %q, tiebreak = %q", got.String(), got.WithIDTiebreak().String())
	}
	for _, bad := range []string{"color", "name,name", "", "-", "creator"} {
		if _, err := ParseSort(bad); err == nil || err.Code != oppstages.CodeUnsortableField {
			t.Errorf("ParseSort(%q) = %v, want unsortable", bad, err)
		}
	}
}

func TestCursorsRejectTampering(t *testing.T) {
	c := NewCursors([]byte("key"))
	name := "Discovery"
	sort := Sort{{FieldName, false}}
	raw := c.Encode(sort.PositionOf(&oppstages.Stage{ID: 3, Name: &name}))
	p, err := c.Decode(raw, "page[after]", sort)
	if err != nil || p.ID != 3 || *p.Values[0].Str != "Discovery" {
		t.Fatalf("round trip: %+v, %v", p, err)
	}
	flipped := []byte(raw)
	flipped[5] ^= 1
	tests := map[string]struct {
		raw  string
		sort Sort
	}{
		"flipped bit":     {string(flipped), sort},
		"other key":       {NewCursors([]byte("other")).Encode(sort.PositionOf(&oppstages.Stage{ID: 3})), sort},
		"other sort":      {raw, Sort{{FieldOrder, false}}},
		"truncated":       {raw[:len(raw)-2], sort},
		"not base64":      {"!!!", sort},
		"empty":           {"", sort},
		"appended":        {raw + "AA", sort},
		"unsigned JSON":   {"eyJzIjoibmFtZSxpZCJ9", sort},
		"extra long junk": {strings.Repeat("A", 400), sort},
	}
	for name, tt := range tests {
		if _, err := c.Decode(tt.raw, "page[after]", tt.sort); err == nil || err.Code != oppstages.CodeInvalidCursor {
			t.Errorf("%s: err = %v, want invalidCursor", name, err)
		}
	}
}

func TestParseList(t *testing.T) {
	v := url.Values{"filter[order]": {"1..3"}, "sort": {"-order"}, "page[size]": {"5"}, "count": {"true"},
		"fields[opportunityStage]": {"name"}, "include": {"creator"}, "provideAuthorizationMeta": {"true"}}
	l, err := ParseList(v, NewCursors(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l.Size != 5 || !l.Count || !l.IncludeCreator || !l.AuthzMeta || l.DataConnMeta || len(l.Filters) != 1 ||
		l.Sort.String() != "-order" || !l.StageFields.Has("name") || l.StageFields.Has("order") || !l.UserFields.Has("email") {
		t.Errorf("ParseList = %+v", l)
	}
	if _, err := ParseList(url.Values{"bogus": {"1"}}, NewCursors(nil)); err == nil || err.Parameter != "bogus" {
		t.Errorf("unknown parameter: %v", err)
	}
}
