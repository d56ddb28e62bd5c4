package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// stage is a stage resource object as a client decodes it.
type stage struct {
	Type       string `json:"type"`
	ID         int64  `json:"id"`
	Attributes struct {
		Color     *string `json:"color"`
		CreatedAt string  `json:"createdAt"`
		IsClosed  *bool   `json:"isClosed"`
		Name      *string `json:"name"`
		Order     *int64  `json:"order"`
		UpdatedAt string  `json:"updatedAt"`
	} `json:"attributes"`
	Relationships struct {
		Creator struct {
			Data *struct {
				Type string `json:"type"`
				ID   int64  `json:"id"`
			} `json:"data"`
		} `json:"creator"`
	} `json:"relationships"`
	Links struct {
		Self string `json:"self"`
	} `json:"links"`
	Meta map[string]any `json:"meta"`
}

// listDoc is a list document as a client decodes it.
type listDoc struct {
	Data     []stage `json:"data"`
	Included []struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"included"`
	Links struct {
		First string `json:"first"`
		Prev  string `json:"prev"`
		Next  string `json:"next"`
	} `json:"links"`
	Meta *struct {
		Count          int  `json:"count"`
		CountTruncated bool `json:"count_truncated"`
	} `json:"meta"`
}

func decodeList(t testing.TB, r *apitest.Response) listDoc {
	t.Helper()
	var doc listDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("decode list: %v\n%s", err, r.Body)
	}
	return doc
}

func ids(stages []stage) []int64 {
	out := make([]int64, len(stages))
	for i, s := range stages {
		out[i] = s.ID
	}
	return out
}

// manualClock is a clock that moves only when the test moves it.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newServer starts a mock with a manual clock at epoch and a fixed public URL.
func newServer(t testing.TB, opts mock.Options) (*mock.Server, *apitest.Client) {
	t.Helper()
	s, c, _ := newServerClock(t, opts)
	return s, c
}

func newServerClock(t testing.TB, opts mock.Options) (*mock.Server, *apitest.Client, *manualClock) {
	t.Helper()
	clock := &manualClock{now: epoch.Add(123 * time.Millisecond)}
	if opts.Clock == nil {
		opts.Clock = clock.Now
	}
	if opts.BaseURL == "" {
		opts.BaseURL = "http://mock.test"
	}
	s, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, apitest.New(t, s.Handler()), clock
}

// wantError fails unless the response is status with a first error of the given id.
func wantError(t testing.TB, r *apitest.Response, status int, id string) apitest.Error {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	if status == http.StatusUnauthorized {
		return apitest.Error{}
	}
	errs := r.Errors()
	if len(errs) == 0 || errs[0].ID != id {
		t.Fatalf("errors %+v, want first id %q\n%s", errs, id, r.Body)
	}
	return errs[0]
}

// nextTarget turns an absolute link into a request target for the in-memory client.
func nextTarget(t testing.TB, link string) string {
	t.Helper()
	target, ok := strings.CutPrefix(link, "http://mock.test")
	if !ok {
		t.Fatalf("link %q is not under the base URL", link)
	}
	return target
}

func strp(s string) *string { return &s }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
