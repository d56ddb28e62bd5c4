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

// filterStages are stages with every field set, and one with the nullable ones null.
func filterStages() []oppstages.Stage {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	return []oppstages.Stage{
		{ID: 1, Name: new("Alpha"), Order: new(int64(1)), IsClosed: new(false), CreatedAt: at("2024-01-01T00:00:00Z"), UpdatedAt: at("2024-01-01T23:59:59.999Z")},
		{ID: 2, Name: new("Beta, Inc.."), Order: new(int64(2)), IsClosed: new(false), CreatedAt: at("2024-01-02T00:00:00Z"), UpdatedAt: at("2024-01-02T00:00:00Z")},
		{ID: 3, Name: new("Gamma"), Order: new(int64(3)), IsClosed: new(true), CreatedAt: at("2024-01-02T12:00:00.500Z"), UpdatedAt: at("2024-01-03T00:00:00.001Z")},
		{ID: 4, CreatedAt: at("2024-01-03T00:00:00Z"), UpdatedAt: at("2024-01-04T00:00:00Z")},
	}
}

func matching(conds []Condition) []int64 {
	var out []int64
	for _, st := range filterStages() {
		if MatchAll(conds, &st) {
			out = append(out, st.ID)
		}
	}
	return out
}

func TestNewFilterSyntax(t *testing.T) {
	tests := []struct {
		query string
		want  []int64
	}{
		{"filter[order][gte]=2", []int64{2, 3}},
		{"filter[order][gt]=2", []int64{3}},
		{"filter[order][lte]=2", []int64{1, 2}},
		{"filter[order][lt]=2", []int64{1}},
		{"filter[order][gt]=1&filter[order][lt]=3", []int64{2}},
		{"filter[id][gte]=2&filter[id][lte]=3", []int64{2, 3}},
		{"filter[name][gte]=B&filter[name][lt]=H", []int64{2, 3}},
		{"filter[name][]=Beta, Inc..&filter[name][]=Gamma", []int64{2, 3}},
		{"filter[id][]=1&filter[id][]=4", []int64{1, 4}},
		{"filter[isClosed][]=true", []int64{3}},
		{"filter[createdAt][]=2024-01-02", []int64{2, 3}},
		// whole-second bounds leave out what is later within the second
		{"filter[updatedAt][gte]=2024-01-02T00:00:00Z&filter[updatedAt][lte]=2024-01-03T00:00:00Z", []int64{2}},
		{"filter[updatedAt][gt]=2024-01-01T23:59:59.999Z", []int64{2, 3, 4}},
		// a date-only value is its whole day: gte/lt from its start, gt/lte to its end
		{"filter[createdAt][gte]=2024-01-02", []int64{2, 3, 4}},
		{"filter[createdAt][gt]=2024-01-02", []int64{4}},
		{"filter[createdAt][lte]=2024-01-02", []int64{1, 2, 3}},
		{"filter[createdAt][lt]=2024-01-02", []int64{1}},
		// the classic syntax keeps working beside the new one
		{"filter[order]=1..3&filter[order][gt]=1", []int64{2, 3}},
		{"filter[name]=__null__", []int64{4}},
		{"filter[order]=__notnull__", []int64{1, 2, 3}},
		{"filter[isClosed]=__null__", []int64{4}},
		{"filter[updatedAt]=__null__", nil},
		{"filter[id]=__notnull__", []int64{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(strings.ReplaceAll(tt.query, "+", "%2B"))
			if err != nil {
				t.Fatal(err)
			}
			v.Set("newFilterSyntax", "true")
			l, perr := ParseList(v, NewCursors(nil))
			if perr != nil {
				t.Fatal(perr)
			}
			if diff := cmp.Diff(tt.want, matching(l.Filters)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewFilterSyntaxErrors(t *testing.T) {
	tests := []struct {
		query, param string
		code         oppstages.ErrorCode
		says         string
	}{
		{"filter[updatedAt][gte]=2024-01-01", "filter[updatedAt][gte]", oppstages.CodeBadRequest, "newFilterSyntax"},
		{"newFilterSyntax=false&filter[name][]=a", "filter[name][]", oppstages.CodeBadRequest, "newFilterSyntax"},
		{"newFilterSyntax=yes", "newFilterSyntax", oppstages.CodeBadRequest, "true or false"},
		{"newFilterSyntax=true&filter[isClosed][gte]=true", "filter[isClosed][gte]", oppstages.CodeBadRequest, "no order"},
		{"newFilterSyntax=true&filter[order][eq]=1", "filter[order][eq]", oppstages.CodeBadRequest, "not a filter operator"},
		{"newFilterSyntax=true&filter[order][gte]=one", "filter[order][gte]", oppstages.CodeBadRequest, "not an integer"},
		{"newFilterSyntax=true&filter[order][gte]=1..3", "filter[order][gte]", oppstages.CodeBadRequest, "not an integer"},
		{"newFilterSyntax=true&filter[updatedAt][lt]=soon", "filter[updatedAt][lt]", oppstages.CodeInvalidDatetimeFormat, "ISO-8601"},
		{"newFilterSyntax=true&filter[id][]=1&filter[id][]=x", "filter[id][]", oppstages.CodeBadRequest, "not an integer"},
		{"newFilterSyntax=true&filter[color][gte]=a", "filter[color][gte]", oppstages.CodeUnfilterableField, "color"},
		{"newFilterSyntax=true&filter[stage][gte]=a", "filter[stage][gte]", oppstages.CodeUnfilterableField, "stage"},
		{"filter[order]=__null__,1", "filter[order]", oppstages.CodeBadRequest, "not an integer"},
		{"page[offset]=10001", "page[offset]", oppstages.CodeBadRequest, "0 to 10000"},
		{"page[limit]=1001", "page[limit]", oppstages.CodeBadRequest, "1 to 1000"},
		{"page[offset]=10&page[size]=5", "page[offset]", oppstages.CodeBadRequest, "not both"},
		{"page[limit]=10&page[after]=x", "page[after]", oppstages.CodeInvalidCursor, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			_, perr := ParseList(v, NewCursors(nil))
			if perr == nil || perr.Code != tt.code || perr.Parameter != tt.param || !strings.Contains(perr.Detail, tt.says) {
				t.Fatalf("err = %+v, want %s at %s saying %q", perr, tt.code, tt.param, tt.says)
			}
		})
	}
}

func TestRepeatedParametersLastWins(t *testing.T) {
	v := url.Values{"sort": {"name", "-order"}, "count": {"true", "true"}, "page[size]": {"7", "7"},
		"filter[name][]": {"a", "b", "a"}}
	got := LastWins(v)
	want := url.Values{"sort": {"-order"}, "count": {"true"}, "page[size]": {"7"}, "filter[name][]": {"a", "b", "a"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LastWins (-want +got):\n%s", diff)
	}
	v.Set("newFilterSyntax", "true")
	l, err := ParseList(v, NewCursors(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l.Sort.String() != "-order" || l.Size != 7 || !l.Count {
		t.Errorf("ParseList of repeated parameters = sort %q size %d count %v", l.Sort, l.Size, l.Count)
	}
}

func TestOffsetPages(t *testing.T) {
	tests := []struct {
		query string
		want  *OffsetPage
	}{
		{"page[offset]=20&page[limit]=10", &OffsetPage{20, 10}},
		{"page[offset]=30", &OffsetPage{30, DefaultPageSize}},
		{"page[limit]=1000", &OffsetPage{0, 1000}},
		{"page[offset]=10000&page[limit]=1", &OffsetPage{10000, 1}},
		{"page[size]=10", nil},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.query)
		l, err := ParseList(v, NewCursors(nil))
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if diff := cmp.Diff(tt.want, l.Offset); diff != "" {
			t.Errorf("%s: offset (-want +got):\n%s", tt.query, diff)
		}
	}
}
