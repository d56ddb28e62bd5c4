package contract

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// remember keeps each resource link once, with what it must lead to, and what each GET
// answered; answers asked for with Prefer and pagination links are left out.
func TestRememberKeepsResourceLinks(t *testing.T) {
	s := &session{api: "http://x/api/v2"}
	page := `{"data":[{"type":"opportunityStage","id":3,"links":{"self":"http://x/api/v2/opportunityStages/3"},
		"relationships":{"creator":{"data":{"type":"user","id":7},"links":{"related":"http://x/api/v2/users/7"}},
		"opportunities":{"links":{"related":"http://x/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=3"}},
		"owner":{"data":null,"links":{"related":"http://x/api/v2/owner/3"}}}}],
		"included":[{"type":"user","id":7,"links":{"self":"http://x/api/v2/users/7"}}],
		"links":{"first":"http://x/api/v2/opportunityStages","next":"http://x/api/v2/opportunityStages?page%5Bafter%5D=a","elsewhere":"http://y/api/v2/z"}}`
	rep := &reply{status: http.StatusOK}
	if err := json.Unmarshal([]byte(page), &rep.doc); err != nil {
		t.Fatal(err)
	}
	s.remember(request{method: http.MethodGet, path: "/opportunityStages"}, rep)
	s.remember(request{method: http.MethodGet, path: "/opportunityStages/9", header: http.Header{"Prefer": {"code=404"}}}, &reply{status: 404})
	want := map[string]seenLink{
		"/opportunityStages/3": {wantType: "opportunityStage", wantID: 3},
		"/users/7":             {wantType: "user", wantID: 7},
		"/opportunities?filter%5BopportunityStage%5D%5Bid%5D=3": {list: true},
		"/owner/3": {},
	}
	got := map[string]seenLink{}
	for path, l := range s.links.seen {
		got[path] = seenLink{wantType: l.wantType, wantID: l.wantID, list: l.list}
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(seenLink{})); diff != "" {
		t.Errorf("links kept (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]answered{"/opportunityStages": {status: 200, list: true}}, s.links.answers, cmp.AllowUnexported(answered{})); diff != "" {
		t.Errorf("answers kept (-want +got):\n%s", diff)
	}
}

func TestLedTo(t *testing.T) {
	stage := seenLink{where: "links.self of opportunityStage 3", link: "http://x/api/v2/opportunityStages/3", wantType: "opportunityStage", wantID: 3}
	tests := []struct {
		link seenLink
		a    answered
		bad  bool
	}{
		{stage, answered{status: 200, dataType: "opportunityStage", dataID: 3}, false},
		{stage, answered{status: 200, dataType: "opportunityStage", dataID: 4}, true},
		{stage, answered{status: 200, dataType: "user", dataID: 3}, true},
		{stage, answered{status: 404}, true},
		{stage, answered{status: 200, list: true}, true},
		{seenLink{list: true}, answered{status: 200, list: true}, false},
		{seenLink{list: true}, answered{status: 200, dataType: "opportunity", dataID: 1}, true},
		{seenLink{}, answered{status: 200}, false},
		{seenLink{}, answered{status: 500}, true},
		{seenLink{list: true}, answered{status: 403, outOfScope: true}, false},
		{seenLink{list: true}, answered{status: 403}, true},
	}
	for _, tt := range tests {
		if got := tt.link.ledTo("/p", tt.a); (got != "") != tt.bad {
			t.Errorf("%+v led to %+v: %q, want a problem: %v", tt.link, tt.a, got, tt.bad)
		}
	}
}

// page is a walked page of records with ids, at path, with links given as paths below
// http://x/api/v2.
func page(path string, links map[string]string, recIDs ...int64) *walkedPage {
	p := &walkedPage{path: path, links: map[string]string{}, paths: map[string]string{}}
	for _, id := range recIDs {
		p.recs = append(p.recs, resource{ID: id})
	}
	for name, l := range links {
		p.links[name], p.paths[name] = "http://x/api/v2"+l, l
	}
	return p
}

func TestJudgeLinksFollowed(t *testing.T) {
	const one, two, back = "/s?page%5Bsize%5D=2", "/s?page%5Bafter%5D=b&page%5Bsize%5D=2", "/s?page%5Bbefore%5D=c&page%5Bsize%5D=2"
	walk := func(offset bool, pages ...*walkedPage) (*corpus, *walked) {
		c := &corpus{pages: map[string]*walkedPage{}}
		w := &walked{offset: offset}
		for _, p := range pages {
			c.pages[p.path] = p
		}
		for _, p := range pages[:2] {
			w.pages = append(w.pages, *p)
		}
		return c, w
	}
	tests := []struct {
		name   string
		offset bool
		pages  []*walkedPage // the walk's two pages, then the pages its links led to
		want   string
	}{
		{"a walk whose links lead where they say", false, []*walkedPage{
			page(one, map[string]string{"first": one, "next": two}, 1, 2),
			page(two, map[string]string{"first": one, "prev": back}, 3),
			page(back, map[string]string{"first": one, "next": two}, 1, 2)}, ""},
		{"prev on the first page", false, []*walkedPage{
			page(one, map[string]string{"first": one, "prev": one, "next": two}, 1, 2),
			page(two, map[string]string{"first": one}, 3)}, "no page comes before the first"},
		{"prev to other records", false, []*walkedPage{
			page(one, map[string]string{"first": one, "next": two}, 1, 2),
			page(two, map[string]string{"first": one, "prev": back}, 3),
			page(back, map[string]string{"first": one, "next": two}, 2, 3)}, "holds other records than the walk's page"},
		{"prev to a page with no way back", false, []*walkedPage{
			page(one, map[string]string{"first": one, "next": two}, 1, 2),
			page(two, map[string]string{"first": one, "prev": back}, 3),
			page(back, map[string]string{"first": one}, 1, 2)}, "no links.next back"},
		{"first to the current page", false, []*walkedPage{
			page(one, map[string]string{"first": one, "next": two}, 1, 2),
			page(two, map[string]string{"first": two}, 3)}, "links.first of page 2"},
		{"a cursor page's link with an offset", false, []*walkedPage{
			page(one, map[string]string{"first": one, "next": two + "&page%5Boffset%5D=2"}, 1, 2),
			page(two, map[string]string{"first": one}, 3)}, "carries page[offset]"},
		{"an offset page's link with a cursor", true, []*walkedPage{
			page("/s?page%5Blimit%5D=2&page%5Boffset%5D=0", map[string]string{"next": "/s?page%5Bafter%5D=b&page%5Blimit%5D=2&page%5Boffset%5D=2"}, 1, 2),
			page("/s?page%5Bafter%5D=b&page%5Blimit%5D=2&page%5Boffset%5D=2", nil, 3)}, "carries page[after]"},
	}
	for _, tt := range tests {
		c, w := walk(tt.offset, tt.pages...)
		v := judgeLinksFollowed(c, nil, w)
		switch {
		case tt.want == "" && v != nil:
			t.Errorf("%s: %s", tt.name, v.problem)
		case tt.want != "" && (v == nil || !strings.Contains(v.problem, tt.want)):
			t.Errorf("%s: %v, want a violation with %q", tt.name, v, tt.want)
		}
	}
}
