package mock_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// seen is a request as an upstream received it.
type seen struct {
	Method, Path, RawQuery, Host string
	Header                       http.Header
	Body                         string
}

// recordingUpstream answers every request with answer and keeps what it received.
type recordingUpstream struct {
	*httptest.Server
	mu   sync.Mutex
	got  []seen
	hits atomic.Int64
}

func newRecordingUpstream(t *testing.T, answer http.HandlerFunc) *recordingUpstream {
	t.Helper()
	u := &recordingUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.got = append(u.got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Clone(), string(body)})
		u.mu.Unlock()
		u.hits.Add(1)
		answer(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *recordingUpstream) last(t *testing.T) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.got) == 0 {
		t.Fatal("the upstream received nothing")
	}
	return u.got[len(u.got)-1]
}

// newDropIn starts a mock in front of upstreamURL, over loopback.
func newDropIn(t *testing.T, opts mock.Options) (*mock.Server, *httptest.Server) {
	t.Helper()
	s, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// noCompression is a client that shows bodies and Content-Encoding as they arrive.
var noCompression = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func send(t *testing.T, method, target string, header http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := noCompression.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return resp, got
}

func TestPassThroughForwardsExactlyAndAnswersUnchanged(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"data":[{"type":"account","id":"7"}]}`))
	zw.Close()
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/vnd.api+json")
		h.Set("Content-Encoding", "gzip")
		h.Set("X-RateLimit-Limit", "7")
		h.Set("X-RateLimit-Remaining", "6")
		h.Set("X-Upstream", "yes")
		h.Add("Set-Cookie", "a=1")
		h.Add("Set-Cookie", "b=2")
		w.WriteHeader(http.StatusMultiStatus)
		w.Write(gz.Bytes())
	})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL})

	header := http.Header{
		"Authorization":   {"Bearer real-token-0123456789"},
		"Content-Type":    {"application/json; charset=utf-8"},
		"Accept-Encoding": {"gzip, br"},
		"X-Custom":        {"one", "two"},
		"Prefer":          {"code=429"},
		"X-Mock-Delay":    {"1ms"},
		"X-Mock-Sandbox":  {"ci-1"},
		"X-Forwarded-For": {"10.1.2.3"},
		"Forwarded":       {"for=10.1.2.3;proto=https"},
	}
	// Repeated, blank, unparsable (a=b;c, %zz) and blank-means-absent (sort=) parameters,
	// and a trailing slash: the upstream reads them its own way, so they go as sent.
	query := "filter%5Bname%5D=Acme&b=2&b=1&empty=&a=b;c&bad=%zz&sort="
	resp, body := send(t, "PATCH", ts.URL+"/api/v2/accounts/7/?"+query, header, `{"a": [1, 2]}`)

	got := up.last(t)
	want := seen{Method: "PATCH", Path: "/api/v2/accounts/7/", RawQuery: query, Host: strings.TrimPrefix(up.URL, "http://"), Body: `{"a": [1, 2]}`}
	if diff := cmp.Diff(want, got, cmpIgnoreHeader); diff != "" {
		t.Errorf("the upstream received (-want +got):\n%s", diff)
	}
	for name, values := range map[string][]string{
		"Authorization": header["Authorization"], "Content-Type": header["Content-Type"],
		"Accept-Encoding": header["Accept-Encoding"], "X-Custom": header["X-Custom"],
		"X-Forwarded-For": header["X-Forwarded-For"], "Forwarded": header["Forwarded"],
	} {
		if diff := cmp.Diff(values, got.Header.Values(name)); diff != "" {
			t.Errorf("header %s at the upstream (-want +got):\n%s", name, diff)
		}
	}
	for name := range got.Header {
		if name == "Prefer" || strings.HasPrefix(name, "X-Mock-") {
			t.Errorf("the mock's control header %s reached the upstream", name)
		}
	}

	if resp.StatusCode != http.StatusMultiStatus || !bytes.Equal(body, gz.Bytes()) {
		t.Errorf("answer %d with %d bytes, want 207 with the upstream's %d gzip bytes", resp.StatusCode, len(body), gz.Len())
	}
	for name, want := range map[string][]string{
		"Content-Encoding": {"gzip"}, "X-Ratelimit-Limit": {"7"}, "X-Ratelimit-Remaining": {"6"},
		"X-Upstream": {"yes"}, "Set-Cookie": {"a=1", "b=2"}, "X-Ratelimit-Reset": nil,
	} {
		if diff := cmp.Diff(want, resp.Header.Values(name)); diff != "" {
			t.Errorf("answer header %s (-want +got):\n%s", name, diff)
		}
	}
}

var cmpIgnoreHeader = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Header" }, cmp.Ignore())

func TestPassThroughKeepsTheStagesAPIMocked(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	s, err := mock.New(mock.Options{Upstream: up.URL, BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, s.Handler())
	if r := c.Get(stages + "/1"); r.Status != 200 {
		t.Errorf("stage 1: %d", r.Status)
	}
	if r := c.Get("/api/v2/users/1"); r.Status != 200 {
		t.Errorf("user 1: %d", r.Status)
	}
	wantError(t, c.Get(stages+"/999"), 404, "resourceNotFound")
	if n := up.hits.Load(); n != 0 {
		t.Errorf("the upstream got %d requests for the mocked API", n)
	}
}

func TestPassThroughStreamsLargeAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB, beyond the read-ahead
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		for chunk := range slices.Chunk(big, 64<<10) {
			w.Write(chunk)
			http.NewResponseController(w).Flush()
		}
	})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL})
	resp, body := send(t, "GET", ts.URL+"/api/v2/attachments/1", nil, "")
	if resp.StatusCode != 200 || !bytes.Equal(body, big) {
		t.Errorf("status %d, %d of %d bytes", resp.StatusCode, len(body), len(big))
	}
}

func TestPassThroughLimitsRequestBodies(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL, MaxBodyBytes: 1000})
	resp, body := send(t, "POST", ts.URL+"/api/v2/accounts", nil, strings.Repeat("x", 1001))
	if resp.StatusCode != 413 || !strings.Contains(string(body), "requestEntityTooLarge") || up.hits.Load() != 0 {
		t.Errorf("%d %s, upstream hits %d; want 413 and nothing forwarded", resp.StatusCode, body, up.hits.Load())
	}
}

// rawUpstream serves raw TCP: a request for /ok gets a proper answer, anything else gets
// misbehave, which may write anything and must close the connection when done.
func rawUpstream(t *testing.T, misbehave func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				if req.URL.Path == "/ok" {
					io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
					return
				}
				misbehave(conn)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestUpstreamFailuresGetAClearErrorAndTheNextRequestWorks(t *testing.T) {
	const timeout = 300 * time.Millisecond
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}()
	cases := []struct {
		name     string
		upstream string
		status   int    // on a route openapi.yaml does not know
		id       string // the error id there
		detail   string
	}{
		{"refusing", refused, 502, "mockUpstreamUnavailable", "could not be reached"},
		{"timing out", rawUpstream(t, func(c net.Conn) { time.Sleep(3 * timeout) }), 504, "mockUpstreamTimeout", "did not answer within"},
		{"silent mid-body", rawUpstream(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
			time.Sleep(3 * timeout)
		}), 504, "mockUpstreamTimeout", "did not answer within"},
		{"garbage", rawUpstream(t, func(c net.Conn) { io.WriteString(c, "garbage, not HTTP\r\n\r\n") }), 502, "mockUpstreamUnavailable", "not HTTP"},
		{"closing at once", rawUpstream(t, func(c net.Conn) {}), 502, "mockUpstreamUnavailable", "closed the connection"},
		{"closing mid-body", rawUpstream(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.api+json\r\nContent-Length: 100\r\n\r\n{\"data\":")
		}), 502, "mockUpstreamUnavailable", "in the middle of its answer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			host := strings.TrimPrefix(tc.upstream, "http://")
			// Pass-through, on a route the contract does not know.
			s, ts := newDropIn(t, mock.Options{Upstream: tc.upstream, UpstreamTimeout: timeout})
			done := make(chan struct{})
			go func() {
				defer close(done)
				resp, body := send(t, "GET", ts.URL+"/api/v2/accounts", http.Header{"Authorization": {"Bearer tok"}}, "")
				checkUpstreamError(t, resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status, tc.id, host, tc.detail)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the mock hung")
			}
			if tc.name != "refusing" {
				if resp, body := send(t, "GET", ts.URL+"/ok", nil, ""); resp.StatusCode != 200 || string(body) != "ok" {
					t.Errorf("the next request: %d %s", resp.StatusCode, body)
				}
			}
			c := apitest.New(t, s.Handler())
			if r := c.Get(stages + "/1"); r.Status != 200 {
				t.Errorf("the mocked API after the failure: %d", r.Status)
			}

			// Validating proxy, on the stages API: the documented 502, valid against
			// openapi.yaml (apitest checks it), whatever went wrong.
			p, err := mock.New(mock.Options{Upstream: tc.upstream, Proxy: true, UpstreamTimeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			r := apitest.New(t, p.Handler()).Get(stages + "/1")
			checkUpstreamError(t, r.Status, r.Header.Get("Content-Type"), r.Body, 502, "mockUpstreamUnavailable", host, tc.detail)
		})
	}
}

func checkUpstreamError(t *testing.T, status int, contentType string, body []byte, wantStatus int, wantID, host, detail string) {
	t.Helper()
	var doc struct {
		Errors []struct{ ID, Detail string } `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || status != wantStatus || contentType != "application/vnd.api+json" || len(doc.Errors) != 1 {
		t.Fatalf("got %d %s %s, want a JSON:API %d", status, contentType, body, wantStatus)
	}
	e := doc.Errors[0]
	if e.ID != wantID || !strings.Contains(e.Detail, host) || !strings.Contains(e.Detail, detail) {
		t.Errorf("error %+v, want id %s and a detail naming %s that says %q", e, wantID, host, detail)
	}
}

