package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAdminRefusesOtherOriginsAndReboundNames(t *testing.T) {
	cases := []struct {
		name       string
		opts       Options
		method     string
		target     string
		host       string
		header     map[string]string
		wantStatus int
		wantError  string
	}{
		{name: "script without browser headers", method: "POST", host: "127.0.0.1:8080", wantStatus: 200},
		{name: "script by loopback name", method: "POST", host: "localhost:8080", wantStatus: 200},
		{name: "name under .localhost", method: "POST", host: "app.localhost:8080", wantStatus: 200},
		{name: "any other name, no browser headers", method: "POST", host: "devbox:8080",
			wantStatus: 403, wantError: "DNS rebinding"},
		{name: "rebound name from Chromium on plain http: no Sec-Fetch headers", method: "GET", host: "rebind.test:8080",
			header:     map[string]string{"Accept": "*/*"},
			wantStatus: 403, wantError: "localhost, an IP address"},
		{name: "rebound name adding a fault", method: "POST", host: "rebind.test:8080",
			wantStatus: 403, wantError: "localhost, an IP address"},
		{name: "a name that only starts like localhost", method: "GET", host: "localhost:8080.evil.example",
			wantStatus: 403, wantError: "DNS rebinding"},
		{name: "health answers any name", method: "GET", target: "/__admin/health", host: "mockserver:8080", wantStatus: 200},
		{name: "-base-url host, no browser headers", opts: Options{BaseURL: "http://mockserver:8080"}, method: "GET", host: "mockserver:8080", wantStatus: 200},
		{name: "cross-site form post", method: "POST", host: "127.0.0.1:8080",
			header:     map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
			wantStatus: 403, wantError: "cross-origin"},
		{name: "opaque origin", method: "POST", host: "127.0.0.1:8080",
			header: map[string]string{"Origin": "null"}, wantStatus: 403, wantError: "cross-origin"},
		{name: "same origin page", method: "POST", host: "127.0.0.1:8080",
			header: map[string]string{"Origin": "http://127.0.0.1:8080", "Sec-Fetch-Site": "same-origin"}, wantStatus: 200},
		{name: "page behind -base-url", opts: Options{BaseURL: "https://mock.example.test"}, method: "POST", host: "10.0.0.5:8080",
			header: map[string]string{"Origin": "https://mock.example.test", "Sec-Fetch-Site": "same-origin"}, wantStatus: 200},
		{name: "rebound DNS name reading the journal", method: "GET", host: "rebind.example:8080",
			header:     map[string]string{"Sec-Fetch-Site": "same-origin"},
			wantStatus: 403, wantError: "localhost, an IP address"},
		{name: "localhost in a browser", method: "GET", host: "localhost:8080",
			header: map[string]string{"Sec-Fetch-Site": "none"}, wantStatus: 200},
		{name: "IPv6 loopback in a browser", method: "GET", host: "[::1]:8080",
			header: map[string]string{"Sec-Fetch-Site": "none"}, wantStatus: 200},
		{name: "any name once a token guards the admin API", opts: Options{AdminToken: "t0k"}, method: "GET", host: "devbox:8080",
			header: map[string]string{"Sec-Fetch-Site": "same-origin", "Authorization": "Bearer t0k"}, wantStatus: 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, err := New(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			create := httptest.NewRequest("POST", "/api/v2/opportunityStages",
				strings.NewReader(`{"data":{"type":"opportunityStage","attributes":{"name":"Kept","order":9}}}`))
			create.Header.Set("Authorization", "Bearer any")
			create.Header.Set("Content-Type", "application/vnd.api+json")
			srv.Handler().ServeHTTP(httptest.NewRecorder(), create)
			if srv.Len() != 9 {
				t.Fatalf("setup: %d stages, want 9", srv.Len())
			}
			target := "/__admin/requests"
			if c.method == "POST" {
				target = "/__admin/reset"
			}
			if c.target != "" {
				target = c.target
			}
			r := httptest.NewRequest(c.method, target, nil)
			r.Host = c.host
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, r)
			if rec.Code != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.wantStatus, rec.Body)
			}
			if c.wantError != "" && !strings.Contains(rec.Body.String(), c.wantError) {
				t.Errorf("body %s does not say %q", rec.Body, c.wantError)
			}
			if rec.Code == http.StatusForbidden && srv.Len() != 9 {
				t.Errorf("a refused reset still reset the sandbox: %d stages", srv.Len())
			}
		})
	}
}

// TestInMemoryClientReachesTheAdminAPIByAnyName: Client() serves Go tests, never a
// browser, so its calls are not held to the Host rule that guards against DNS rebinding.
func TestInMemoryClientReachesTheAdminAPIByAnyName(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get("http://mock/__admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET http://mock/__admin/requests in memory: %d, want 200", resp.StatusCode)
	}
	r := httptest.NewRequest("GET", "http://mock/__admin/requests", nil)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("the same call over a socket: %d, want 403", rec.Code)
	}
}
