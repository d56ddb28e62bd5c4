package mock_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// The request patterns of long-running Outreach clients: parameters appended again to
// links.next, newFilterSyntax windows, null tests and offset pages.

// follow walks a list from first through links.next, appending extra to every later
// page's URL as Python's requests does when given params for a URL that has a query. It
// fails on a record seen twice.
func follow(t *testing.T, c *apitest.Client, first, extra string) []stage {
	t.Helper()
	var all []stage
	seen := map[int64]bool{}
	target := first
	for pages := 1; target != ""; pages++ {
		if pages > 100 {
			t.Fatal("the walk does not end")
		}
		r := c.Get(target)
		if r.Status != 200 {
			t.Fatalf("page %d (%s): status %d\n%.400s", pages, target, r.Status, r.Body)
		}
		doc := decodeList(t, r)
		for _, s := range doc.Data {
			if seen[s.ID] {
				t.Fatalf("stage %d returned twice (page %d)", s.ID, pages)
			}
			seen[s.ID] = true
		}
		all = append(all, doc.Data...)
		target = ""
		if doc.Links.Next != "" {
			target = nextTarget(t, doc.Links.Next)
			if extra != "" {
				target += "&" + extra
			}
		}
	}
	return all
}

func TestRepeatedParametersLastOneWins(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 40, Seed: 3})
	same := func(a, b string) {
		t.Helper()
		da, db := decodeList(t, c.Get(a)), decodeList(t, c.Get(b))
		if diff := cmp.Diff(ids(db.Data), ids(da.Data)); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", a, b, diff)
		}
		if diff := cmp.Diff(db.Meta, da.Meta); diff != "" {
			t.Errorf("%s: meta differs from %s (-want +got):\n%s", a, b, diff)
		}
	}
	same(stages+"?count=true&count=true&sort=name&sort=name", stages+"?count=true&sort=name")
	same(stages+"?sort=name&sort=-order", stages+"?sort=-order")
	same(stages+"?filter[order]=1..5&filter[order]=3..inf&page[size]=2&page[size]=9", stages+"?filter[order]=3..inf&page[size]=9")
	if a, b := c.Get(stages+"/3?include=creator&include=creator"), c.Get(stages+"/3?include=creator"); a.Status != 200 || string(a.Body) != string(b.Body) {
		t.Errorf("a repeated include on a single stage: %d\n%s\nwant\n%s", a.Status, a.Body, b.Body)
	}

	// The links repeat each parameter once, so appending them again never makes them grow.
	doc := decodeList(t, c.Get(stages+"?page[size]=5&page[size]=5&count=true&count=true"))
	if n := strings.Count(doc.Links.Next, "page%5Bsize%5D"); n != 1 {
		t.Errorf("links.next names page[size] %d times: %s", n, doc.Links.Next)
	}
	if got := follow(t, c, stages+"?page[size]=5&count=true&sort=-name", "page%5Bsize%5D=5&count=true&sort=-name"); len(got) != 48 {
		t.Errorf("walk with parameters appended again saw %d stages, want 48", len(got))
	}
}

// Each operator filter returns what its classic equivalent returns, through every page.
func TestNewFilterSyntaxMatchesClassic(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 300, Seed: 11})
	tests := []struct{ operators, classic string }{
		{"filter[order][gte]=20&filter[order][lte]=90", "filter[order]=20..90"},
		{"filter[order][gt]=19&filter[order][lt]=91", "filter[order]=20..90"},
		{"filter[id][gte]=250", "filter[id]=250..inf"},
		{"filter[id][lte]=7", "filter[id]=neginf..7"},
		{"filter[updatedAt][gte]=2024-03-01T00:00:00Z&filter[updatedAt][lte]=2024-09-30T23:59:59.999Z", "filter[updatedAt]=2024-03-01T00:00:00Z..2024-09-30T23:59:59.999Z"},
		{"filter[updatedAt][gte]=2024-03-01&filter[updatedAt][lte]=2024-09-30", "filter[updatedAt]=2024-03-01..2024-09-30"},
		{"filter[createdAt][lt]=2024-01-01", "filter[createdAt]=neginf..2023-12-31"},
		{"filter[createdAt][gt]=2024-12-31", "filter[createdAt]=2025-01-01..inf"},
		{"filter[name][gte]=D&filter[name][lt]=N", "filter[name]=D..M~"},
		{"filter[id][]=3&filter[id][]=5&filter[id][]=300", "filter[id]=3,5,300"},
		{"filter[isClosed][]=true", "filter[isClosed]=true"},
		{"filter[createdAt][]=2024-01-05", "filter[createdAt]=2024-01-05"},
		{"filter[isClosed]=false&filter[order][gte]=100", "filter[isClosed]=false&filter[order]=100..inf"},
	}
	for _, tt := range tests {
		t.Run(tt.operators, func(t *testing.T) {
			for _, sort := range []string{"", "&sort=-updatedAt", "&sort=name,id"} {
				want := follow(t, c, stages+"?count=true&page[size]=1000&"+tt.classic+sort, "")
				first := stages + "?newFilterSyntax=true&count=true&page[size]=7&" + tt.operators + sort
				got := follow(t, c, first, "")
				if len(want) == 0 {
					t.Fatalf("%s matches nothing; pick a filter that does", tt.classic)
				}
				if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
					t.Errorf("sort %q: (-classic +operators):\n%s", sort, diff)
				}
				doc := decodeList(t, c.Get(first))
				if doc.Meta == nil || doc.Meta.Count != len(want) {
					t.Errorf("sort %q: meta %+v, want count %d", sort, doc.Meta, len(want))
				}
			}
		})
	}
}

