package mock_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

// /__admin without its trailing slash belongs to the admin API, not the API: it names no
// admin endpoint, so it is the admin API's 404 in the admin shape, and the Host guard and
// the admin token guard it as they guard every admin path.
func TestAdminRootIsTheAdminAPIs(t *testing.T) {
	open, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	locked, err := mock.New(mock.Options{AdminToken: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		srv    *mock.Server
		host   string
		auth   string
		method string
		want   int
	}{
		{"no such admin endpoint", open, "localhost", "", "GET", 404},
		{"another method", open, "localhost", "", "POST", 404},
		{"a rebound name", open, "rebind.test", "", "GET", 403},
		{"no admin token", locked, "localhost", "", "GET", 401},
		{"the API's token is not the admin token", locked, "localhost", "Bearer t", "GET", 401},
		{"the admin token", locked, "localhost", "Bearer secret", "GET", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/__admin", nil)
			r.Host = tc.host
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			tc.srv.Handler().ServeHTTP(w, r)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("%d %q: %v", w.Code, w.Body, err)
			}
			if _, ok := body["error"].(string); w.Code != tc.want || !ok || len(body) != 1 {
				t.Errorf("%d %s, want %d with the admin API's {\"error\"}", w.Code, w.Body, tc.want)
			}
		})
	}
}
