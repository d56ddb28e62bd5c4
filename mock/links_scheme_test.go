package mock_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

// Without a BaseURL, links take the scheme the request came with: https over TLS.
func TestLinksFollowTheRequestScheme(t *testing.T) {
	tests := []struct {
		name    string
		tls     bool
		baseURL string
		want    func(ts *httptest.Server) string // the base every link starts with
	}{
		{"http", false, "", func(ts *httptest.Server) string { return ts.URL }},
		{"https", true, "", func(ts *httptest.Server) string { return ts.URL }},
		{"https behind a public URL", true, "http://stages.example.test/", func(*httptest.Server) string { return "http://stages.example.test" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := mock.New(mock.Options{Seed: 1, BaseURL: tt.baseURL})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewUnstartedServer(srv.Handler())
			if tt.tls {
				ts.StartTLS()
			} else {
				ts.Start()
			}
			defer ts.Close()
			if got := strings.HasPrefix(ts.URL, "https://"); got != tt.tls {
				t.Fatalf("test server at %s", ts.URL)
			}
			req, _ := http.NewRequest("GET", ts.URL+"/api/v2/opportunityStages?page[size]=1&include=creator", nil)
			req.Header.Set("Authorization", "Bearer t")
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc struct {
				Data []struct {
					Links         map[string]string `json:"links"`
					Relationships struct {
						Creator struct {
							Links map[string]string `json:"links"`
						} `json:"creator"`
					} `json:"relationships"`
				} `json:"data"`
				Links map[string]string `json:"links"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK || len(doc.Data) != 1 {
				t.Fatalf("%d %v %+v", resp.StatusCode, err, doc)
			}
			base := tt.want(ts)
			links := map[string]string{
				"data[0].links.self":                          doc.Data[0].Links["self"],
				"data[0].relationships.creator.links.related": doc.Data[0].Relationships.Creator.Links["related"],
				"links.next":                                  doc.Links["next"],
			}
			for where, link := range links {
				if !strings.HasPrefix(link, base+"/api/v2/") {
					t.Errorf("%s = %q, want it under %s/api/v2/", where, link, base)
				}
			}
		})
	}
}
