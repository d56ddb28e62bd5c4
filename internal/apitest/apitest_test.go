package apitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A 405 passes only from an authorization server path, for a method oauth.yaml has no
// operation for, with Allow naming the path's methods and an OAuth error document.
func TestValidateMethodNotAllowed(t *testing.T) {
	c := New(t, http.NotFoundHandler())
	oauthBody := `{"error":"invalid_request","error_description":"POST only."}`
	tests := []struct {
		name, method, path, allow, body string
		ok                              bool
	}{
		{"token endpoint", http.MethodGet, "/oauth/token", "POST", oauthBody, true},
		{"wrong Allow", http.MethodGet, "/oauth/token", "GET, POST", oauthBody, false},
		{"no Allow", http.MethodPut, "/oauth/token", "", oauthBody, false},
		{"a method the path has", http.MethodPost, "/oauth/token", "POST", oauthBody, false},
		{"a path oauth.yaml lacks", http.MethodGet, "/oauth/revoke", "POST", oauthBody, false},
		{"an API path", http.MethodPut, "/api/v2/opportunityStages", "GET, POST", oauthBody, false},
		{"not an OAuth error", http.MethodGet, "/oauth/token", "POST", `{"errors":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}}
			if tt.allow != "" {
				h.Set("Allow", tt.allow)
			}
			err := c.Validate(httptest.NewRequest(tt.method, tt.path, nil), &Response{Status: http.StatusMethodNotAllowed, Header: h, Body: []byte(tt.body)})
			if (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// The authorization server's answers are held to oauth.yaml: its statuses, its headers
// (Location on the redirect, Cache-Control on token answers) and its RFC 6749 documents.
func TestValidateOAuth(t *testing.T) {
	c := New(t, http.NotFoundHandler())
	token := `{"access_token":"a.b.c","token_type":"bearer","expires_in":7200,"refresh_token":"r","scope":"opportunityStages.all","created_at":1767225600}`
	invalidGrant := `{"error":"invalid_grant","error_description":"The authorization code is unknown."}`
	jsonNoStore := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	tests := []struct {
		name, method, target string
		status               int
		header               http.Header
		body                 string
		ok                   bool
	}{
		{"a token", http.MethodPost, "/oauth/token", 200, jsonNoStore, token, true},
		{"a token at a trailing slash", http.MethodPost, "/oauth/token/", 200, jsonNoStore, token, true},
		{"a token that may be cached", http.MethodPost, "/oauth/token", 200, http.Header{"Content-Type": {"application/json"}}, token, false},
		{"a token without its refresh token", http.MethodPost, "/oauth/token", 200, jsonNoStore, strings.Replace(token, `"refresh_token":"r",`, "", 1), false},
		{"an OAuth error", http.MethodPost, "/oauth/token", 400, jsonNoStore, invalidGrant, true},
		{"a JSON:API error", http.MethodPost, "/oauth/token", 400, jsonNoStore, `{"errors":[{"id":"badRequest","title":"Bad Request","detail":"x"}]}`, false},
		{"an undocumented status", http.MethodPost, "/oauth/token", 404, jsonNoStore, invalidGrant, false},
		{"the redirect", http.MethodGet, "/oauth/authorize?client_id=a&redirect_uri=http://x/cb&response_type=code", 302, http.Header{"Location": {"http://x/cb?code=c"}}, "", true},
		{"a redirect nowhere", http.MethodGet, "/oauth/authorize?client_id=a&redirect_uri=http://x/cb&response_type=code", 302, http.Header{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if got := c.documentFor(r); got != "oauth.yaml" {
				t.Errorf("held to %s, want oauth.yaml", got)
			}
			err := c.Validate(r, &Response{Status: tt.status, Header: tt.header, Body: []byte(tt.body)})
			if (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
	for target, want := range map[string]string{"/api/v2/opportunityStages": "openapi.yaml", "/oauth/revoke": "openapi.yaml", "/__admin/health": "admin.yaml"} {
		if got := c.documentFor(httptest.NewRequest(http.MethodGet, target, nil)); got != want {
			t.Errorf("GET %s is held to %s, want %s", target, got, want)
		}
	}
}

// Admin answers are held to admin.yaml: a member missing or unknown, a wrong media type or
// an undocumented status fails, and so does a success for a request admin.yaml refuses;
// a path or method admin.yaml lacks may only be refused in the admin error shape.
func TestValidateAdmin(t *testing.T) {
	c := New(t, http.NotFoundHandler())
	health := `{"status":"ok","stages":8,"sandboxes":0,"sandboxesEvicted":0,"journalEvicted":0,"violations":0}`
	adminError := `{"error":"no admin endpoint"}`
	jsonType := "application/json"
	tests := []struct {
		name, method, target, reqBody string
		reqHeader                     http.Header
		status                        int
		header                        http.Header
		body                          string
		ok                            bool
	}{
		{"health", "GET", "/__admin/health", "", nil, 200, nil, health, true},
		{"health with a trailing slash", "GET", "/__admin/health/", "", nil, 200, nil, health, true},
		{"health with a trailing slash refused", "GET", "/__admin/health/", "", nil, 404, nil, adminError, false},
		{"health answers HEAD", "HEAD", "/__admin/health", "", nil, 200, nil, "", true},
		{"HEAD on a path with a trailing slash", "HEAD", "/__admin/faults/", "", nil, 200, nil, "", true},
		{"a wrong method on a path with a trailing slash, 405", "POST", "/__admin/settings/", "", nil, 405, http.Header{"Allow": {"GET, HEAD, PATCH"}, "Content-Type": {jsonType}}, adminError, true},
		{"health with a trailing slash as JSON:API", "GET", "/__admin/health/", "", nil, 404, nil, `{"errors":[]}`, false},
		{"health without a member", "GET", "/__admin/health", "", nil, 200, nil, `{"status":"ok","stages":8,"sandboxes":0,"sandboxesEvicted":0,"journalEvicted":0}`, false},
		{"health with a member too many", "GET", "/__admin/health", "", nil, 200, nil, strings.Replace(health, "{", `{"uptime":3,`, 1), false},
		{"health as JSON:API", "GET", "/__admin/health", "", nil, 200, http.Header{"Content-Type": {"application/vnd.api+json"}}, health, false},
		{"an undocumented status", "GET", "/__admin/health", "", nil, 418, nil, adminError, false},
		{"an error of another shape", "GET", "/__admin/health", "", nil, 401, nil, `{"errors":[{"id":"unauthorized"}]}`, false},
		{"a bad sandbox refused", "GET", "/__admin/health", "", http.Header{"X-Mock-Sandbox": {"a b"}}, 400, nil, `{"error":"X-Mock-Sandbox: bad","field":"X-Mock-Sandbox"}`, true},
		{"a bad sandbox accepted", "GET", "/__admin/health", "", http.Header{"X-Mock-Sandbox": {"a b"}}, 200, nil, health, false},
		{"a bad rule accepted", "POST", "/__admin/faults", `{"times":0,"status":503}`, nil, 201, nil, `{"id":1,"status":503,"times":0,"fired":0}`, false},
		{"a rule stored", "POST", "/__admin/faults", `{"times":1,"status":503}`, nil, 201, nil, `{"id":1,"status":503,"times":1,"fired":0}`, true},
		{"a rule sent as a form, as curl -d does", "POST", "/__admin/faults", `{"times":1,"status":503}`, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 201, nil, `{"id":1,"status":503,"times":1,"fired":0}`, true},
		{"a bad rule sent as a form, accepted", "POST", "/__admin/faults", `{"times":0,"status":503}`, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, 201, nil, `{"id":1,"status":503,"times":0,"fired":0}`, false},
		{"a rule stored without its id", "POST", "/__admin/faults", `{"times":1,"status":503}`, nil, 201, nil, `{"status":503,"times":1,"fired":0}`, false},
		{"a journal entry with no status", "GET", "/__admin/requests", "", nil, 200, nil, `{"requests":[{"id":1,"time":"2026-03-01T12:00:00Z","sandbox":"","method":"GET","path":"/x","durationMs":1,"requestHeaders":{},"responseHeaders":null}],"count":1,"evicted":0}`, false},
		{"a dropped connection in the journal", "GET", "/__admin/requests", "", nil, 200, nil, `{"requests":[{"id":1,"time":"2026-03-01T12:00:00Z","sandbox":"","method":"GET","path":"/x","status":0,"durationMs":1,"requestHeaders":{},"responseHeaders":null}],"count":1,"evicted":0}`, true},
		{"no content", "DELETE", "/__admin/faults/3", "", nil, 204, http.Header{}, "", true},
		{"an unknown path", "GET", "/__admin/nope", "", nil, 404, nil, adminError, true},
		{"an unknown path answered", "GET", "/__admin/nope", "", nil, 200, nil, `{}`, false},
		{"an unknown path as JSON:API", "GET", "/__admin/nope", "", nil, 404, nil, `{"errors":[{"id":"routeNotFound"}]}`, false},
		{"another method, 404", "PUT", "/__admin/health", "", nil, 404, nil, adminError, true},
		{"another method, 405", "PUT", "/__admin/health", "", nil, 405, http.Header{"Allow": {"GET, HEAD"}, "Content-Type": {jsonType}}, adminError, true},
		{"another method, 405 without Allow", "PUT", "/__admin/health", "", nil, 405, nil, adminError, false},
		{"another method, 405 with a wrong Allow", "PUT", "/__admin/health", "", nil, 405, http.Header{"Allow": {"GET, POST"}, "Content-Type": {jsonType}}, adminError, false},
		{"another method on a template", "GET", "/__admin/faults/1", "", nil, 405, http.Header{"Allow": {"DELETE"}, "Content-Type": {jsonType}}, adminError, true},
		{"405 for an unknown path", "GET", "/__admin/nope", "", nil, 405, http.Header{"Allow": {"GET"}, "Content-Type": {jsonType}}, adminError, false},
		{"another redirect", "GET", "/__admin/ui", "", nil, 308, http.Header{"Location": {"/__admin/ui/"}}, "", false},
		{"the dashboard redirected", "GET", "/__admin/ui", "", nil, 301, http.Header{"Location": {"/__admin/ui/"}}, "", true},
		{"the dashboard redirected nowhere", "GET", "/__admin/ui", "", nil, 301, http.Header{}, "", false},
		{"the dashboard", "GET", "/__admin/ui/", "", nil, 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Content-Security-Policy": {"default-src 'none'"}}, "<!doctype html>", true},
		{"the dashboard as JSON", "GET", "/__admin/ui/", "", nil, 200, http.Header{"Content-Type": {"application/json"}, "Content-Security-Policy": {"default-src 'none'"}}, "{}", false},
		{"the dashboard without its policy", "GET", "/__admin/ui/", "", nil, 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, "<!doctype html>", false},
		{"the dashboard's 405", "POST", "/__admin/ui/", "", nil, 405, http.Header{"Allow": {"GET, HEAD"}, "Content-Type": {"text/plain; charset=utf-8"}}, "GET only", true},
		{"the dashboard's 405 as an admin error", "POST", "/__admin/ui/", "", nil, 405, http.Header{"Allow": {"GET, HEAD"}, "Content-Type": {jsonType}}, adminError, false},
		{"a dashboard file it lacks", "GET", "/__admin/ui/nope.js", "", nil, 404, http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, "404 page not found", true},
		{"a dashboard file as HTML", "GET", "/__admin/ui/app.js", "", nil, 200, http.Header{"Content-Type": {"text/html"}, "Content-Security-Policy": {"default-src 'none'"}}, "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.reqBody != "" {
				body = strings.NewReader(tt.reqBody)
			}
			r := httptest.NewRequest(tt.method, tt.target, body)
			r.Host = "localhost"
			for k, vs := range tt.reqHeader {
				r.Header[k] = vs
			}
			h := http.Header{"Content-Type": {jsonType}}
			if tt.header != nil {
				h = tt.header
			}
			err := c.Validate(r, &Response{Status: tt.status, Header: h, Body: []byte(tt.body)})
			if (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
