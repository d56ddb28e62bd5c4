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
	f.Add("GET", "/api/v2/opportunityStages", "newFilterSyntax=true&filter[updatedAt][gte]=2024-01-01&filter[updatedAt][lte]=2024-06-30T23:59:59Z&count=true&count=true", "", "")
	f.Add("GET", "/api/v2/opportunityStages", "newFilterSyntax=true&filter[name][]=a,b&filter[name][]=c..d&filter[order]=__null__", "", "")
	f.Add("GET", "/api/v2/opportunityStages", "page[offset]=3&page[limit]=2&sort=name&sort=-name", "", "")
	f.Add("POST", "/api/v2/opportunityStages", "", `{"data":{"type":"opportunityStage","attributes":{"order":1e309}}}`, "application/vnd.api+json")
	f.Add("GET", "/oauth/authorize", "client_id=app&redirect_uri=http://localhost/cb&response_type=code&scope=opportunityStages.read&state=s", "", "")
	f.Add("POST", "/oauth/token", "", "grant_type=authorization_code&client_id=app&client_secret=s&redirect_uri=http://localhost/cb&code=C", "application/x-www-form-urlencoded")
	f.Add("POST", "/oauth/token", "grant_type=refresh_token", `{"grant_type":"refresh_token","refresh_token":7,"scope":"a+b"}`, "application/json")
	f.Add("GET", "/oauth/token", "grant_type=authorization_code&code=C", "", "")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, body, contentType string) {
		fuzzRequest(t, method, path, rawQuery, body, contentType, "", "")
	})
}

// FuzzRequestsWithControls adds the mock's control headers, Prefer and X-Mock-Sandbox.
func FuzzRequestsWithControls(f *testing.F) {
	f.Add("GET", "/api/v2/opportunityStages/1", "", "", "", "code=404", "")
	f.Add("POST", "/api/v2/opportunityStages", "", `{"data":{"type":"opportunityStage"}}`, "application/vnd.api+json", "example=validationError", "job-1")
	f.Add("GET", "/api/v2/users/1", "", "", "", "code=abc", "bad name!")
	f.Fuzz(func(t *testing.T, method, path, rawQuery, body, contentType, prefer, sandbox string) {
		fuzzRequest(t, method, path, rawQuery, body, contentType, prefer, sandbox)
	})
}

func fuzzRequest(t *testing.T, method, path, rawQuery, body, contentType, prefer, sandbox string) {
	s, err := mock.New(mock.Options{BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, s.Handler())
	probe, err := http.NewRequest(method, "http://mock.test"+path, nil)
	if err != nil || probe.URL.Path != path || probe.URL.RawQuery != "" || len(path) == 0 || path[0] != '/' {
		return // not a request a client could send
	}
	if len(path) > 9 && path[:9] == "/__admin/" {
		return
	}
	if strings.ContainsAny(prefer+sandbox, "\r\n\x00") {
		return // not a header a client could send
	}
	state := func() []byte {
		return c.Do(apitest.Request{Method: "GET", Target: "/__admin/state", Header: http.Header{"X-Mock-Sandbox": {sandbox}}}).Body
	}
	before := state()
	target := path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.0\r\n\r\n"))); err != nil {
		return // httptest could not build it either
	}
	req := apitest.Request{Method: method, Target: target, Body: body, ContentType: contentType, Header: http.Header{}}
	if prefer != "" {
		req.Header.Set("Prefer", prefer)
	}
	if sandbox != "" {
		req.Header.Set("X-Mock-Sandbox", sandbox)
	}
	r := c.Do(req)
	if r.Status >= 500 && prefer == "" {
		t.Fatalf("%s %s: status %d\n%s", method, target, r.Status, r.Body)
	}
	if r.Status >= 400 {
		if after := state(); !bytes.Equal(before, after) {
			t.Fatalf("%s %s was rejected with %d but changed the state", method, target, r.Status)
		}
	}
}