func TestTheMockForwardsOnlyToItsUpstream(t *testing.T) {
	good := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from the upstream") })
	evil := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "from elsewhere") })
	_, ts := newDropIn(t, mock.Options{Upstream: good.URL})
	evilHost := strings.TrimPrefix(evil.URL, "http://")

	requests := map[string]string{
		"absolute-form":    "GET " + evil.URL + "/api/v2/accounts HTTP/1.1\r\nHost: " + evilHost + "\r\n\r\n",
		"Host header":      "GET /api/v2/accounts HTTP/1.1\r\nHost: " + evilHost + "\r\n\r\n",
		"scheme-relative":  "GET //" + evilHost + "/api/v2/accounts HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT":          "CONNECT " + evilHost + " HTTP/1.1\r\nHost: " + evilHost + "\r\n\r\n",
		"X-Forwarded-Host": "GET /api/v2/accounts HTTP/1.1\r\nHost: x\r\nX-Forwarded-Host: " + evilHost + "\r\nForwarded: host=" + evilHost + "\r\n\r\n",
	}
	for name, raw := range requests {
		t.Run(name, func(t *testing.T) {
			resp, body := rawRequest(t, ts.URL, raw)
			if strings.Contains(string(body), "elsewhere") || evil.hits.Load() != 0 {
				t.Fatalf("the request reached another host: %d %s", resp.StatusCode, body)
			}
			if name != "CONNECT" {
				if got := good.last(t).Host; got != strings.TrimPrefix(good.URL, "http://") {
					t.Errorf("the upstream saw Host %q", got)
				}
			}
		})
	}
}

