package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

// Every stage's opportunities link resolves to an empty JSON:API list, which the client
// checks against openapi.yaml like every other answer.
func TestOpportunitiesLinkResolves(t *testing.T) {
	_, c := newServer(t, mock.Options{Generate: 3})
	list := c.Get(stages + "?page%5Bsize%5D=100")
	data, _ := list.JSON["data"].([]any)
	if len(data) != 11 {
		t.Fatalf("%d stages, want 11", len(data))
	}
	for _, d := range data {
		stage := d.(map[string]any)
		related := stage["relationships"].(map[string]any)["opportunities"].(map[string]any)["links"].(map[string]any)["related"].(string)
		target, ok := strings.CutPrefix(related, "http://mock.test")
		if !ok {
			t.Fatalf("link %q is not on the mock", related)
		}
		r := c.Get(target)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", target, r.Status, r.Body)
		}
		if got, _ := r.JSON["data"].([]any); got == nil || len(got) != 0 {
			t.Errorf("GET %s: data %v, want an empty list", target, r.JSON["data"])
		}
		if first := r.JSON["links"].(map[string]any)["first"]; first != related {
			t.Errorf("links.first %v, want the link followed, %s", first, related)
		}
	}
	counted := c.Get("/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1,2&count=true")
	if meta, _ := counted.JSON["meta"].(map[string]any); counted.Status != 200 || meta["count"] != 0.0 || meta["count_truncated"] != false {
		t.Errorf("count=true: %d %s", counted.Status, counted.Body)
	}
	for _, target := range []string{
		"/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=x",
		"/api/v2/opportunities?page%5Bsize%5D=0",
	} {
		if r := c.Get(target); r.Status != 400 {
			t.Errorf("GET %s: %d, want 400\n%s", target, r.Status, r.Body)
		}
	}
	if r := c.Get("/api/v2/opportunities"); r.Status != 200 {
		t.Errorf("without a filter: %d %s", r.Status, r.Body)
	}
}

// With an upstream, the opportunities are the real API's: the request goes there as is.
func TestOpportunitiesGoToTheUpstream(t *testing.T) {
	for _, proxy := range []bool{false, true} {
		up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.Write([]byte(`{"data":[{"type":"opportunity","id":7,"attributes":{"name":"Acme renewal","amount":1200}}]}`))
		})
		_, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: proxy})
		target := "/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1&filter%5Bname%5D=Acme"
		resp, body := send(t, "GET", ts.URL+target, http.Header{"Authorization": {"Bearer real"}}, "")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Acme renewal") {
			t.Errorf("proxy=%v: %d %s, want the upstream's opportunities", proxy, resp.StatusCode, body)
		}
		if got := up.last(t); got.Path+"?"+got.RawQuery != target {
			t.Errorf("proxy=%v: the upstream got %s?%s, want %s", proxy, got.Path, got.RawQuery, target)
		}
	}
}

// The opportunities link answers the list parameters clients send to the real endpoint:
// each gets the empty list with a links.first that is the request without its cursor, and
// a malformed value is a 400 naming the parameter. The client checks every answer
// against openapi.yaml.
func TestOpportunitiesAcceptTheUsualListParameters(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	const path = "/api/v2/opportunities"
	for _, tc := range []struct{ query, first string }{
		{"filter%5BopportunityStage%5D%5Bid%5D=1&sort=-updatedAt", "filter%5BopportunityStage%5D%5Bid%5D=1&sort=-updatedAt"},
		{"sort=amount,-closeDate&page%5Bsize%5D=100", "page%5Bsize%5D=100&sort=amount%2C-closeDate"},
		{"page%5Bafter%5D=eyJpZCI6NDJ9&page%5Bsize%5D=10", "page%5Bsize%5D=10"},
		{"page%5Bbefore%5D=opaque-cursor%3D%3D", ""},
		{"include=stage,owner&count=true", "count=true&include=stage%2Cowner"},
		{"filter%5Bname%5D=Acme%20renewal", "filter%5Bname%5D=Acme+renewal"},
		{"newFilterSyntax=true&filter%5BupdatedAt%5D%5Bgte%5D=2024-01-01T00:00:00Z&filter%5Bid%5D%5Bgt%5D=10", "filter%5Bid%5D%5Bgt%5D=10&filter%5BupdatedAt%5D%5Bgte%5D=2024-01-01T00%3A00%3A00Z&newFilterSyntax=true"},
		{"newFilterSyntax=true&filter%5Bname%5D%5B%5D=a&filter%5Bname%5D%5B%5D=b", "filter%5Bname%5D%5B%5D=a&filter%5Bname%5D%5B%5D=b&newFilterSyntax=true"},
	} {
		r := c.Get(path + "?" + tc.query)
		if r.Status != 200 {
			t.Errorf("GET ?%s: %d, want 200\n%s", tc.query, r.Status, r.Body)
			continue
		}
		var doc struct {
			Data  []any             `json:"data"`
			Links map[string]string `json:"links"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatal(err)
		}
		want := "http://mock.test" + path
		if tc.first != "" {
			want += "?" + tc.first
		}
		if doc.Data == nil || len(doc.Data) != 0 || doc.Links["first"] != want || doc.Links["next"] != "" || doc.Links["prev"] != "" {
			t.Errorf("GET ?%s: data %v, links %v; want no data and links.first %s alone", tc.query, doc.Data, doc.Links, want)
		}
	}
	for _, tc := range []struct{ query, id, parameter string }{
		{"filter%5BopportunityStage%5D%5Bid%5D=abc", "badRequest", "filter[opportunityStage][id]"},
		{"filter%5BopportunityStage%5D%5Bid%5D=1,,2", "badRequest", "filter[opportunityStage][id]"},
		{"sort=amount%3Bdrop", "badRequest", "sort"},
		{"include=stage%20owner", "badRequest", "include"},
		{"page%5Bafter%5D=" + strings.Repeat("c", 2049), "badRequest", "page[after]"}, // an empty one is no cursor at all (x-blank-parameters)
		{"page%5Bsize%5D=0", "badRequest", "page[size]"},
		{"filter%5BupdatedAt%5D=yesterday", "filterParameter.invalidDatetimeFormat", "filter[updatedAt]"},
		{"filter%5BupdatedAt%5D%5Bgte%5D=2024-01-01", "badRequest", "filter[updatedAt][gte]"},
	} {
		r := c.Get(path + "?" + tc.query)
		errs := r.Errors()
		if r.Status != 400 || len(errs) == 0 || errs[0].ID != tc.id || errs[0].Parameter != tc.parameter {
			t.Errorf("GET ?%s: %d %s; want 400 %s naming %s", tc.query, r.Status, r.Body, tc.id, tc.parameter)
		}
	}
}

// The opportunities list writes its links as the stages' are written, with & as it is:
// a client that reads the body as text (a log, a grep, a shell script) sees the URL it
// would follow, not \u0026.
func TestOpportunitiesLinksKeepTheirAmpersand(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Get("/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1&sort=-updatedAt")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	want := `"first":"http://mock.test/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1&sort=-updatedAt"`
	if !strings.Contains(string(r.Body), want) {
		t.Errorf("body %s\nwant it to hold %s", r.Body, want)
	}
}
