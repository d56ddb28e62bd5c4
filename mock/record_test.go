package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// recordToken is the credential used while recording; it must end up in no file.
const recordToken = "rec-secret-token-0123456789"

func TestRecordThenServeTheRecording(t *testing.T) {
	real, up := conformingUpstream(t, mock.Options{BaseURL: "http://mock.test"})
	dir := filepath.Join(t.TempDir(), "recorded")
	proxy, err := mock.New(mock.Options{Upstream: up.URL, Proxy: true, RecordDir: dir, BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, proxy.Handler())
	as := func(req apitest.Request) apitest.Request { req.Token = recordToken; return req }
	get := func(target string) *apitest.Response { return c.Do(as(apitest.Request{Method: "GET", Target: target})) }

	// Records: a full list (creators not yet seen), a creator through include, another
	// through /users/{id}, a sparse list (which must not shrink the records), and writes.
	get(stages + "?page%5Bsize%5D=1000")
	get(stages + "/2?include=creator")
	get("/api/v2/users/2")
	get(stages + "?fields%5BopportunityStage%5D=name")
	if r := c.Do(as(apitest.Request{Method: "POST", Target: stages, ContentType: "application/vnd.api+json",
		Body: `{"data":{"type":"opportunityStage","attributes":{"name":"Security Review","order":9,"color":"#8E44AD","isClosed":false}}}`})); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	c.Do(as(apitest.Request{Method: "PATCH", Target: stages + "/9", ContentType: "application/vnd.api+json",
		Body: `{"data":{"type":"opportunityStage","id":9,"attributes":{"name":"Security & Legal"}}}`}))
	c.Do(as(apitest.Request{Method: "DELETE", Target: stages + "/8"}))

	// Errors, each as the upstream answered it.
	realClient := apitest.New(t, real.Handler())
	postFault(t, realClient, "", `{"path":"/api/v2/opportunityStages/3","status":429,"headers":{"Retry-After":"42"},"times":1}`)
	errorRequests := []apitest.Request{
		as(apitest.Request{Method: "GET", Target: stages + "/999"}),
		as(apitest.Request{Method: "GET", Target: stages + "/998"}), // same name, another detail
		as(apitest.Request{Method: "GET", Target: stages + "/999"}), // a repeat: nothing new
		as(apitest.Request{Method: "GET", Target: stages + "?filter%5Bcolor%5D=red"}),
		{Method: "GET", Target: stages + "/1", Token: "-"},
		as(apitest.Request{Method: "GET", Target: stages + "/3"}),
	}
	answers := map[string]*apitest.Response{}
	for _, req := range errorRequests {
		r := c.Do(req)
		if r.Status < 400 {
			t.Fatalf("%s: %d", req.Target, r.Status)
		}
		answers[req.Target+req.Token] = r
	}
	wantNames := map[string]string{ // request → the fixture it must have become
		stages + "/999" + recordToken:                   "404-resourceNotFound",
		stages + "/998" + recordToken:                   "404-resourceNotFound-2",
		stages + "?filter%5Bcolor%5D=red" + recordToken: "400-filterParameter.unfilterableField",
		stages + "/1-":                                  "401-noAuthorizationHeader",
		stages + "/3" + recordToken:                     "429-rateLimitExceeded",
	}
	var files []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
			if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte(recordToken)) {
				t.Errorf("%s holds the token", rel)
			}
		}
		return nil
	})
	wantFiles := []string{"errors/400-filterParameter.unfilterableField.json", "errors/401-noAuthorizationHeader.json",
		"errors/404-resourceNotFound-2.json", "errors/404-resourceNotFound.json", "errors/429-rateLimitExceeded.json",
		"stages.json", "users.json"}
	if diff := cmp.Diff(wantFiles, files); diff != "" {
		t.Errorf("recorded files (-want +got):\n%s", diff)
	}

	// Serve the recording and compare.
	replay, err := mock.New(mock.Options{Fixtures: os.DirFS(dir), BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatalf("the recording does not load: %v", err)
	}
	rc := apitest.New(t, replay.Handler())
	for _, target := range []string{stages + "?page%5Bsize%5D=1000", stages + "/2", stages + "/9", stages + "?sort=-name&page%5Bsize%5D=3", "/api/v2/users/1", "/api/v2/users/2"} {
		want, got := realClient.Get(target), rc.Get(target)
		if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) {
			t.Errorf("%s replayed as %d %s\nwant %d %s", target, got.Status, got.Body, want.Status, want.Body)
		}
	}
	if r := rc.Get(stages + "/8"); r.Status != 404 {
		t.Errorf("the deleted stage came back: %d", r.Status)
	}
	for key, name := range wantNames {
		orig := answers[key]
		target := strings.TrimSuffix(strings.TrimSuffix(key, recordToken), "-")
		if strings.Contains(target, "?") {
			target = stages // replay the 400 on the list itself
		}
		r := rc.Do(apitest.Request{Method: "GET", Target: target, Header: http.Header{"Prefer": {"example=" + name}}})
		if r.Status != orig.Status || !jsonEqual(r.Body, orig.Body) {
			t.Errorf("Prefer: example=%s replayed %d %s\nwant %d %s", name, r.Status, r.Body, orig.Status, orig.Body)
		}
		if ra := orig.Header.Get("Retry-After"); name == "429-rateLimitExceeded" && r.Header.Get("Retry-After") != ra {
			t.Errorf("%s: Retry-After %q, want %q", name, r.Header.Get("Retry-After"), ra)
		}
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && cmp.Equal(x, y)
}