// rawRequest writes raw, a whole request as bytes, to the server at baseURL on a connection
// of its own, and reads the answer: for request lines no client library would send.
func rawRequest(t *testing.T, baseURL, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, raw)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// TestARequestTargetThatIsNoPathIsRefused: an absolute URL with nothing but an opaque part
// after its scheme (http:http://host/x, mailto:x) names no path to answer, and forwarded it
// would become the upstream's whole request line, naming another host or a path above
// -upstream's.
func TestARequestTargetThatIsNoPathIsRefused(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL + "/api/v2"})
	for _, target := range []string{"http:http://127.0.0.1:1/__admin/faults", "mailto:foo", "x:%2F.."} {
		t.Run(target, func(t *testing.T) {
			resp, body := rawRequest(t, ts.URL, "POST "+target+" HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "must be a path") {
				t.Errorf("%d %s, want 400 saying the target must be a path", resp.StatusCode, body)
			}
			if up.hits.Load() != 0 {
				t.Errorf("the upstream received %+v", up.last(t))
			}
		})
	}
}

// TestPassThroughStaysUnderTheUpstreamPath: dot segments in the request line, plain or
// percent-encoded, are resolved before the path is joined to -upstream's, so a request
// cannot reach above that path on the upstream.
func TestPassThroughStaysUnderTheUpstreamPath(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL + "/tenant-a"})
	for _, target := range []string{"/../echo/x", "/api/v2/../../../echo/x", "/%2e%2e/echo/x", "/api/v2/accounts/%2E%2E/%2e%2e/../echo/x"} {
		t.Run(target, func(t *testing.T) {
			resp, _ := rawRequest(t, ts.URL, "GET "+target+" HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer t\r\n\r\n")
			if up.hits.Load() == 0 {
				t.Fatalf("answered %d without the upstream", resp.StatusCode)
			}
			if got := up.last(t).Path; got != "/tenant-a/echo/x" {
				t.Errorf("the upstream saw %s, want /tenant-a/echo/x", got)
			}
		})
	}
}

