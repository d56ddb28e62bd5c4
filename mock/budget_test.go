package mock_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

// adminIn is an admin call in a sandbox.
func adminIn(sandbox, method, target, body string) apitest.Request {
	return inSandbox(sandbox, apitest.Request{Method: method, Target: target, Body: body, ContentType: "application/json"})
}

// Fault rules in many sandboxes together stay within MaxFaultBytesTotal: the rule that
// would take them past it is refused with a 400 naming the limit, and removing a rule,
// clearing them, a reset or the sandbox's eviction gives its bytes back.
func TestFaultBytesBoundedAcrossSandboxes(t *testing.T) {
	const budget = 40_000
	bigBody := strings.Repeat("x", 8000) // each rule holds more than 8000 bytes, so at most 4 fit
	rule := fmt.Sprintf(`{"path":"/api/v2/opportunityStages","status":500,"body":%q}`, bigBody)
	giveBack := []struct {
		name string
		call func(c *apitest.Client)
	}{
		{"DELETE /__admin/faults/{id}", func(c *apitest.Client) { c.Do(adminIn("s1", "DELETE", "/__admin/faults/1", "")) }},
		{"DELETE /__admin/faults", func(c *apitest.Client) { c.Do(adminIn("s1", "DELETE", "/__admin/faults", "")) }},
		{"POST /__admin/reset", func(c *apitest.Client) { c.Do(adminIn("s1", "POST", "/__admin/reset", "")) }},
		{"eviction", func(c *apitest.Client) {
			for _, name := range []string{"e1", "e2"} { // six sandboxes: s1, the least recently used, goes
				c.Do(adminIn(name, "GET", "/__admin/health", ""))
			}
		}},
	}
	for _, tc := range giveBack {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newServer(t, mock.Options{MaxFaultBytesTotal: budget, MaxSandboxes: 5})
			full := ""
			for i := 1; i <= 10 && full == ""; i++ {
				name := fmt.Sprintf("s%d", i)
				r := c.Do(adminIn(name, "POST", "/__admin/faults", rule))
				switch {
				case r.Status == 400:
					full = name
					if msg, _ := r.JSON["error"].(string); !strings.Contains(msg, "MaxFaultBytesTotal") {
						t.Errorf("the refusal does not name the limit: %s", r.Body)
					}
				case r.Status != 201:
					t.Fatalf("rule in %s: %d %s", name, r.Status, r.Body)
				case i*len(bigBody) > budget:
					t.Fatalf("rule %d accepted: the rules of all sandboxes hold more than %d bytes", i, budget)
				}
			}
			if full == "" {
				t.Fatalf("ten rules of %d bytes in ten sandboxes were all accepted under a budget of %d", len(bigBody), budget)
			}
			if full == "s1" {
				t.Fatal("the first rule, well within the budget, was refused")
			}
			tc.call(c)
			if r := c.Do(adminIn(full, "POST", "/__admin/faults", rule)); r.Status != 201 {
				t.Errorf("after %s, the rule still does not fit: %d %s", tc.name, r.Status, r.Body)
			}
		})
	}
}

// stateWithLongNames is a state document of n stages, each with a name of nameBytes.
func stateWithLongNames(n, nameBytes int) string {
	var b strings.Builder
	b.WriteString(`{"data":[`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"opportunityStage","id":%d,"attributes":{"name":%q,"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}`,
			i, strings.Repeat("n", nameBytes))
	}
	b.WriteString(`]}`)
	return b.String()
}

// The records named sandboxes hold beyond the seed stay within MaxStateBytesTotal
// together: a PUT /__admin/state past it gets a 400 naming the limit and changes nothing,
// a create a 422 naming it; the default sandbox is bounded by MaxStages alone; a reset,
// a smaller state, deletes or the sandbox's eviction give the bytes back.
func TestStateBytesBoundedAcrossSandboxes(t *testing.T) {
	const budget = 64 << 10
	const perState = 10 * 2000 // the names alone; so at most 3 states fit
	state := stateWithLongNames(10, 2000)
	fill := func(t *testing.T, c *apitest.Client) (full string) {
		t.Helper()
		for i := 1; i <= 10; i++ {
			name := fmt.Sprintf("s%d", i)
			r := c.Do(adminIn(name, "PUT", "/__admin/state", state))
			switch {
			case r.Status == 400:
				if msg, _ := r.JSON["error"].(string); !strings.Contains(msg, "MaxStateBytesTotal") {
					t.Errorf("the refusal does not name the limit: %s", r.Body)
				}
				if n := len(decodeList(t, c.Do(inSandbox(name, apitest.Request{Method: "GET", Target: stages + "?page[size]=100"}))).Data); n != 8 {
					t.Errorf("the refused state changed %s: %d stages, want the seed's 8", name, n)
				}
				return name
			case r.Status != 200:
				t.Fatalf("state into %s: %d %s", name, r.Status, r.Body)
			case i == 1 && r.JSON["stages"] != 10.0:
				t.Errorf("the first state, well within the budget: %s", r.Body)
			case i*perState > budget:
				t.Fatalf("state %d accepted: named sandboxes hold more than %d bytes beyond the seed", i, budget)
			}
		}
		t.Fatalf("ten states of %d bytes of names in ten sandboxes were all accepted under a budget of %d", perState, budget)
		return ""
	}

	t.Run("creates", func(t *testing.T) {
		_, c := newServer(t, mock.Options{MaxStateBytesTotal: budget})
		fill(t, c)
		create := apitest.Request{Method: "POST", Target: stages, ContentType: "application/vnd.api+json",
			Body: fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q}}}`, strings.Repeat("c", 200))}
		refused := false
		for range 100 { // what is left holds fewer than 100 such stages
			r := c.Do(inSandbox("creator", create))
			if r.Status == 201 {
				continue
			}
			if e := wantError(t, r, 422, "validationError"); !strings.Contains(e.Detail, "MaxStateBytesTotal") {
				t.Errorf("the refusal does not name the limit: %q", e.Detail)
			}
			refused = true
			break
		}
		if !refused {
			t.Fatal("100 creates of 200-byte names were accepted with the budget all but full")
		}
		if r := c.Do(create); r.Status != 201 {
			t.Errorf("a create in the default sandbox: %d %s", r.Status, r.Body)
		}
	})

	giveBack := []struct {
		name string
		call func(c *apitest.Client)
	}{
		{"POST /__admin/reset", func(c *apitest.Client) { c.Do(adminIn("s1", "POST", "/__admin/reset", "")) }},
		{"a smaller state", func(c *apitest.Client) { c.Do(adminIn("s1", "PUT", "/__admin/state", `{"data":[]}`)) }},
		{"deletes", func(c *apitest.Client) {
			for id := range int64(10) {
				c.Do(inSandbox("s1", deleteReq(id+1)))
			}
		}},
		{"eviction", func(c *apitest.Client) {
			for _, name := range []string{"e1", "e2"} { // six sandboxes: s1, the least recently used, goes
				c.Do(adminIn(name, "GET", "/__admin/health", ""))
			}
		}},
	}
	for _, tc := range giveBack {
		t.Run(tc.name, func(t *testing.T) {
			_, c := newServer(t, mock.Options{MaxStateBytesTotal: budget, MaxSandboxes: 5})
			full := fill(t, c)
			tc.call(c)
			if r := c.Do(adminIn(full, "PUT", "/__admin/state", state)); r.Status != 200 {
				t.Errorf("after %s, the state still does not fit: %d %s", tc.name, r.Status, r.Body)
			}
		})
	}
}