func TestARecordingOfErrorsAloneLoads(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>bad gateway</html>"))
	})
	dir := t.TempDir()
	s, err := mock.New(mock.Options{Upstream: up.URL, Proxy: true, RecordDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", stages+"/1", nil)
	req.Header.Set("Authorization", "Bearer "+recordToken)
	s.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusBadGateway || rec.Header().Get("X-Mock-Violations") == "" {
		t.Errorf("status %d, X-Mock-Violations %q; want the upstream's 502, flagged", rec.Code, rec.Header().Get("X-Mock-Violations"))
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "errors"))
	if len(entries) != 0 {
		t.Errorf("a non-JSON error was recorded: %v", entries)
	}
	replay, err := mock.New(mock.Options{Fixtures: os.DirFS(dir), BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatalf("an empty recording does not load: %v", err)
	}
	c := apitest.New(t, replay.Handler())
	if doc := decodeList(t, c.Get(stages)); len(doc.Data) != 0 {
		t.Errorf("stages: %v", ids(doc.Data))
	}
	if r := c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"First"}}}`); r.Status != 201 {
		t.Errorf("create on an empty recording: %d %s", r.Status, r.Body)
	}
}

// echoEncodings are the ways an upstream may repeat a credential in a JSON string.
var echoEncodings = []struct {
	name   string
	encode func(string) string
}{
	{"as it is", func(s string) string { return s }},
	{`slashes as \/`, func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }},
	{`slashes as \u002f`, func(s string) string { return strings.ReplaceAll(s, "/", `\u002f`) }},
	{"URL-encoded", url.QueryEscape},
}

// An upstream that echoes the credentials a request carried (its token, X-Api-Key, a
// cookie, a credential in the query), in any of the ways a JSON string can hold them, has
// none of them kept: not in the journal, not in a recorded file.
func TestProxyKeepsNoEchoedCredential(t *testing.T) {
	carried := []struct{ what, value string }{
		{"token", "RT2/tok-0123456789"},
		{"X-Api-Key", "key/0123456789abcd"},
		{"cookie", "sid/cookie-01234567"},
		{"query access_token", "qry/token-012345678"},
	}
	// What the upstream received, as it received it.
	received := func(r *http.Request) []string {
		cookie, _ := r.Cookie("sid")
		return []string{strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("X-Api-Key"),
			cookie.Value, r.URL.Query().Get("access_token")}
	}
	real, err := mock.New(mock.Options{BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatal(err)
	}
	template := httptest.NewRecorder()
	real.Handler().ServeHTTP(template, withBearer(httptest.NewRequest("GET", stages+"/1", nil), "t"))
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		sent := received(r)
		w.Header().Set("Content-Type", "application/vnd.api+json")
		if r.URL.Path == stages+"/999" { // an error whose detail repeats everything, every way
			var echo []string
			for _, s := range sent {
				for _, enc := range echoEncodings {
					echo = append(echo, enc.encode(s))
				}
			}
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"errors":[{"id":"resourceNotFound","title":"Resource not found","detail":"no stage for %s"}]}`, strings.Join(echo, " "))
			return
		}
		// Stage n has a name that repeats one credential one way.
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, stages+"/"))
		echo := echoEncodings[(n-1)%len(echoEncodings)].encode(sent[(n-1)/len(echoEncodings)])
		var doc map[string]map[string]any
		json.Unmarshal(template.Body.Bytes(), &doc)
		doc["data"]["id"] = n
		doc["data"]["attributes"].(map[string]any)["name"] = "ECHO"
		body, _ := json.Marshal(doc)
		w.Write(bytes.Replace(body, []byte(`"ECHO"`), []byte(`"Stage `+echo+`"`), 1))
	})
	dir := t.TempDir()
	_, proxy := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true, RecordDir: dir})
	send := func(path string) {
		req, _ := http.NewRequest("GET", proxy.URL+path+"?access_token="+url.QueryEscape(carried[3].value), nil)
		req.Header.Set("Authorization", "Bearer "+carried[0].value)
		req.Header.Set("X-Api-Key", carried[1].value)
		req.Header.Set("Cookie", "sid="+carried[2].value+"; theme=dark")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for n := 1; n <= len(carried)*len(echoEncodings); n++ {
		send(fmt.Sprintf("%s/%d", stages, n))
	}
	send(stages + "/999")

	kept := map[string][]byte{}
	resp, err := http.Get(proxy.URL + "/__admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	kept["the journal"], _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			kept[path], _ = os.ReadFile(path)
		}
		return nil
	})
	if len(kept) != 4 || !bytes.Contains(kept[filepath.Join(dir, "stages.json")], []byte(`"Stage REDACTED"`)) {
		t.Fatalf("want the journal, stages.json, users.json and an error recorded; got %d, stages.json:\n%s", len(kept), kept[filepath.Join(dir, "stages.json")])
	}
	for where, content := range kept {
		for _, c := range carried {
			if apitest.Reveals(content, c.value) {
				t.Errorf("%s holds the %s:\n%s", where, c.what, content)
			}
		}
	}
}

func withBearer(r *http.Request, token string) *http.Request {
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}