// conformingUpstream is another mock, as "the real API", over loopback.
func conformingUpstream(t *testing.T, opts mock.Options) (*mock.Server, *httptest.Server) {
	t.Helper()
	return newDropIn(t, opts)
}

func TestProxyOfAConformingUpstreamFindsNoViolations(t *testing.T) {
	_, up := conformingUpstream(t, mock.Options{})
	s, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
	auth := http.Header{"Authorization": {"Bearer any-token"}}

	for _, target := range []string{
		"/api/v2/opportunityStages?page%5Bsize%5D=3&sort=-order&count=true",
		"/api/v2/opportunityStages/2?include=creator&provideAuthorizationMeta=true",
		"/api/v2/users/1",
		"/api/v2/opportunityStages/999",
	} {
		resp, viaProxy := send(t, "GET", ts.URL+target, auth, "")
		_, direct := send(t, "GET", up.URL+target, auth, "")
		want := bytes.ReplaceAll(direct, []byte(up.URL), []byte(ts.URL))
		if !bytes.Equal(want, viaProxy) {
			t.Errorf("%s through the proxy:\n%s\nwant the upstream's body with links rewritten:\n%s", target, viaProxy, want)
		}
		if bytes.Contains(viaProxy, []byte(up.URL)) {
			t.Errorf("%s: a link still points at the upstream", target)
		}
		if v := resp.Header.Get("X-Mock-Violations"); v != "" {
			t.Errorf("%s: X-Mock-Violations %s", target, v)
		}
		for _, h := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Content-Type", "Content-Length"} {
			if n := len(resp.Header.Values(h)); n != 1 {
				t.Errorf("%s: %d %s headers, want the upstream's one", target, n, h)
			}
		}
	}

	// A client that follows links.next stays on the proxy, and writes go through.
	c := apitest.New(t, s.Handler())
	first := decodeList(t, c.Get(stages+"?page%5Bsize%5D=5"))
	next, err := url.Parse(first.Links.Next)
	if err != nil || next.Host != "example.com" {
		t.Fatalf("links.next %q does not point at the proxy", first.Links.Next)
	}
	if page := decodeList(t, c.Get(next.RequestURI())); len(page.Data) != 3 || page.Data[0].ID != 6 {
		t.Errorf("second page through the proxy: %v", ids(page.Data))
	}
	created := c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Security Review","order":9}}}`)
	if created.Status != 201 {
		t.Fatalf("create through the proxy: %d %s", created.Status, created.Body)
	}
	if r := c.Send("PATCH", stages+"/9", `{"data":{"type":"opportunityStage","id":9,"attributes":{"color":null}}}`); r.Status != 200 {
		t.Errorf("update: %d", r.Status)
	}
	if r := c.Do(apitest.Request{Method: "DELETE", Target: stages + "/9"}); r.Status != 204 {
		t.Errorf("delete: %d", r.Status)
	}

	health := c.Get("/__admin/health")
	if v := health.JSON["violations"]; v != float64(0) {
		t.Errorf("health counts %v violations: %s", v, health.Body)
	}
	if journal := c.Get("/__admin/requests"); bytes.Contains(journal.Body, []byte(`"violations"`)) {
		t.Errorf("journal has violations: %s", journal.Body)
	}
}

// brokenStage is a stage answer that breaks openapi.yaml in one way.
func brokenStage(id, attrs, contentType string, rateLimitHeaders bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rateLimitHeaders {
			w.Header().Set("X-RateLimit-Limit", "10000")
		}
		w.Header().Set("X-RateLimit-Remaining", "9999")
		w.Header().Set("X-RateLimit-Reset", "1800000000")
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, `{"data":{"type":"opportunityStage","id":`+id+`,"attributes":{"name":"Won","createdAt":"2024-01-05T10:00:00.000Z","updatedAt":"2024-01-05T10:00:00.000Z"`+attrs+`},"links":{"self":"`+"http://"+r.Host+`/api/v2/opportunityStages/1"}}}`)
	}
}

