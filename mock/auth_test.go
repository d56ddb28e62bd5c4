package mock_test

import (
	"net/http"
	"testing"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

func TestAuthenticationAndScopes(t *testing.T) {
	tokens := map[string][]oppstages.Scope{
		"reader":  {oppstages.ScopeRead},
		"writer":  {oppstages.ScopeWrite},
		"deleter": {oppstages.ScopeDelete},
		"admin":   {oppstages.ScopeAll},
		"none":    {},
	}
	_, c := newServer(t, mock.Options{Tokens: tokens})
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`
	patch := `{"data":{"type":"opportunityStage","id":1}}`
	tests := []struct {
		name, token, method, target, body string
		status                            int
		wantScope                         string
	}{
		{"no header", "-", "GET", stages, "", 401, ""},
		{"unknown token", "nope", "GET", stages, "", 401, ""},
		{"reader lists", "reader", "GET", stages, "", 200, ""},
		{"reader gets", "reader", "GET", stages + "/1", "", 200, ""},
		{"reader cannot create", "reader", "POST", stages, body, 403, "opportunityStages.write"},
		{"reader cannot delete", "reader", "DELETE", stages + "/1", "", 403, "opportunityStages.delete"},
		{"writer cannot read", "writer", "GET", stages, "", 403, "opportunityStages.read"},
		{"writer creates", "writer", "POST", stages, body, 201, ""},
		{"writer patches", "writer", "PATCH", stages + "/1", patch, 200, ""},
		{"deleter deletes", "deleter", "DELETE", stages + "/2", "", 204, ""},
		{"all reads", "admin", "GET", stages, "", 200, ""},
		{"all deletes", "admin", "DELETE", stages + "/3", "", 204, ""},
		{"any token reads users", "writer", "GET", "/api/v2/users/1", "", 200, ""},
		{"a token with no scope reads users", "none", "GET", "/api/v2/users/1", "", 200, ""},
		{"a token with no scope checks the connection", "none", "GET", "/api/v2", "", 200, ""},
		{"a token with no scope reads no stage", "none", "GET", stages + "/1", "", 403, "opportunityStages.read"},
		{"auth comes before media type", "-", "POST", stages, body, 401, ""},
		{"scope comes before validation", "reader", "POST", stages, `{`, 403, "opportunityStages.write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := apitest.Request{Method: tt.method, Target: tt.target, Body: tt.body, Token: tt.token}
			if tt.body != "" && tt.name != "auth comes before media type" {
				req.ContentType = "application/vnd.api+json"
			}
			r := c.Do(req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tt.status, r.Body)
			}
			if tt.wantScope != "" {
				e := wantError(t, r, 403, "unauthorizedOauthScope")
				want := "Your authorization does not include the required scope '" + tt.wantScope + "'."
				if e.Detail != want {
					t.Errorf("detail %q, want %q", e.Detail, want)
				}
			}
		})
	}
}

func TestGatewayErrors(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	tests := []struct {
		name   string
		header string
		want   string
	}{
		{"missing", "", "No Authorization header."},
		{"basic scheme", "Basic dXNlcjpwYXNz", "Invalid JWT token."},
		{"empty bearer", "Bearer ", "Invalid JWT token."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Authorization", tt.header)
			}
			r := c.Do(apitest.Request{Method: "GET", Target: stages, Token: "-", Header: h})
			if r.Status != 401 || r.Header.Get("Content-Type") != "application/json" || r.JSON["error"] != tt.want {
				t.Errorf("got %d %s %s, want 401 application/json with error %q", r.Status, r.Header.Get("Content-Type"), r.Body, tt.want)
			}
		})
	}
}

func TestAuthorizationMetaFollowsScopes(t *testing.T) {
	_, c := newServer(t, mock.Options{Tokens: map[string][]oppstages.Scope{"reader": {oppstages.ScopeRead, oppstages.ScopeDelete}}})
	r := c.Do(apitest.Request{Method: "GET", Target: stages + "/1?provideAuthorizationMeta=true", Token: "reader"})
	var st stage
	r.Data(t, &st)
	if st.Meta["canWrite"] != false || st.Meta["canDelete"] != true {
		t.Errorf("meta = %v, want canWrite false, canDelete true", st.Meta)
	}
}
