package apitest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A 405 passes only from an authorization server path, for a method openapi.yaml has no
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
		{"a path openapi.yaml lacks", http.MethodGet, "/oauth/revoke", "POST", oauthBody, false},
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
