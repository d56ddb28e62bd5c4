package contract

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func stage(id int64, name any, order any, closed any, created string) resource {
	return resource{Type: "opportunityStage", ID: id, Attrs: map[string]any{
		"name": name, "order": order, "isClosed": closed, "createdAt": created, "updatedAt": created,
	}}
}

var oracleKinds = map[string]kind{"id": kindInt, "name": kindString, "order": kindInt, "isClosed": kindBool, "createdAt": kindTime, "updatedAt": kindTime}

func testOracle() *oracle {
	return newOracle(oracleKinds, []resource{
		stage(1, "Discovery", 1.0, false, "2024-01-05T10:00:00.000Z"),
		stage(2, "Discovery Call", 2.0, false, "2024-01-05T23:59:59.999Z"),
		stage(3, "DISCOVERY", 2.0, true, "2024-01-06T00:00:00.000Z"),
		stage(4, nil, nil, nil, "2024-01-04T12:00:00.000Z"),
		stage(5, "apple", 5.0, true, "2024-01-05T10:00:00.000Z"),
	}, nil)
}

func TestOracleFilters(t *testing.T) {
	o := testOracle()
	tests := []struct {
		attr, value string
		want        []int64
	}{
		{"name", "Discovery", []int64{1}},            // exact: not the prefix's owner, not the case variant
		{"name", "Disc", nil},                        // no substring matches
		{"name", "Discovery,apple", []int64{1, 5}},   // any of
		{"name", "Discovery..Discovery", []int64{1}}, // both ends inclusive
		{"name", "D..E", []int64{1, 2, 3}},           // byte order: "apple" sorts after "E"
		{"order", "2", []int64{2, 3}},                // nulls never match
		{"order", "2..5", []int64{2, 3, 5}},          // inclusive at both ends
		{"order", "neginf..1", []int64{1}},           // lower-open
		{"order", "3..inf", []int64{5}},              // upper-open
		{"order", "5..2", nil},                       // an empty range
		{"id", "1,3,9", []int64{1, 3}},               // ids that do not exist match nothing
		{"isClosed", "true", []int64{3, 5}},          // null is neither true nor false
		{"isClosed", "true,false", []int64{1, 2, 3, 5}},
		{"createdAt", "2024-01-05", []int64{1, 2, 5}}, // a date is its whole UTC day
		{"createdAt", "2024-01-05T10:00:00.000Z", []int64{1, 5}},
		{"createdAt", "2024-01-05T10:00:00Z", []int64{1, 5}},          // the same instant written another way
		{"createdAt", "neginf..2024-01-05", []int64{1, 2, 4, 5}},      // an upper date includes its day
		{"createdAt", "2024-01-06..inf", []int64{3}},                  // a lower date starts at midnight
		{"createdAt", "2024-01-05T10:00:00.001Z..inf", []int64{2, 3}}, // one millisecond later
		{"createdAt", "2024-01-05..2024-01-05", []int64{1, 2, 5}},     // one day, both ends
		{"updatedAt", "neginf..2024-01-05T23:59:59.999Z", []int64{1, 2, 4, 5}},
	}
	for _, tt := range tests {
		q := listQuery{filters: []filter{{attr: tt.attr, value: tt.value}}}
		if diff := cmp.Diff(tt.want, sortedIDs(o.expect(q, byteOrder)), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("filter[%s]=%s (-want +got):\n%s", tt.attr, tt.value, diff)
		}
	}
	// Under a case-folded collation, "apple" falls in A..D and the three discoveries in d..e.
	q := listQuery{filters: []filter{{attr: "name", value: "A..D"}}}
	if diff := cmp.Diff([]int64{5}, sortedIDs(o.expect(q, caseFolded))); diff != "" {
		t.Errorf("case-folded name range (-want +got):\n%s", diff)
	}
	q = listQuery{filters: []filter{{attr: "name", value: "d..e"}}}
	if diff := cmp.Diff([]int64{1, 2, 3}, sortedIDs(o.expect(q, caseFolded))); diff != "" {
		t.Errorf("case-folded name range (-want +got):\n%s", diff)
	}
}