func TestProxyFlagsAnUpstreamThatBreaksTheSpec(t *testing.T) {
	const jsonapi = "application/vnd.api+json"
	cases := []struct {
		name   string
		answer http.HandlerFunc
		want   string // in the violation
	}{
		{"string id", brokenStage(`"1"`, "", jsonapi, true), "response: body /data/id"},
		{"extra attribute", brokenStage(`1`, `,"probability":50`, jsonapi, true), `response: body /data/attributes: property "probability" is unsupported`},
		{"missing header", brokenStage(`1`, "", jsonapi, false), "response: header X-RateLimit-Limit is missing"},
		{"wrong media type", brokenStage(`1`, "", "application/json", true), `response: Content-Type "application/json" is not documented`},
		{"media type parameter", brokenStage(`1`, "", jsonapi+"; charset=utf-8", true), "JSON:API forbids"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := newRecordingUpstream(t, tc.answer)
			s, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
			for range 2 {
				resp, body := send(t, "GET", ts.URL+stages+"/1", http.Header{"Authorization": {"Bearer t"}}, "")
				if resp.StatusCode != 200 || resp.Header.Get("X-Mock-Violations") != "1" {
					t.Errorf("status %d, X-Mock-Violations %q; want the upstream's 200 flagged with 1\n%s",
						resp.StatusCode, resp.Header.Get("X-Mock-Violations"), body)
				}
				if !bytes.Contains(body, []byte(ts.URL+"/api/v2/opportunityStages/1")) {
					t.Errorf("link not rewritten: %s", body)
				}
			}
			c := apitest.New(t, s.Handler())
			var journal struct {
				Requests []mock.JournalEntry `json:"requests"`
			}
			json.Unmarshal(c.Get("/__admin/requests").Body, &journal)
			if len(journal.Requests) != 2 {
				t.Fatalf("journal: %+v", journal.Requests)
			}
			for _, e := range journal.Requests {
				if len(e.Violations) != 1 || !strings.Contains(e.Violations[0], tc.want) {
					t.Errorf("violations %q, want one containing %q", e.Violations, tc.want)
				}
			}
			if v := c.Get("/__admin/health").JSON["violations"]; v != float64(2) {
				t.Errorf("health counts %v violations, want 2", v)
			}
		})
	}
}

func TestProxyFlagsRequestsThatBreakTheSpec(t *testing.T) {
	_, up := conformingUpstream(t, mock.Options{})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
	resp, body := send(t, "POST", ts.URL+stages, http.Header{"Authorization": {"Bearer t"}, "Content-Type": {"text/plain"}},
		`{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`)
	if resp.StatusCode != 415 || resp.Header.Get("X-Mock-Violations") != "1" {
		t.Errorf("%d %q %s; want the upstream's 415 flagged once", resp.StatusCode, resp.Header.Get("X-Mock-Violations"), body)
	}
}

func TestControlsApplyInFrontOfTheUpstream(t *testing.T) {
	real, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		real.Handler().ServeHTTP(w, r)
	}))
	defer up.Close()
	s, err := mock.New(mock.Options{Upstream: up.URL, Proxy: true, RateLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, s.Handler())

	postFault(t, c, "", `{"path":"/api/v2/opportunityStages/*","status":503,"times":1}`)
	if r := c.Get(stages + "/1"); r.Status != 503 || r.Header.Get("Retry-After") == "" || hits.Load() != 0 {
		t.Errorf("fault rule: %d, upstream hits %d", r.Status, hits.Load())
	}
	wantError(t, c.Do(apitest.Request{Method: "GET", Target: stages + "/1", Header: http.Header{"Prefer": {"code=429"}}}), 429, "rateLimitExceeded")
	if hits.Load() != 0 {
		t.Errorf("Prefer reached the upstream")
	}
	// The mock's own rate limit (1 per window here) does not apply to the upstream's answers.
	for range 3 {
		if r := c.Get(stages + "/1"); r.Status != 200 {
			t.Errorf("through the proxy: %d", r.Status)
		}
	}
	if hits.Load() != 3 {
		t.Errorf("upstream hits %d, want 3", hits.Load())
	}
}

func TestProxyDropsTheConnectionOnADropRule(t *testing.T) {
	_, up := conformingUpstream(t, mock.Options{})
	_, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: true})
	send(t, "POST", ts.URL+"/__admin/faults", nil, `{"path":"/api/v2/opportunityStages","drop":true,"times":1}`)
	req, _ := http.NewRequest("GET", ts.URL+stages, nil)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // so the client does not retry the GET
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the connection dropped", resp.StatusCode)
	}
	if resp, _ := send(t, "GET", ts.URL+stages, http.Header{"Authorization": {"Bearer t"}}, ""); resp.StatusCode != 200 {
		t.Errorf("after the drop: %d", resp.StatusCode)
	}
}

