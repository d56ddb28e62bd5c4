package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

func fixtureFS(t *testing.T, stagesJSON string) fstest.MapFS {
	t.Helper()
	users, err := fixtures.Embedded.ReadFile("users.json")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"stages.json": {Data: []byte(stagesJSON)},
		"users.json":  {Data: users},
	}
}

func TestFixturesDirectory(t *testing.T) {
	fsys := fixtureFS(t, `{"data":[{"type":"opportunityStage","id":40,"attributes":{"name":"Only","order":1,"isClosed":false,"color":"#000000","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"},"relationships":{"creator":{"data":{"type":"user","id":2}}}}]}`)
	s, c := newServer(t, mock.Options{Fixtures: fsys})
	if s.Len() != 1 {
		t.Fatalf("%d stages, want 1", s.Len())
	}
	var st stage
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Next"}}}`).Data(t, &st)
	if st.ID != 41 {
		t.Errorf("next id %d, want 41", st.ID)
	}
}

func TestBadFixturesStopStartup(t *testing.T) {
	tests := map[string]string{
		"not JSON":        `{`,
		"unknown creator": `{"data":[{"type":"opportunityStage","id":1,"attributes":{"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"},"relationships":{"creator":{"data":{"type":"user","id":99}}}}]}`,
		"duplicate id":    `{"data":[{"type":"opportunityStage","id":1,"attributes":{"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}},{"type":"opportunityStage","id":1,"attributes":{"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}]}`,
		"unknown member":  `{"data":[{"type":"opportunityStage","id":1,"attributes":{"stageType":"x","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := mock.New(mock.Options{Fixtures: fixtureFS(t, doc)}); err == nil {
				t.Error("New accepted broken fixtures")
			}
		})
	}
}

// With ValidateResponses, a response that breaks openapi.yaml (here, a fixture whose name
// is longer than the contract allows) is answered 500 mockContractViolation.
func TestValidateResponsesCatchesViolations(t *testing.T) {
	long := strings.Repeat("x", 300)
	fsys := fixtureFS(t, `{"data":[{"type":"opportunityStage","id":1,"attributes":{"name":"`+long+`","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}]}`)
	for _, validate := range []bool{false, true} {
		s, err := mock.New(mock.Options{Fixtures: fsys, ValidateResponses: validate})
		if err != nil {
			t.Fatal(err)
		}
		c := apitest.New(&silentT{TB: t}, s.Handler())
		r := c.Get(stages + "/1")
		if !validate && r.Status != 200 {
			t.Errorf("without validation: status %d, want 200", r.Status)
		}
		if validate {
			wantError(t, r, 500, "mockContractViolation")
		}
		if ok := c.Get(stages + "/1?fields%5BopportunityStage%5D=order"); ok.Status != 200 {
			t.Errorf("validate=%v: a conforming response got %d", validate, ok.Status)
		}
	}
}

// silentT lets a test receive a response that breaks the contract on purpose.
type silentT struct{ testing.TB }

func (s *silentT) Errorf(string, ...any) {}

func TestRateLimit(t *testing.T) {
	s, c, clock := newServerClock(t, mock.Options{RateLimit: 2, RateWindow: time.Hour})
	for i, wantRemaining := range []string{"1", "0"} {
		r := c.Get(stages)
		if r.Status != 200 || r.Header.Get("X-RateLimit-Remaining") != wantRemaining || r.Header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("request %d: %d remaining %s", i, r.Status, r.Header.Get("X-RateLimit-Remaining"))
		}
	}
	r := c.Get(stages + "/1")
	e := wantError(t, r, 429, "rateLimitExceeded")
	reset := epoch.Truncate(time.Hour).Add(time.Hour)
	if r.Header.Get("X-RateLimit-Reset") != itoa(reset.Unix()) || r.Header.Get("Retry-After") != "3600" {
		t.Errorf("reset %s retry-after %s, want %d and 3600", r.Header.Get("X-RateLimit-Reset"), r.Header.Get("Retry-After"), reset.Unix())
	}
	if want := "You have exceeded your permitted rate limit of 2; please try again at 2026-03-01T13:00:00."; e.Detail != want {
		t.Errorf("detail %q\nwant   %q", e.Detail, want)
	}
	if other := c.Do(apitest.Request{Method: "GET", Target: stages, Token: "someone-else"}); other.Status != 200 {
		t.Errorf("another token was limited too: %d", other.Status)
	}
	clock.Advance(time.Hour)
	if r := c.Get(stages); r.Status != 200 || r.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Errorf("after the reset: %d remaining %s", r.Status, r.Header.Get("X-RateLimit-Remaining"))
	}
	_ = s
}

func TestLimits(t *testing.T) {
	_, c := newServer(t, mock.Options{MaxStages: 9, MaxFaults: 2})
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`
	if r := c.Send("POST", stages, body); r.Status != 201 {
		t.Fatalf("ninth stage: %d", r.Status)
	}
	e := wantError(t, c.Send("POST", stages, body), 422, "validationError")
	if !strings.Contains(e.Detail, "at most 9 stages") {
		t.Errorf("detail %q", e.Detail)
	}
	for i, want := range []int{201, 201, 400} {
		if r := postFault(t, c, "", `{"path":"/nowhere","status":500}`); r.Status != want {
			t.Errorf("fault rule %d: %d, want %d", i+1, r.Status, want)
		}
	}
}

func TestInMemoryClient(t *testing.T) {
	s, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://anything.invalid/api/v2/opportunityStages/2", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Qualification"`) || !strings.Contains(string(body), "http://anything.invalid/api/v2/opportunityStages/2") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}
