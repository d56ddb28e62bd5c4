package mock_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

// A request that names two sandboxes (X-Mock-Sandbox sent twice with different values) is
// refused with a 400 naming the header, on the API and on the admin API alike, instead of
// running in whichever came first; the same name sent twice is one sandbox.
func TestTwoSandboxNamesAreRefused(t *testing.T) {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		target string
		values []string
		want   int
	}{
		{"API, two names", "/api/v2/opportunityStages/1", []string{"a", "b"}, 400},
		{"API, a name then none", "/api/v2/opportunityStages/1", []string{"a", ""}, 400},
		{"API, one name twice", "/api/v2/opportunityStages/1", []string{"a", "a"}, 200},
		{"API, one name", "/api/v2/opportunityStages/1", []string{"a"}, 200},
		{"admin, two names", "/__admin/settings", []string{"a", "b"}, 400},
		{"admin, one name twice", "/__admin/settings", []string{"a", "a"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			r.Host = "localhost"
			r.Header.Set("Authorization", "Bearer t")
			r.Header["X-Mock-Sandbox"] = tc.values
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, tc.want)
			}
			if tc.want != 400 {
				return
			}
			var body any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || !strings.Contains(w.Body.String(), "X-Mock-Sandbox") {
				t.Errorf("%s: want a JSON refusal naming X-Mock-Sandbox", w.Body)
			}
		})
	}
}
