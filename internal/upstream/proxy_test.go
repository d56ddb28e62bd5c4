package upstream

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestForwardLimitsWhatItReadsWhole(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 2000))
	}))
	defer up.Close()
	p, err := New(Config{Target: up.URL, MaxAnswer: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	_, err = p.Forward(rec, httptest.NewRequest("GET", "/x", nil), nil, func(*Answer) { t.Error("inspected an answer beyond the limit") })
	var ue *Error
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "larger than 1000 bytes") || rec.Body.Len() != 0 {
		t.Errorf("error %v, %d bytes sent", err, rec.Body.Len())
	}
	// Passed through, the same answer streams.
	rec = httptest.NewRecorder()
	if status, err := p.Forward(rec, httptest.NewRequest("GET", "/x", nil), nil, nil); err != nil || status != 200 || rec.Body.Len() != 2000 {
		t.Errorf("pass-through: %d %v, %d bytes", status, err, rec.Body.Len())
	}
}

func TestForwardNoticesALoop(t *testing.T) {
	p, err := New(Config{Target: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	var via string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { via = r.Header.Get("Via") }))
	defer up.Close()
	q, _ := New(Config{Target: up.URL})
	q.via = p.via // as if the upstream forwarded back to this proxy
	q.Forward(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), nil, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Via", via)
	_, err = p.Forward(httptest.NewRecorder(), r, nil, nil)
	if !errors.Is(err, errLoop) {
		t.Errorf("err %v, want the loop noticed", err)
	}
}

func TestParseTarget(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.outreach.io": true, "http://127.0.0.1:8081/": true, "https://gw/outreach": true,
		"api.outreach.io": false, "ftp://x": false, "https://u:p@x": false, "https://x?a=1": false, "https://": false,
	} {
		if _, err := ParseTarget(raw); (err == nil) != ok {
			t.Errorf("ParseTarget(%q): %v", raw, err)
		}
	}
}

// TestForwardKeepsDotSegmentsUnderTheTarget: a request path cannot climb above the
// upstream root's own path, however its dot segments are written.
func TestForwardKeepsDotSegmentsUnderTheTarget(t *testing.T) {
	var got string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.EscapedPath() }))
	defer up.Close()
	p, err := New(Config{Target: up.URL + "/base"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, want string }{
		{"/api/v2/users/1", "/base/api/v2/users/1"},
		{"/api/v2/users/", "/base/api/v2/users/"},
		{"/../echo/x", "/base/echo/x"},
		{"/api/../../../../echo/x", "/base/echo/x"},
		{"/api/./v2/./users", "/base/api/v2/users"},
		{"/%2e%2e/echo/x", "/base/echo/x"},
		{"/%2E%2e/%2e./.%2E/echo", "/base/echo"},
		{"/api/v2/a%2Fb/..", "/base/api/v2/a"}, // beside a dot segment, an encoded slash counts as one
		{"/api/v2/a%2Fb", "/base/api/v2/a%2Fb"},
		{"/api/v2/..", "/base/api"},
		{"/api/v2/%2E%2E%2F%2E%2E%2Fx", "/base/x"},
		{"/api/v2/..%2f..%2F..%2fx", "/base/x"},
		{"/api/v2/..%5C..%5cx", "/base/x"},
		{"/api/v2/a%2Fb/c", "/base/api/v2/a%2Fb/c"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://mock.test"+c.in, nil)
		got = ""
		if status, err := p.Forward(httptest.NewRecorder(), r, nil, nil); err != nil || status != 200 {
			t.Fatalf("%s: %d %v", c.in, status, err)
		}
		if got != c.want {
			t.Errorf("%s reached the upstream as %s, want %s", c.in, got, c.want)
		}
	}
}
