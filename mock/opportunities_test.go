package mock_test

import (
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
		"/api/v2/opportunities?filter%5Bname%5D=x",
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
