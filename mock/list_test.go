package mock_test

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

func listTarget(params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return "/api/v2/opportunityStages?" + v.Encode()
}

func TestListFilters(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	tests := []struct {
		param, value string
		want         []int64
	}{
		{"filter[name]", "Discovery", []int64{3}},
		{"filter[name]", "Discovery,Proposal", []int64{3, 5}},
		{"filter[name]", "C..D", []int64{7, 8}},
		{"filter[name]", "Nothing", []int64{}},
		{"filter[order]", "2..4", []int64{2, 3, 4}},
		{"filter[order]", "7..inf", []int64{7, 8}},
		{"filter[order]", "neginf..2", []int64{1, 2}},
		{"filter[order]", "8,1", []int64{1, 8}},
		{"filter[isClosed]", "true", []int64{7, 8}},
		{"filter[isClosed]", "true,false", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"filter[id]", "1,3,5", []int64{1, 3, 5}},
		{"filter[id]", "6..inf", []int64{6, 7, 8}},
		{"filter[updatedAt]", "2024-02-01..inf", []int64{2, 4, 6, 8}},
		{"filter[updatedAt]", "neginf..2024-02-11", []int64{1, 2, 3, 5, 7}},
		{"filter[updatedAt]", "2024-03-19T15:47:05Z..2024-06-02T11:20:33.000Z", []int64{4, 6}},
		{"filter[createdAt]", "2024-01-05", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"filter[createdAt]", "2024-01-05T10:02:41Z", []int64{4, 5}},
		{"filter[createdAt]", "2024-01-05T12:02:41+02:00", []int64{4, 5}},
		{"filter[createdAt]", "2024-01-06..inf", []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.param+"="+tt.value, func(t *testing.T) {
			doc := decodeList(t, c.Get(listTarget(tt.param, tt.value)))
			if diff := cmp.Diff(tt.want, ids(doc.Data)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("two filters", func(t *testing.T) {
		doc := decodeList(t, c.Get(listTarget("filter[isClosed]", "false", "filter[order]", "5..inf")))
		if diff := cmp.Diff([]int64{5, 6}, ids(doc.Data)); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
	})
}

func TestListSort(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	tests := []struct {
		sort string
		want []int64
	}{
		{"", []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"-order", []int64{8, 7, 6, 5, 4, 3, 2, 1}},
		{"name", []int64{8, 7, 3, 6, 5, 1, 2, 4}},
		{"-name", []int64{4, 2, 1, 5, 6, 3, 7, 8}},
		{"isClosed,-order", []int64{6, 5, 4, 3, 2, 1, 8, 7}},
		{"createdAt,-id", []int64{3, 2, 1, 5, 4, 7, 6, 8}},
		{"-updatedAt", []int64{8, 6, 4, 2, 7, 5, 1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			target := "/api/v2/opportunityStages"
			if tt.sort != "" {
				target = listTarget("sort", tt.sort)
			}
			doc := decodeList(t, c.Get(target))
			if diff := cmp.Diff(tt.want, ids(doc.Data)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNullsSortFirstAscendingLastDescending(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Send("POST", "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"name":"No order"}}}`)
	asc := ids(decodeList(t, c.Get(listTarget("sort", "order"))).Data)
	desc := ids(decodeList(t, c.Get(listTarget("sort", "-order"))).Data)
	if asc[0] != 9 || desc[len(desc)-1] != 9 {
		t.Errorf("null order: ascending %v, descending %v; want 9 first, then last", asc, desc)
	}
	if doc := decodeList(t, c.Get(listTarget("filter[order]", "neginf..inf"))); slices.Contains(ids(doc.Data), 9) {
		t.Errorf("a null matched a range filter: %v", ids(doc.Data))
	}
}

func TestCursorPaginationWalksEveryRecordOnce(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 237, Seed: 7})
	for _, sort := range []string{"", "name,-order", "-updatedAt", "isClosed,createdAt"} {
		t.Run("sort="+sort, func(t *testing.T) {
			params := []string{"page[size]", "10", "count", "true"}
			all := []string{"page[size]", "1000"}
			if sort != "" {
				params = append(params, "sort", sort)
				all = append(all, "sort", sort)
			}
			want := ids(decodeList(t, c.Get(listTarget(all...))).Data)
			first := decodeList(t, c.Get(listTarget(params...)))
			if first.Links.Prev != "" {
				t.Errorf("first page has a prev link")
			}
			if first.Meta == nil || first.Meta.Count != 245 || first.Meta.CountTruncated {
				t.Errorf("meta = %+v, want count 245", first.Meta)
			}
			var got []int64
			var last listDoc
			target := listTarget(params...)
			for target != "" {
				last = decodeList(t, c.Get(target))
				if len(last.Data) > 10 {
					t.Fatalf("page of %d, want at most 10", len(last.Data))
				}
				got = append(got, ids(last.Data)...)
				target = ""
				if last.Links.Next != "" {
					target = nextTarget(t, last.Links.Next)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("forward walk differs from one big page (-want +got):\n%s", diff)
			}
			// And back again, from the last page through prev links.
			var back []int64
			doc := last
			for {
				back = append(ids(doc.Data), back...)
				if doc.Links.Prev == "" {
					break
				}
				doc = decodeList(t, c.Get(nextTarget(t, doc.Links.Prev)))
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("backward walk differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinksRepeatTheQuery(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	doc := decodeList(t, c.Get(listTarget("page[size]", "2", "sort", "order", "count", "true", "filter[isClosed]", "false")))
	wantFirst := "http://mock.test/api/v2/opportunityStages?count=true&filter%5BisClosed%5D=false&page%5Bsize%5D=2&sort=order"
	if doc.Links.First != wantFirst {
		t.Errorf("first = %s\nwant    %s", doc.Links.First, wantFirst)
	}
	next, err := url.Parse(doc.Links.Next)
	if err != nil {
		t.Fatal(err)
	}
	q := next.Query()
	if q.Get("page[after]") == "" || q.Get("sort") != "order" || q.Get("filter[isClosed]") != "false" || q.Get("page[size]") != "2" {
		t.Errorf("next link lost the query: %s", doc.Links.Next)
	}
	final := decodeList(t, c.Get(listTarget("filter[isClosed]", "true")))
	if final.Links.Next != "" || final.Links.Prev != "" || final.Meta != nil {
		t.Errorf("single page: next %q prev %q meta %+v; want none", final.Links.Next, final.Links.Prev, final.Meta)
	}
}

func TestIncludeCreatorDeduplicates(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	doc := decodeList(t, c.Get(listTarget("include", "creator")))
	var got []int64
	for _, u := range doc.Included {
		if u.Type != "user" {
			t.Errorf("included type %q", u.Type)
		}
		got = append(got, u.ID)
	}
	if diff := cmp.Diff([]int64{1, 2, 3}, got); diff != "" {
		t.Errorf("included users (-want +got):\n%s", diff)
	}
}

// Records present for the whole walk appear exactly once, whatever is inserted or
// deleted between pages.
func TestPaginationSurvivesConcurrentChanges(t *testing.T) {
	for seed := range uint64(8) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			_, c := newServer(t, mock.Options{Generate: 120, Seed: seed})
			rng := rand.New(rand.NewPCG(seed, 99))
			sorts := []string{"", "name", "-order", "updatedAt,-name", "-isClosed,order"}
			sort := sorts[rng.IntN(len(sorts))]
			params := []string{"page[size]", fmt.Sprint(1 + rng.IntN(15))}
			if sort != "" {
				params = append(params, "sort", sort)
			}
			present := map[int64]bool{}
			for _, id := range ids(decodeList(t, c.Get(listTarget("page[size]", "1000"))).Data) {
				present[id] = true
			}
			seen := map[int64]int{}
			target := listTarget(params...)
			for pages := 0; target != ""; pages++ {
				if pages > 500 {
					t.Fatal("pagination does not end")
				}
				doc := decodeList(t, c.Get(target))
				for _, id := range ids(doc.Data) {
					seen[id]++
				}
				// Change the data between pages: delete a few, insert a few.
				for range rng.IntN(4) {
					id := int64(1 + rng.IntN(140))
					if c.Do(deleteReq(id)).Status == 204 {
						delete(present, id)
					}
				}
				for range rng.IntN(4) {
					c.Send("POST", "/api/v2/opportunityStages", fmt.Sprintf(
						`{"data":{"type":"opportunityStage","attributes":{"name":"Inserted %d","order":%d,"isClosed":%v}}}`,
						rng.IntN(1000), rng.IntN(300), rng.IntN(2) == 0))
				}
				target = ""
				if doc.Links.Next != "" {
					target = nextTarget(t, doc.Links.Next)
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("stage %d seen %d times", id, n)
				}
			}
			for id := range present {
				if seen[id] != 1 {
					t.Errorf("stage %d, present throughout, seen %d times (sort %q)", id, seen[id], sort)
				}
			}
		})
	}
}

func deleteReq(id int64) apitest.Request {
	return apitest.Request{Method: "DELETE", Target: fmt.Sprintf("/api/v2/opportunityStages/%d", id)}
}
