package upstream

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLinksBody(t *testing.T) {
	cases := []struct{ upstream, in, want string }{
		{"https://api.outreach.io", `{"self":"https://api.outreach.io/api/v2/x/1","n":"https://api.outreach.io"}`,
			`{"self":"http://mock/api/v2/x/1","n":"http://mock"}`},
		{"https://api.outreach.io", `{"a":"https://api.outreach.io:443/api/v2?x=1","b":"HTTPS://api.outreach.io/x"}`,
			`{"a":"http://mock/api/v2?x=1","b":"HTTPS://api.outreach.io/x"}`},
		{"http://127.0.0.1:80", `["http://127.0.0.1/a","http://127.0.0.1:80/b","http://127.0.0.1:8080/c","http://127.0.0.1:80"]`,
			`["http://mock/a","http://mock/b","http://127.0.0.1:8080/c","http://mock"]`},
		{"http://h:8080", `["http://h:80/a","http://h/b","http://h:8080#f","http://h:80800/x"]`,
			`["http://h:80/a","http://h/b","http://mock#f","http://h:80800/x"]`},
		{"https://gw.example/outreach", `["https://gw.example/outreach/api/v2/1","https://gw.example/other","https://gw.example/outreachy"]`,
			`["http://mock/api/v2/1","https://gw.example/other","https://gw.example/outreachy"]`},
		{"https://api.outreach.io", `{"escaped":"https:\/\/api.outreach.io\/api\/v2","q":"say \"https://api.outreach.io/x\"","k":1}`,
			`{"escaped":"http:\/\/mock\/api\/v2","q":"say \"https://api.outreach.io/x\"","k":1}`},
		{"https://api.outreach.io", `{"broken":"https://api.outreach.io/x`, `{"broken":"https://api.outreach.io/x`},
		{"https://API.Outreach.io", `"https://api.outreach.io/x"`, `"http://mock/x"`},
	}
	for _, tc := range cases {
		p, err := New(Config{Target: tc.upstream})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(p.Links("http://mock/").Body([]byte(tc.in))); got != tc.want {
			t.Errorf("%s: %s\n got %s\nwant %s", tc.upstream, tc.in, got, tc.want)
		}
	}
}

func TestLinksHeaders(t *testing.T) {
	p, err := New(Config{Target: "https://api.outreach.io"})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{
		"Location":         {"https://api.outreach.io/api/v2/opportunityStages/9"},
		"Content-Location": {"https://api.outreach.io.evil/x"},
		"Link":             {`<https://api.outreach.io/api/v2/a?page=2>; rel="next", <https://api.outreach.io:443/b>; rel="prev"`, `<https://other/x>; rel="x"`},
		"X-Other":          {"https://api.outreach.io/x"},
	}
	p.Links("http://127.0.0.1:8080").Header(h)
	want := http.Header{
		"Location":         {"http://127.0.0.1:8080/api/v2/opportunityStages/9"},
		"Content-Location": {"https://api.outreach.io.evil/x"},
		"Link":             {`<http://127.0.0.1:8080/api/v2/a?page=2>; rel="next", <http://127.0.0.1:8080/b>; rel="prev"`, `<https://other/x>; rel="x"`},
		"X-Other":          {"https://api.outreach.io/x"},
	}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func FuzzLinksBody(f *testing.F) {
	f.Add(`{"a":"https://api.outreach.io/x","b":"\"\\"}`)
	f.Add(`"https:\/\/api.outreach.io`)
	p, err := New(Config{Target: "https://api.outreach.io"})
	if err != nil {
		f.Fatal(err)
	}
	links := p.Links("http://mock")
	f.Fuzz(func(t *testing.T, in string) {
		out := links.Body([]byte(in))
		if json.Valid([]byte(in)) && !json.Valid(out) {
			t.Fatalf("valid JSON became invalid: %q -> %q", in, out)
		}
		if !strings.Contains(in, "api.outreach.io") && string(out) != in {
			t.Fatalf("changed without a link: %q -> %q", in, out)
		}
		_ = links.inText(in)
	})
}
