package mock_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// FuzzRequests sends arbitrary requests through the whole handler. Properties: no panic,
// no 5xx, every response conforms to openapi.yaml, and a rejected request leaves the
// state exactly as it was.
func FuzzRequests(f *testing.F) {
	f.Add("POST", "/api/v2/opportunityStages", "", `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`, "application/vnd.api+json")
	f.Add("PATCH", "/api/v2/opportunityStages/1", "", `{"data":{"type":"opportunityStage","id":1,"attributes":{"order":null}}}`, "application/vnd.api+json")
	f.Add("GET", "/api/v2/opportunityStages", "filter%5Border%5D=1..3&sort=-name&page%5Bsize%5D=2", "", "")
	f.Add("GET", "/api/v2/opportunityStages", "page%5Bafter%5D=eyJzIjoiaWQiLCJ2IjpbeyJuIjoxfV0sImkiOjF9AAAAAAAAAAAAAAAA", "", "")
	f.Add("DELETE", "/api/v2/opportunityStages/2", "", "", "")
	f.Add("POST", "/api/v2/opportunityStages", "", `{"data":{"type":"opportunityStage","attributes":{"order":1e309}}}`, "application/vnd.api+json")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, body, contentType string) {
		s, err := mock.New(mock.Options{BaseURL: "http://mock.test"})
		if err != nil {
			t.Fatal(err)
		}
		c := apitest.New(t, s.Handler())
		req, err := http.NewRequest(method, "http://mock.test"+path, nil)
		if err != nil || req.URL.Path != path || req.URL.RawQuery != "" || len(path) == 0 || path[0] != '/' {
			return // not a request a client could send
		}
		if len(path) > 9 && path[:9] == "/__admin/" {
			return
		}
		before := c.Get("/__admin/state").Body
		target := path
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.0\r\n\r\n"))); err != nil {
			return // httptest could not build it either
		}
		r := c.Do(apitest.Request{Method: method, Target: target, Body: body, ContentType: contentType})
		if r.Status >= 500 {
			t.Fatalf("%s %s: status %d\n%s", method, target, r.Status, r.Body)
		}
		if r.Status >= 400 {
			if after := c.Get("/__admin/state").Body; !bytes.Equal(before, after) {
				t.Fatalf("%s %s was rejected with %d but changed the state", method, target, r.Status)
			}
		}
	})
}
