package mock_test

import (
	"net/http"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// A path the admin API does not have is a JSON 404, and a method a path does not take is
// a JSON 405 whose Allow header names the methods it does take, in the admin API's error
// shape, {"error": "..."}.
func TestAdminRoutingAnswersInJSON(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	added := c.Do(apitest.Request{Method: "POST", Target: "/__admin/faults", Body: `{"status":503}`})
	if added.Status != http.StatusCreated {
		t.Fatalf("add a rule: %d %s", added.Status, added.Body)
	}
	for _, tc := range []struct {
		method, target string
		status         int
		allow, error   string
	}{
		{"GET", "/__admin/nothing", 404, "", "no admin endpoint GET /__admin/nothing"},
		{"GET", "/__admin/", 404, "", "no admin endpoint GET /__admin/"},
		{"GET", "/__admin/health/more", 404, "", "no admin endpoint GET /__admin/health/more"},
		{"DELETE", "/__admin/faults/1/2", 404, "", "no admin endpoint DELETE /__admin/faults/1/2"},
		{"GET", "/__admin//health", 404, "", "no admin endpoint GET /__admin//health"}, // not redirected to its clean form
		{"DELETE", "/__admin/health", 405, "GET, HEAD", "/__admin/health answers GET, HEAD, not DELETE"},
		{"POST", "/__admin/state", 405, "GET, HEAD, PUT", "/__admin/state answers GET, HEAD, PUT, not POST"},
		{"PUT", "/__admin/faults", 405, "DELETE, GET, HEAD, POST", "/__admin/faults answers DELETE, GET, HEAD, POST, not PUT"},
		{"GET", "/__admin/faults/1", 405, "DELETE", "/__admin/faults/1 answers DELETE, not GET"},
		{"POST", "/__admin/settings/", 405, "GET, HEAD, PATCH", "/__admin/settings/ answers GET, HEAD, PATCH, not POST"},
		{"DELETE", "/__admin/faults/x", 404, "", "use DELETE /__admin/faults/{id} with a numeric id"},
		{"DELETE", "/__admin/faults/99", 404, "", "fault rule 99: not found"},
	} {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			r := c.Do(apitest.Request{Method: tc.method, Target: tc.target})
			if r.Status != tc.status || r.JSON["error"] != tc.error {
				t.Errorf("%d %s, want %d with error %q", r.Status, r.Body, tc.status, tc.error)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

// A GET endpoint answers HEAD too, as HTTP asks.
func TestAdminGetEndpointsAnswerHead(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	if r := c.Do(apitest.Request{Method: "HEAD", Target: "/__admin/health"}); r.Status != http.StatusOK {
		t.Errorf("HEAD /__admin/health: %d %s, want 200", r.Status, r.Body)
	}
}

// Every endpoint answers its path with one trailing slash as it answers the path.
func TestAdminEndpointsTakeATrailingSlash(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	for _, tc := range []struct {
		method, target, body string
		status               int
	}{
		{"GET", "/__admin/health/", "", 200},
		{"GET", "/__admin/sandboxes/", "", 200},
		{"GET", "/__admin/settings/", "", 200},
		{"PATCH", "/__admin/settings/", `{"errorRate":0}`, 200},
		{"POST", "/__admin/faults/", `{"status":500}`, 201},
		{"GET", "/__admin/faults/", "", 200},
		{"DELETE", "/__admin/faults/1/", "", 204},
		{"DELETE", "/__admin/faults/", "", 204},
		{"GET", "/__admin/requests/", "", 200},
		{"DELETE", "/__admin/requests/", "", 204},
		{"GET", "/__admin/state/", "", 200},
		{"POST", "/__admin/reset/", "", 200},
		{"POST", "/__admin/snapshot/", "", 409},
	} {
		if r := c.Do(apitest.Request{Method: tc.method, Target: tc.target, Body: tc.body}); r.Status != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.target, r.Status, r.Body, tc.status)
		}
	}
}
