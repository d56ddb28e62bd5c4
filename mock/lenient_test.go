package mock_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// lenientForms are the sloppy forms of a request that the real API (Rails) answers as a
// canonical one, each beside that canonical request.
var lenientForms = []struct {
	name, sloppy, canonical string
	header                  http.Header // sent with the sloppy form only
}{
	{name: "list with a trailing slash", sloppy: stages + "/?sort=id&page%5Bsize%5D=3&count=true", canonical: stages + "?sort=id&page%5Bsize%5D=3&count=true"},
	{name: "one stage with a trailing slash", sloppy: stages + "/3/?include=creator", canonical: stages + "/3?include=creator"},
	{name: "a user with a trailing slash", sloppy: "/api/v2/users/1/", canonical: "/api/v2/users/1"},
	{name: "opportunities with a trailing slash", sloppy: "/api/v2/opportunities/?filter%5BopportunityStage%5D%5Bid%5D=1", canonical: "/api/v2/opportunities?filter%5BopportunityStage%5D%5Bid%5D=1"},
	{name: "the API root", sloppy: "/api/v2", canonical: "/api/v2/"},
	{name: "blank sort and include", sloppy: stages + "?sort=&include=&page%5Bsize%5D=2", canonical: stages + "?page%5Bsize%5D=2"},
	{name: "every blank-means-absent parameter", sloppy: stages + "?sort=&include=&fields%5BopportunityStage%5D=&fields%5Buser%5D=&count=&page%5Bsize%5D=&page%5Bafter%5D=&page%5Bbefore%5D=&newFilterSyntax=&provideAuthorizationMeta=&provideDataConnections=", canonical: stages},
	{name: "blank offset pages", sloppy: stages + "?page%5Boffset%5D=&page%5Blimit%5D=&sort=name", canonical: stages + "?sort=name"},
	{name: "bare parameter names", sloppy: stages + "?sort&include&count", canonical: stages},
	{name: "brackets unescaped", sloppy: stages + "?fields[opportunityStage]=&page[size]=2", canonical: stages + "?page%5Bsize%5D=2"},
	{name: "blank on one stage", sloppy: stages + "/2?include=&fields%5BopportunityStage%5D=&provideAuthorizationMeta=", canonical: stages + "/2"},
	{name: "a question mark and nothing after it", sloppy: stages + "?", canonical: stages},
	{name: "plus for a space in a filter", sloppy: stages + "?filter%5Bname%5D=Closed+Won", canonical: stages + "?filter%5Bname%5D=Closed%20Won"},
	{name: "bearer in lower case", sloppy: stages + "/1", canonical: stages + "/1", header: http.Header{"Authorization": {"bearer " + apitest.Token}}},
	{name: "BEARER in upper case", sloppy: stages + "/1", canonical: stages + "/1", header: http.Header{"Authorization": {"BEARER " + apitest.Token}}},
}

// TestLenientFormsAnswerAsTheCanonicalOne sends each sloppy form and its canonical request,
// in memory and over TCP, and requires the same answer: status, records, links, counts.
func TestLenientFormsAnswerAsTheCanonicalOne(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	overTCP := func(target string, header http.Header) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+target, nil)
		req.Header.Set("Authorization", "Bearer "+apitest.Token)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	for _, f := range lenientForms {
		t.Run(f.name, func(t *testing.T) {
			want := c.Get(f.canonical)
			if want.Status != http.StatusOK {
				t.Fatalf("canonical %s: %d %s", f.canonical, want.Status, want.Body)
			}
			got := c.Do(apitest.Request{Method: http.MethodGet, Target: f.sloppy, Header: f.header})
			if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("in memory, %s answered differently from %s: %d (-want +got):\n%s",
					f.sloppy, f.canonical, got.Status, cmp.Diff(string(want.Body), string(got.Body)))
			}
			wantStatus, wantBody := overTCP(f.canonical, nil)
			gotStatus, gotBody := overTCP(f.sloppy, f.header)
			if gotStatus != wantStatus || !bytes.Equal(gotBody, wantBody) {
				t.Errorf("over TCP, %s answered differently from %s: %d (-want +got):\n%s",
					f.sloppy, f.canonical, gotStatus, cmp.Diff(string(wantBody), string(gotBody)))
			}
		})
	}
}

