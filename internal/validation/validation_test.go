package validation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oppstages/oppstages"
)

func TestPointerEscapes(t *testing.T) {
	tests := []struct {
		path []string
		want string
	}{
		{nil, ""},
		{[]string{"data", "attributes", "name"}, "/data/attributes/name"},
		{[]string{"a/b", "c~d"}, "/a~1b/c~0d"},
	}
	for _, tt := range tests {
		if got := Pointer(tt.path); got != tt.want {
			t.Errorf("Pointer(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func newValidator(t testing.TB) *Validator {
	t.Helper()
	doc, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newOAuthValidator validates against oauth.yaml, the authorization server's document.
func newOAuthValidator(t testing.TB) *Validator {
	t.Helper()
	doc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRouteAndScopes(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		method, target, op string
		scopes             [][]string
	}{
		{"GET", "/api/v2/opportunityStages", "listOpportunityStages", [][]string{{"opportunityStages.read"}, {"opportunityStages.all"}}},
		{"DELETE", "/api/v2/opportunityStages/3", "deleteOpportunityStage", [][]string{{"opportunityStages.delete"}, {"opportunityStages.all"}}},
		{"GET", "/api/v2/users/3", "getUser", [][]string{{}}},
	}
	for _, tt := range tests {
		m, err := v.Route(httptest.NewRequest(tt.method, tt.target, nil))
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.target, err)
		}
		if m.OperationID() != tt.op {
			t.Errorf("%s %s: operation %s, want %s", tt.method, tt.target, m.OperationID(), tt.op)
		}
		got := m.RequiredScopes()
		if len(got) != len(tt.scopes) || len(got[0]) != len(tt.scopes[0]) || (len(got[0]) > 0 && got[0][0] != tt.scopes[0][0]) {
			t.Errorf("%s: scopes %v, want %v", tt.op, got, tt.scopes)
		}
	}
	for _, bad := range []struct{ method, target string }{{"GET", "/api/v2/nope"}, {"PUT", "/api/v2/opportunityStages/1"}, {"GET", "/opportunityStages"}} {
		if _, err := v.Route(httptest.NewRequest(bad.method, bad.target, nil)); err == nil || err.Code != oppstages.CodeRouteNotFound {
			t.Errorf("%s %s: %v, want routeNotFound", bad.method, bad.target, err)
		}
	}
}

// The authorization server's routes are oauth.yaml's, at the root and with no token
// required; openapi.yaml has none of them, and oauth.yaml none of the API's.
func TestAuthorizationServerRoutes(t *testing.T) {
	api, oauth := newValidator(t), newOAuthValidator(t)
	for _, tt := range []struct{ method, target, op string }{
		{"GET", "/oauth/authorize", "authorize"},
		{"POST", "/oauth/token", "createToken"},
	} {
		m, err := oauth.Route(httptest.NewRequest(tt.method, tt.target, nil))
		if err != nil {
			t.Fatalf("oauth.yaml: %s %s: %v", tt.method, tt.target, err)
		}
		if m.OperationID() != tt.op {
			t.Errorf("oauth.yaml: %s %s: operation %s, want %s", tt.method, tt.target, m.OperationID(), tt.op)
		}
		if got := m.RequiredScopes(); len(got) != 0 {
			t.Errorf("oauth.yaml: %s: scopes %v, want none (security: [])", tt.op, got)
		}
		if _, err := api.Route(httptest.NewRequest(tt.method, tt.target, nil)); err == nil || err.Code != oppstages.CodeRouteNotFound {
			t.Errorf("openapi.yaml: %s %s: %v, want routeNotFound", tt.method, tt.target, err)
		}
		if _, err := api.Route(httptest.NewRequest(tt.method, "/api/v2"+tt.target, nil)); err == nil {
			t.Errorf("openapi.yaml routes %s /api/v2%s", tt.method, tt.target)
		}
	}
	if _, err := oauth.Route(httptest.NewRequest("GET", "/api/v2/opportunityStages", nil)); err == nil {
		t.Error("oauth.yaml routes the API's GET /api/v2/opportunityStages")
	}
}

func TestResponseValidation(t *testing.T) {
	v := newValidator(t)
	r := httptest.NewRequest("GET", "/api/v2/opportunityStages/1", nil)
	m, _ := v.Route(r)
	h := http.Header{"Content-Type": {"application/vnd.api+json"}, "X-Ratelimit-Limit": {"1"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"}}
	good := `{"data":{"type":"opportunityStage","id":1,"links":{"self":"http://x/api/v2/opportunityStages/1"}}}`
	if err := v.Response(context.Background(), r, m, 200, h, []byte(good)); err != nil {
		t.Errorf("conforming response rejected: %v", err)
	}
	tests := map[string]struct {
		status int
		header http.Header
		body   string
	}{
		"id as string":      {200, h, `{"data":{"type":"opportunityStage","id":"1","links":{"self":"http://x/1"}}}`},
		"undocumented 418":  {418, h, good},
		"missing headers":   {200, http.Header{"Content-Type": {"application/vnd.api+json"}}, good},
		"wrong media type":  {200, http.Header{"Content-Type": {"text/plain"}, "X-Ratelimit-Limit": {"1"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"}}, good},
		"error wrong shape": {404, h, `{"message":"not found"}`},
	}
	for name, tt := range tests {
		if err := v.Response(context.Background(), r, m, tt.status, tt.header, []byte(tt.body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Request validates with kin-openapi what was sent (every query parameter, the path
// parameters, the body) and hands back the body as it decoded it.
func TestRequestValidation(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name, method, target, body string
		wantParam, wantPointer     string // where the first error points; both empty: valid
	}{
		{"no query", "GET", "/api/v2/opportunityStages", "", "", ""},
		{"page size in range", "GET", "/api/v2/opportunityStages?page[size]=50", "", "", ""},
		{"page size out of range", "GET", "/api/v2/opportunityStages?page[size]=0", "", "page[size]", ""},
		{"empty include", "GET", "/api/v2/opportunityStages/1?include=", "", "include", ""},
		{"path id not a number", "GET", "/api/v2/opportunityStages/x", "", "id", ""},
		{"valid body", "POST", "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"name":"A","order":2}}}`, "", ""},
		{"body breaks the schema", "POST", "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"order":"2"}}}`, "", "/data/attributes/order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Header.Set("Content-Type", "application/vnd.api+json")
			m, rerr := v.Route(r)
			if rerr != nil {
				t.Fatal(rerr)
			}
			doc, errs := v.Request(context.Background(), r, r.URL.Query(), m, []byte(tt.body), nil)
			if tt.wantParam == "" && tt.wantPointer == "" {
				if len(errs) > 0 {
					t.Fatalf("rejected: %v", errs[0])
				}
				if (tt.body != "") != (doc != nil) {
					t.Errorf("decoded body %v for body %q", doc, tt.body)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			if errs[0].Parameter != tt.wantParam || errs[0].Pointer != tt.wantPointer {
				t.Errorf("error at parameter %q pointer %q, want %q %q: %v", errs[0].Parameter, errs[0].Pointer, tt.wantParam, tt.wantPointer, errs[0])
			}
		})
	}
}
