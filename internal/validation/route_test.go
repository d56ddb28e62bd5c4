package validation

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The plain router must decide every request it answers exactly as gorillamux does, for
// openapi.yaml's routes below /api/v2 and oauth.yaml's at the root.
func FuzzPlainRouterAgreesWithGorillamux(f *testing.F) {
	validators := map[string]*Validator{"openapi.yaml": newValidator(f), "oauth.yaml": newOAuthValidator(f)}
	for name, v := range validators {
		if v.plain == nil {
			f.Fatalf("%s's routes are plain, but the plain router is off", name)
		}
	}
	for _, seed := range []struct{ method, path string }{
		{"GET", "/api/v2/opportunityStages"},
		{"GET", "/api/v2/opportunityStages/1"},
		{"PATCH", "/api/v2/opportunityStages/12"},
		{"DELETE", "/api/v2/opportunityStages/x.y"},
		{"PUT", "/api/v2/opportunityStages/1"},
		{"GET", "/api/v2/opportunityStages/"},
		{"GET", "/api/v2/opportunityStages/1/"},
		{"GET", "/api/v2/opportunityStages//"},
		{"GET", "/api/v2/users/7"},
		{"GET", "/oauth/authorize"},
		{"POST", "/oauth/token"},
		{"get", "/api/v2/opportunityStages"},
		{"GET", "/api/v2/opportunityStages/%31"},
		{"GET", "/api/v2/opportunityStages/a%2Fb"},
		{"GET", "api/v2/opportunityStages"},
		{"GET", ""},
		{"GET", "/"},
	} {
		f.Add(seed.method, seed.path)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		u, err := url.Parse(path)
		if err != nil || u.Path == "" && u.RawPath == "" && path != "" {
			return
		}
		for name, v := range validators {
			r := &http.Request{Method: method, URL: &url.URL{Path: u.Path, RawPath: u.RawPath}, Header: http.Header{}, Host: "example.com"}
			fast, decided := v.plain.find(r, v.newMatch)
			if !decided {
				continue
			}
			route, params, rerr := v.router.FindRoute(r)
			switch {
			case fast == nil && rerr == nil:
				t.Fatalf("%s: %s %q: plain router found no route, gorillamux found %s %s", name, method, path, route.Method, route.Path)
			case fast != nil && rerr != nil:
				t.Fatalf("%s: %s %q: plain router found %s, gorillamux: %v", name, method, path, fast.Route.Path, rerr)
			case fast != nil:
				if fast.Route.Path != route.Path || fast.Route.Method != route.Method || fast.Route.Operation != route.Operation ||
					fast.Route.PathItem != route.PathItem || fast.Route.Server != route.Server {
					t.Fatalf("%s: %s %q: plain router found %s %s, gorillamux %s %s", name, method, path, fast.Route.Method, fast.Route.Path, route.Method, route.Path)
				}
				if diff := cmp.Diff(params, fast.PathParams, cmpopts.EquateEmpty()); diff != "" { // nil for a path without parameters
					t.Fatalf("%s: %s %q: path parameters (-gorillamux +plain):\n%s", name, method, path, diff)
				}
			}
		}
	})
}

func TestPlainRouterLeavesEscapedPathsToGorillamux(t *testing.T) {
	v := newValidator(t)
	for _, target := range []string{"/api/v2/opportunityStages/%31", "/api/v2/opportunity%20Stages"} {
		if _, decided := v.plain.find(httptest.NewRequest("GET", target, nil), v.newMatch); decided {
			t.Errorf("%s: decided by the plain router", target)
		}
	}
	m, err := v.Route(httptest.NewRequest("GET", "/api/v2/opportunityStages/%31", nil))
	if err != nil || m.OperationID() != "getOpportunityStage" {
		t.Errorf("escaped id: %v %v", m, err)
	}
}