// TestLeniencyRunsOneWay: forms Rails refuses stay refused, and blank values keep their
// meaning where they have one.
func TestLeniencyRunsOneWay(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	cases := []struct {
		name, target string
		status       int
		parameter    string
	}{
		{"two trailing slashes", stages + "//", http.StatusNotFound, ""},
		{"a trailing slash on an unknown path", "/api/v2/opportunityStagez/", http.StatusNotFound, ""},
		{"an unknown parameter, blank", stages + "?colour=", http.StatusBadRequest, "colour"},
		{"a malformed page size is still one", stages + "?page%5Bsize%5D=0", http.StatusBadRequest, "page[size]"},
		{"a blank cursor beside a bad one", stages + "?page%5Bafter%5D=&page%5Bbefore%5D=nope", http.StatusBadRequest, "page[before]"},
	}
	for _, tc := range cases {
		r := c.Get(tc.target)
		if r.Status != tc.status {
			t.Errorf("%s (%s): %d %s, want %d", tc.name, tc.target, r.Status, r.Body, tc.status)
			continue
		}
		if tc.parameter != "" && (len(r.Errors()) == 0 || r.Errors()[0].Parameter != tc.parameter) {
			t.Errorf("%s: %s, want the error to name %s", tc.name, r.Body, tc.parameter)
		}
	}
	// A blank filter filters on the empty string: no stage has an empty name.
	var doc struct{ Data []stage }
	r := c.Get(stages + "?filter%5Bname%5D=")
	if err := jsonUnmarshal(r.Body, &doc); err != nil || r.Status != http.StatusOK || len(doc.Data) != 0 {
		t.Errorf("filter[name]= answered %d with %d stages, want 200 and none: %s", r.Status, len(doc.Data), r.Body)
	}
}

// TestLinksKeepTheCanonicalForm: the links of an answer to a sloppy form name the
// canonical one, without the trailing slash and without blank parameters.
func TestLinksKeepTheCanonicalForm(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Get(stages + "/?sort=&page%5Bsize%5D=2&include=")
	var doc struct {
		Data  []stage
		Links map[string]string
	}
	if err := jsonUnmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	for name, link := range doc.Links {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != stages || strings.Contains(u.RawQuery, "sort=") || strings.Contains(u.RawQuery, "include=") {
			t.Errorf("links.%s = %s, want the canonical path and no blank parameter", name, link)
		}
	}
	if doc.Data[0].Links.Self != "http://mock.test"+stages+"/1" {
		t.Errorf("self link %s", doc.Data[0].Links.Self)
	}
}

// TestWritesTakeApplicationJSON: a create and an update sent as application/json (with or
// without a UTF-8 charset) are answered as with application/vnd.api+json, in that type.
func TestWritesTakeApplicationJSON(t *testing.T) {
	for _, contentType := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8"} {
		t.Run(contentType, func(t *testing.T) {
			_, c := newServer(t, mock.Options{})
			body := `{"data":{"type":"opportunityStage","attributes":{"name":"Security Review","order":6}}}`
			created := c.Do(apitest.Request{Method: http.MethodPost, Target: stages, Body: body, ContentType: contentType})
			if created.Status != http.StatusCreated || created.Header.Get("Content-Type") != "application/vnd.api+json" {
				t.Fatalf("POST as %s: %d %s %s", contentType, created.Status, created.Header.Get("Content-Type"), created.Body)
			}
			_, want := newServer(t, mock.Options{})
			if w := want.Send(http.MethodPost, stages, body); !bytes.Equal(w.Body, created.Body) {
				t.Errorf("POST as %s differs from the same POST as application/vnd.api+json:\n%s", contentType, cmp.Diff(string(w.Body), string(created.Body)))
			}
			updated := c.Do(apitest.Request{Method: http.MethodPatch, Target: stages + "/9", Body: `{"data":{"type":"opportunityStage","id":9,"attributes":{"name":"Legal Review"}}}`, ContentType: contentType})
			if updated.Status != http.StatusOK || !strings.Contains(string(updated.Body), `"name":"Legal Review"`) {
				t.Errorf("PATCH as %s: %d %s", contentType, updated.Status, updated.Body)
			}
		})
	}
}