func TestDropInOptionsAreChecked(t *testing.T) {
	for name, opts := range map[string]mock.Options{
		"proxy without upstream":  {Proxy: true},
		"record without proxy":    {Upstream: "http://127.0.0.1:1", RecordDir: t.TempDir()},
		"record without upstream": {RecordDir: t.TempDir()},
		"relative upstream":       {Upstream: "api.outreach.io"},
		"upstream with password":  {Upstream: "https://user:pw@api.outreach.io"},
		"bad CORS origin":         {CORS: []string{"localhost:3000/app"}},
	} {
		if _, err := mock.New(opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCORS(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://upstream.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		io.WriteString(w, "{}")
	})
	s, err := mock.New(mock.Options{CORS: []string{"http://localhost:3000"}, Upstream: up.URL, BaseURL: "http://mock.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, s.Handler())
	// Preflights are not API answers; they go by hand.
	r := httptest.NewRecorder()
	s.Handler().ServeHTTP(r, preflightRequest("http://localhost:3000"))
	h := r.Header()
	if r.Code != 204 || h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		h.Get("Access-Control-Allow-Headers") != "authorization, content-type, prefer, x-mock-sandbox" ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") || up.hits.Load() != 0 {
		t.Errorf("preflight: %d %v (upstream hits %d)", r.Code, h, up.hits.Load())
	}
	r = httptest.NewRecorder()
	s.Handler().ServeHTTP(r, preflightRequest("http://evil.example"))
	if r.Code != 403 || r.Header().Get("Access-Control-Allow-Origin") != "" || !strings.Contains(r.Body.String(), "mockOriginNotAllowed") {
		t.Errorf("preflight from another origin: %d %v %s", r.Code, r.Header(), r.Body)
	}

	got := c.Do(apitest.Request{Method: "GET", Target: stages, Header: http.Header{"Origin": {"http://localhost:3000"}}})
	if got.Status != 200 || got.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(got.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Remaining") ||
		!strings.Contains(got.Header.Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Errorf("API answer: %d %v", got.Status, got.Header)
	}
	// The upstream's own CORS headers give way to the mock's.
	r = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v2/accounts", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	s.Handler().ServeHTTP(r, req)
	if diff := cmp.Diff([]string{"http://localhost:3000"}, r.Header().Values("Access-Control-Allow-Origin")); diff != "" || r.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("passed-through answer's CORS headers (-want +got):\n%s%v", diff, r.Header())
	}
	// Off by default.
	plain, _ := newServer(t, mock.Options{})
	r = httptest.NewRecorder()
	plain.Handler().ServeHTTP(r, preflightRequest("http://localhost:3000"))
	if r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS answered without -cors: %v", r.Header())
	}
}

func preflightRequest(origin string) *http.Request {
	req := httptest.NewRequest("OPTIONS", stages, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, prefer, x-mock-sandbox, x-secret")
	return req
}

func TestOAuthGoesToTheUpstream(t *testing.T) {
	up := newRecordingUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"from-upstream","token_type":"bearer"}`)
	})
	for _, proxy := range []bool{false, true} {
		_, ts := newDropIn(t, mock.Options{Upstream: up.URL, Proxy: proxy})
		resp, body := send(t, "POST", ts.URL+"/oauth/token", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			"grant_type=authorization_code&code=abc&client_id=c&client_secret=s")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "from-upstream") || resp.Header.Get("X-Mock-Violations") != "" {
			t.Errorf("proxy %v: %d %s", proxy, resp.StatusCode, body)
		}
		if got := up.last(t); got.Path != "/oauth/token" || got.Body != "grant_type=authorization_code&code=abc&client_id=c&client_secret=s" {
			t.Errorf("proxy %v: the upstream got %+v", proxy, got)
		}
		resp, _ = send(t, "GET", ts.URL+"/oauth/authorize?client_id=c&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fcb", nil, "")
		if got := up.last(t); resp.StatusCode != 200 || got.Path != "/oauth/authorize" {
			t.Errorf("proxy %v: authorize %d, upstream got %s", proxy, resp.StatusCode, got.Path)
		}
	}
}