func TestLinksRepeatTheFilterForm(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 30, Seed: 2})
	doc := decodeList(t, c.Get(stages+"?newFilterSyntax=true&filter[updatedAt][gte]=2023-01-01&filter[name][]=a,b&filter[name][]=c..d&filter[order][lt]=1000&page[size]=2"))
	for _, link := range []string{doc.Links.First} {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if q.Get("newFilterSyntax") != "true" || q.Get("filter[updatedAt][gte]") != "2023-01-01" || q.Get("filter[order][lt]") != "1000" ||
			!slices.Equal(q["filter[name][]"], []string{"a,b", "c..d"}) || q.Has("filter[updatedAt]") {
			t.Errorf("link does not repeat the query as sent: %s", link)
		}
	}
	// The any-of list takes its values whole: a name with a comma and dots matches itself.
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Legal, Security.. Review"}}}`)
	got := ids(decodeList(t, c.Get(stages+"?newFilterSyntax=true&filter[name][]=Legal,%20Security..%20Review&filter[name][]=Nothing")).Data)
	if diff := cmp.Diff([]int64{39}, got); diff != "" {
		t.Errorf("filter[name][] with a comma (-want +got):\n%s", diff)
	}
}

func TestNullFilters(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"No order yet"}}}`)
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"order":12}}}`)
	tests := []struct {
		query string
		want  []int64
	}{
		{"filter[order]=__null__", []int64{9}},
		{"filter[name]=__null__", []int64{10}},
		{"filter[isClosed]=__null__", []int64{9, 10}},
		{"filter[order]=__notnull__&filter[isClosed]=true", []int64{7, 8}},
		{"filter[name]=__notnull__&filter[order]=__notnull__", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"filter[updatedAt]=__null__", []int64{}},
		{"filter[id]=__notnull__&filter[order]=__null__", []int64{9}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(decodeList(t, c.Get(stages+"?"+tt.query)).Data)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOffsetPages(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 95, Seed: 5}) // 103 stages
	for _, q := range []string{"", "&sort=-name", "&filter[isClosed]=false&sort=updatedAt", "&sort=-id"} {
		t.Run(q, func(t *testing.T) {
			want := ids(follow(t, c, stages+"?page[size]=7"+q, ""))
			got := ids(follow(t, c, stages+"?page[offset]=0&page[limit]=7"+q, ""))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("offset pages differ from cursor pages (-want +got):\n%s", diff)
			}
			doc := decodeList(t, c.Get(stages+"?page[limit]=10&page[offset]=20&count=true"+q))
			if diff := cmp.Diff(want[20:min(30, len(want))], ids(doc.Data)); diff != "" {
				t.Errorf("page[offset]=20 (-want +got):\n%s", diff)
			}
			if doc.Meta == nil || doc.Meta.Count != len(want) {
				t.Errorf("meta %+v, want count %d", doc.Meta, len(want))
			}
		})
	}
	offsetOf := func(link string) string {
		if link == "" {
			return "none"
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("page[limit]") != "10" || u.Query().Get("sort") != "name" {
			t.Errorf("link lost the query: %s", link)
		}
		return u.Query().Get("page[offset]")
	}
	tests := []struct {
		offset                  string
		first, prev, next, last string
		records                 int
	}{
		{"0", "0", "none", "10", "100", 10},
		{"15", "0", "5", "25", "100", 10},
		{"95", "0", "85", "none", "100", 8},
		{"100", "0", "90", "none", "100", 3},
		{"500", "0", "490", "none", "100", 0},
	}
	for _, tt := range tests {
		r := c.Get(stages + "?page[limit]=10&sort=name&page[offset]=" + tt.offset)
		doc := decodeList(t, r)
		var links struct {
			Links struct{ Last string } `json:"links"`
		}
		if err := jsonUnmarshal(r.Body, &links); err != nil {
			t.Fatal(err)
		}
		got := []string{offsetOf(doc.Links.First), offsetOf(doc.Links.Prev), offsetOf(doc.Links.Next), offsetOf(links.Links.Last)}
		if diff := cmp.Diff([]string{tt.first, tt.prev, tt.next, tt.last}, got); diff != "" {
			t.Errorf("offset %s: links first, prev, next, last (-want +got):\n%s", tt.offset, diff)
		}
		if len(doc.Data) != tt.records {
			t.Errorf("offset %s: %d records, want %d", tt.offset, len(doc.Data), tt.records)
		}
	}
	// A cursor taken from a cursor page does not mix with offset pages.
	next := decodeList(t, c.Get(stages+"?page[size]=2")).Links.Next
	after, _ := url.Parse(next)
	r := c.Get(stages + "?page[offset]=2&page[after]=" + after.Query().Get("page[after]"))
	if e := wantError(t, r, 400, "badRequest"); e.Parameter != "page[offset]" || !strings.Contains(e.Detail, "page[after]") {
		t.Errorf("mixing offset and cursor: %+v", e)
	}
}