// TestTheJournalKeepsTheRequestAsSent: what a client sent is what the journal shows, the
// trailing slash and blank parameters included, though the answer is the canonical one's.
func TestTheJournalKeepsTheRequestAsSent(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	if r := c.Get(stages + "/?sort="); r.Status != http.StatusOK {
		t.Fatalf("GET: %d", r.Status)
	}
	var journal struct {
		Requests []struct {
			Path, Query string
			Status      int
		}
	}
	if err := jsonUnmarshal(c.Get("/__admin/requests").Body, &journal); err != nil {
		t.Fatal(err)
	}
	if len(journal.Requests) == 0 || journal.Requests[0].Path != stages+"/" || journal.Requests[0].Query != "sort=" {
		t.Errorf("journal %+v, want the path and query as sent", journal.Requests)
	}
}

// TestTheAPIRoot: the connection check connectors make answers 200 to a valid token, and
// 401 without one; with an upstream it is the upstream's answer.
func TestTheAPIRoot(t *testing.T) {
	_, c := newServer(t, mock.Options{SKUDisabled: true})
	for _, target := range []string{"/api/v2", "/api/v2/"} {
		r := c.Get(target)
		var doc struct{ Links map[string]string }
		if err := jsonUnmarshal(r.Body, &doc); err != nil || r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", target, r.Status, r.Body)
		}
		if doc.Links["opportunityStages"] != "http://mock.test"+stages || doc.Links["self"] != "http://mock.test/api/v2" {
			t.Errorf("GET %s: links %v", target, doc.Links)
		}
		if r := c.Do(apitest.Request{Method: http.MethodGet, Target: target, Token: "-"}); r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", target, r.Status)
		}
	}
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"from":"upstream"}`)
	})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL})
	for _, target := range []string{"/api/v2", "/api/v2/"} {
		resp, body := send(t, http.MethodGet, ts.URL+target, http.Header{"Authorization": {"Bearer t"}}, "")
		if resp.StatusCode != http.StatusOK || string(body) != `{"from":"upstream"}` {
			t.Errorf("GET %s with an upstream: %d %s, want the upstream's answer", target, resp.StatusCode, body)
		}
	}
}

// TestOAuthTakesATrailingSlash: the authorization server's paths, like the API's, are
// answered with one trailing slash as without it.
func TestOAuthTakesATrailingSlash(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	for _, path := range []string{"/oauth/token", "/oauth/token/"} {
		r := c.Do(apitest.Request{Method: http.MethodPost, Target: path, Token: "-", Body: "grant_type=password", ContentType: "application/x-www-form-urlencoded"})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "unsupported_grant_type") {
			t.Errorf("POST %s: %d %s, want 400 unsupported_grant_type", path, r.Status, r.Body)
		}
	}
	q := "?client_id=app&redirect_uri=https%3A%2F%2Fapp.test%2Fcb&response_type=code&state=s"
	for _, path := range []string{"/oauth/authorize", "/oauth/authorize/"} {
		r := c.Do(apitest.Request{Method: http.MethodGet, Target: path + q, Token: "-"})
		if r.Status != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "https://app.test/cb?code=") {
			t.Errorf("GET %s: %d Location %q, want a redirect with a code", path, r.Status, r.Header.Get("Location"))
		}
	}
}

// A fault rule names a path in either form: /api/v2 fires for the API root, whichever way
// the client writes it, and a rule written with the trailing slash a client sends fires too.
func TestFaultRulesNameEitherForm(t *testing.T) {
	cases := []struct{ pattern, target string }{
		{"/api/v2", "/api/v2"},
		{"/api/v2", "/api/v2/"},
		{"/api/v2/", "/api/v2"},
		{"/api/v2/opportunityStages/", stages + "/"},
		{"/api/v2/opportunityStages", stages + "/"},
	}
	for _, c := range cases {
		_, client := newServer(t, mock.Options{})
		rule := `{"path":"` + c.pattern + `","status":503}`
		if r := client.Do(apitest.Request{Method: http.MethodPost, Target: "/__admin/faults", Body: rule, ContentType: "application/json"}); r.Status != http.StatusCreated {
			t.Fatalf("POST rule %s: %d %s", rule, r.Status, r.Body)
		}
		if r := client.Get(c.target); r.Status != http.StatusServiceUnavailable {
			t.Errorf("rule on %s, GET %s: %d, want the rule's 503", c.pattern, c.target, r.Status)
		}
	}
}
