package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// Headers over the limit get the contract's JSON:API 431 (checked against openapi.yaml by
// the client), the admin API a plain JSON one; headers under it pass.
func TestOversizedHeadersGetAJSONAPI431(t *testing.T) {
	_, c := newServer(t, mock.Options{MaxHeaderBytes: 4096})
	big := strings.Repeat("x", 4096)
	tests := []struct {
		name   string
		req    apitest.Request
		status int
	}{
		{"API, over", withHeader(apitest.Request{Method: "GET", Target: stages + "/1"}, "X-Trace", big), 431},
		{"API, many headers over", withHeader(apitest.Request{Method: "GET", Target: stages},
			"X-A", big[:1500], "X-B", big[:1500], "X-C", big[:1500]), 431},
		{"API, under", withHeader(apitest.Request{Method: "GET", Target: stages + "/1"}, "X-Trace", big[:3000]), 200},
		{"admin, over", withHeader(apitest.Request{Method: "GET", Target: "/__admin/health"}, "X-Trace", big), 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do(tt.req)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tt.status, r.Body)
			}
			if tt.status != 431 {
				return
			}
			if strings.HasPrefix(tt.req.Target, "/__admin/") {
				if r.JSON["error"] == nil {
					t.Errorf("admin 431 without an error message: %s", r.Body)
				}
				return
			}
			e := wantError(t, r, http.StatusRequestHeaderFieldsTooLarge, "requestHeaderFieldsTooLarge")
			if !strings.Contains(e.Detail, "4096 bytes") {
				t.Errorf("detail %q does not give the limit", e.Detail)
			}
			if r.Header.Get("X-RateLimit-Limit") == "" {
				t.Error("a 431 without the rate-limit headers")
			}
		})
	}
}