func TestOracleNewFilterSyntax(t *testing.T) {
	o := testOracle()
	tests := []struct {
		filters []filter
		want    []int64
	}{
		{[]filter{{attr: "order", op: "gte", value: "2"}}, []int64{2, 3, 5}},
		{[]filter{{attr: "order", op: "gt", value: "2"}}, []int64{5}},
		{[]filter{{attr: "order", op: "lte", value: "2"}}, []int64{1, 2, 3}},
		{[]filter{{attr: "order", op: "lt", value: "2"}}, []int64{1}},
		{[]filter{{attr: "order", op: "gt", value: "1"}, {attr: "order", op: "lt", value: "5"}}, []int64{2, 3}}, // a window
		{[]filter{{attr: "createdAt", op: "gte", value: "2024-01-05"}}, []int64{1, 2, 3, 5}},                    // from the day's start
		{[]filter{{attr: "createdAt", op: "gt", value: "2024-01-05"}}, []int64{3}},                              // after the whole day
		{[]filter{{attr: "createdAt", op: "lte", value: "2024-01-05"}}, []int64{1, 2, 4, 5}},                    // up to the day's end
		{[]filter{{attr: "createdAt", op: "lt", value: "2024-01-05"}}, []int64{4}},                              // before the day
		{[]filter{{attr: "createdAt", op: "gt", value: "2024-01-05T10:00:00.000Z"}}, []int64{2, 3}},
		{[]filter{{attr: "createdAt", op: "lte", value: "2024-01-05T10:00:00.000Z"}}, []int64{1, 4, 5}},
		{[]filter{{attr: "name", op: anyOf, value: "Discovery", more: []string{"apple"}}}, []int64{1, 5}},
		{[]filter{{attr: "name", op: anyOf, value: "Discovery,apple"}}, nil}, // taken whole
		{[]filter{{attr: "name", value: "__null__"}}, []int64{4}},
		{[]filter{{attr: "order", value: "__notnull__"}}, []int64{1, 2, 3, 5}},
		{[]filter{{attr: "order", value: "5", more: []string{"1"}}}, []int64{5}}, // sent twice: the last value counts
	}
	for _, tt := range tests {
		q := listQuery{newSyntax: true, filters: tt.filters}
		if diff := cmp.Diff(tt.want, sortedIDs(o.expect(q, byteOrder)), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", readable(q.path(0)), diff)
		}
	}
	q := listQuery{filters: []filter{{attr: "order", value: "5", more: []string{"1"}}, {attr: "name", op: anyOf, value: "a", more: []string{"b"}}}}
	if got, want := readable(q.path(0)), "/opportunityStages?filter[name][]=a&filter[name][]=b&filter[order]=1&filter[order]=5"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}

func TestOracleSort(t *testing.T) {
	o := testOracle()
	tests := []struct {
		sort []sortKey
		coll collation
		want []int64
	}{
		{nil, byteOrder, []int64{1, 2, 3, 4, 5}},
		{[]sortKey{{"order", false}}, byteOrder, []int64{4, 1, 2, 3, 5}},                     // null first, id breaks the 2-2 tie
		{[]sortKey{{"order", true}}, byteOrder, []int64{5, 2, 3, 1, 4}},                      // null last, ties still by ascending id
		{[]sortKey{{"isClosed", false}, {"order", true}}, byteOrder, []int64{4, 2, 1, 5, 3}}, // second key inside the first's ties
		{[]sortKey{{"name", false}}, byteOrder, []int64{4, 3, 1, 2, 5}},
		{[]sortKey{{"name", false}}, caseFolded, []int64{4, 5, 1, 3, 2}},
		{[]sortKey{{"createdAt", true}, {"id", true}}, byteOrder, []int64{3, 2, 5, 1, 4}},
	}
	for _, tt := range tests {
		q := listQuery{sort: tt.sort}
		if diff := cmp.Diff(tt.want, ids(o.expect(q, tt.coll))); diff != "" {
			t.Errorf("sort=%s (-want +got):\n%s", q.values().Get("sort"), diff)
		}
	}
}

func TestShownKeepsOnlyTheFields(t *testing.T) {
	r := resource{Type: "opportunityStage", ID: 7,
		Attrs: map[string]any{"name": "A", "order": 1.0},
		Rels:  map[string]any{"creator": map[string]any{"data": nil}, "opportunities": map[string]any{}},
		Links: map[string]any{"self": "x"}}
	want := map[string]any{"type": "opportunityStage", "id": int64(7),
		"attributes": map[string]any{"name": "A"}, "relationships": map[string]any{"creator": map[string]any{"data": nil}},
		"links": map[string]any{"self": "x"}}
	if diff := cmp.Diff(want, shown(r, []string{"name", "creator"})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := shown(r, []string{"color"}); got["attributes"] != nil || got["relationships"] != nil {
		t.Errorf("fields=color kept %v", got)
	}
}

func TestSimplerShrinksOneStepAtATime(t *testing.T) {
	q := listQuery{filters: []filter{{attr: "name", value: "a,b"}, {attr: "order", value: "1..2"}}, sort: []sortKey{{"name", true}}, include: true, userFields: []string{"name"}, count: true}
	var got []string
	for _, s := range simpler(q) {
		got = append(got, readable(s.path(0)))
	}
	want := []string{
		"/opportunityStages?count=true&fields[user]=name&filter[order]=1..2&include=creator&sort=-name",
		"/opportunityStages?count=true&fields[user]=name&filter[name]=b&filter[order]=1..2&include=creator&sort=-name",
		"/opportunityStages?count=true&fields[user]=name&filter[name]=a&filter[order]=1..2&include=creator&sort=-name",
		"/opportunityStages?count=true&fields[user]=name&filter[name]=a,b&include=creator&sort=-name",
		"/opportunityStages?count=true&fields[user]=name&filter[name]=a,b&filter[order]=1..2&include=creator",
		"/opportunityStages?count=true&filter[name]=a,b&filter[order]=1..2&include=creator&sort=-name",
		"/opportunityStages?count=true&filter[name]=a,b&filter[order]=1..2&sort=-name",
		"/opportunityStages?fields[user]=name&filter[name]=a,b&filter[order]=1..2&include=creator&sort=-name",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
