package journal

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequestSecrets(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?access_token=query-secret-1&page=2&sig=short", nil)
	r.Header.Set("Authorization", "Bearer header-secret-1")
	r.Header.Set("Cookie", "session=cookie-secret-1; theme=dark")
	got := RequestSecrets(r)
	want := []string{"header-secret-1", "cookie-secret-1", "query-secret-1"}
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
