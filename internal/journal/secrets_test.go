package journal

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequestSecrets(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	r := httptest.NewRequest("POST", "/x;jsessionid=matrix-secret-1?access_token=query%2Fsecret-1&page=2&sig=short&pwd=pwd-secret-1", strings.NewReader(`{"data":{"apiKey":"body-secret-1","name":"Won"}}`))
	r.Header.Set("Authorization", "Bearer header-secret-1")
	r.Header.Set("Proxy-Authorization", "Basic "+basic("user-name-1", "basic-password-1"))
	r.Header.Set("X-Client-Key", "client-key-secret-1")
	r.Header.Set("X-Trace", "id="+jwt)
	r.Header.Set("Cookie", "session=cookie-secret-1; theme=dark")
	r.Header.Set("Content-Type", "application/json")
	got := RequestSecrets(r, []byte(`{"data":{"apiKey":"body-secret-1","name":"Won"}}`))
	slices.Sort(got)
	want := []string{"basic-password-1", "body-secret-1", "client-key-secret-1", "cookie-secret-1", "header-secret-1",
		basic("user-name-1", "basic-password-1"), "matrix-secret-1", "query%2Fsecret-1", "query/secret-1", "pwd-secret-1",
		jwt, "user-name-1:basic-password-1"}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RequestSecrets (-want +got):\n%s", diff)
	}
	if got := string(Mask([]byte(`{"t":"header-secret-1","u":"dark"}`), got)); got != `{"t":"REDACTED","u":"dark"}` {
		t.Errorf("Mask: %s", got)
	}
	if got := MaskString("short dark", []string{"dark"}); got != "short dark" {
		t.Errorf("a short secret masked: %s", got)
	}
}