// A sync done the way ETL connectors do it, over several pages of a generated dataset:
// page 1 from a raw, unencoded query; later pages from links.next with the parameters
// appended again; and a windowed incremental sync with newFilterSyntax, whole-second
// bounds and page[size]=1000, each next page rebuilt from the cursor in links.next.
func TestClientSyncReplay(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 3200, Seed: 42})
	all := follow(t, c, stages+"?page[size]=1000", "")
	inRange := func(lo, hi string) map[int64]bool {
		from, _ := time.Parse(time.RFC3339, lo)
		to, _ := time.Parse(time.RFC3339, hi)
		want := map[int64]bool{}
		for _, s := range all {
			u, err := time.Parse(time.RFC3339Nano, s.Attributes.UpdatedAt)
			if err != nil {
				t.Fatal(err)
			}
			if !u.Before(from) && !u.After(to) {
				want[s.ID] = true
			}
		}
		return want
	}
	exactly := func(t *testing.T, want map[int64]bool, got []stage) {
		t.Helper()
		seen := map[int64]int{}
		for _, s := range got {
			seen[s.ID]++
			if !want[s.ID] {
				t.Errorf("stage %d (updatedAt %s) is out of range", s.ID, s.Attributes.UpdatedAt)
			}
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("stage %d, in range, returned %d times", id, seen[id])
			}
		}
	}

	t.Run("links.next with the parameters appended again", func(t *testing.T) {
		const since = "2023-06-01T00:00:00Z"
		first := stages + "?page[size]=1000&count=true&filter[updatedAt]=" + since + "..inf&sort=updatedAt"
		extra := url.Values{"page[size]": {"1000"}, "count": {"true"}, "filter[updatedAt]": {since + "..inf"}, "sort": {"updatedAt"}}.Encode()
		want := inRange(since, "2100-01-01T00:00:00Z")
		if len(want) < 2001 {
			t.Fatalf("only %d records in range; the test needs several pages", len(want))
		}
		exactly(t, want, follow(t, c, first, extra))
	})

	t.Run("a newFilterSyntax window, links.next with the parameters appended again", func(t *testing.T) {
		const from, to = "2023-03-01T00:00:00Z", "2025-09-30T23:59:59Z"
		params := url.Values{"newFilterSyntax": {"true"}, "filter[updatedAt][gte]": {from}, "filter[updatedAt][lte]": {to},
			"sort": {"updatedAt"}, "page[size]": {"1000"}}
		first := stages + "?newFilterSyntax=true&filter[updatedAt][gte]=" + from + "&filter[updatedAt][lte]=" + to + "&sort=updatedAt&page[size]=1000"
		want := inRange(from, to)
		if len(want) < 2001 {
			t.Fatalf("only %d records in range; the test needs several pages", len(want))
		}
		exactly(t, want, follow(t, c, first, params.Encode()))
	})

	t.Run("windowed incremental sync", func(t *testing.T) {
		windows := [][2]string{
			{"2023-01-01T00:00:00Z", "2024-04-30T23:59:59Z"},
			{"2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z"},
			{"2024-05-01T00:00:01Z", "2026-01-01T23:59:59Z"},
		}
		pagesSeen := 0
		for _, w := range windows {
			base := "newFilterSyntax=true&filter[updatedAt][gte]=" + w[0] + "&filter[updatedAt][lte]=" + w[1] + "&sort=updatedAt&page[size]=1000"
			var got []stage
			target := stages + "?" + base
			for pages := 1; target != ""; pages++ {
				if pages > 20 {
					t.Fatal("the window does not end")
				}
				doc := decodeList(t, c.Get(target))
				got = append(got, doc.Data...)
				pagesSeen++
				target = ""
				if doc.Links.Next != "" {
					next, err := url.Parse(doc.Links.Next)
					if err != nil {
						t.Fatal(err)
					}
					target = stages + "?" + base + "&page[after]=" + next.Query().Get("page[after]")
				}
			}
			exactly(t, inRange(w[0], w[1]), got)
		}
		if pagesSeen < 5 {
			t.Errorf("the windows took %d pages; the test needs several per window", pagesSeen)
		}
	})
}
