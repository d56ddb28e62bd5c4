package oppstages_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

const vnd = "application/vnd.api+json"

// scenario is one named example of an operation: the path parameter values, request body
// and success answer that share a name.
type scenario struct {
	name, method, path string
	params             map[string]any
	body               any // nil when the operation takes none
	status             int
	response           any // nil for an answer without a body
}

// scenarios collects, per operation, every example name used by a path parameter or a
// request body, and fails the test when the other parts of the scenario are missing.
func scenarios(t *testing.T, doc *openapi3.T) []scenario {
	t.Helper()
	var out []scenario
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !speaksJSONAPI(op) {
				continue // the OAuth endpoints: their scenarios need a code issued first
			}
			params := append(slices.Clone(item.Parameters), op.Parameters...)
			names := map[string]bool{}
			for _, p := range params {
				if p.Value.In == openapi3.ParameterInPath {
					for name := range p.Value.Examples {
						names[name] = true
					}
				}
			}
			var bodyExamples openapi3.Examples
			if op.RequestBody != nil {
				bodyExamples = op.RequestBody.Value.Content.Get(vnd).Examples
				for name := range bodyExamples {
					names[name] = true
				}
			}
			status, success := successOf(op)
			for name := range names {
				sc := scenario{name: name, method: method, path: path, params: map[string]any{}, status: status}
				for _, p := range params {
					if p.Value.In != openapi3.ParameterInPath {
						continue
					}
					ex := p.Value.Examples[name]
					if ex == nil {
						t.Errorf("%s %s scenario %s: path parameter %s has no example of that name", method, path, name, p.Value.Name)
						continue
					}
					sc.params[p.Value.Name] = ex.Value.Value
				}
				if op.RequestBody != nil {
					ex := bodyExamples[name]
					if ex == nil {
						t.Errorf("%s %s scenario %s: the request body has no example of that name", method, path, name)
						continue
					}
					sc.body = ex.Value.Value
				}
				if mt := success.Content.Get(vnd); mt != nil {
					ex := mt.Examples[name]
					if ex == nil {
						t.Errorf("%s %s scenario %s: the %d answer has no example of that name", method, path, name, status)
						continue
					}
					sc.response = ex.Value.Value
				} else if !headerNames(success, name) {
					t.Errorf("%s %s scenario %s: the %d answer has no body, and no header example names the scenario", method, path, name, status)
				}
				out = append(out, sc)
			}
		}
	}
	slices.SortFunc(out, func(a, b scenario) int { return strings.Compare(a.method+a.path+a.name, b.method+b.path+b.name) })
	return out
}

// speaksJSONAPI reports whether the operation's success answer is a JSON:API document, or
// has no body.
func speaksJSONAPI(op *openapi3.Operation) bool {
	_, success := successOf(op)
	return len(success.Content) == 0 || success.Content.Get(vnd) != nil
}

func successOf(op *openapi3.Operation) (int, *openapi3.Response) {
	for status := 200; status < 300; status++ {
		if r := op.Responses.Status(status); r != nil {
			return status, r.Value
		}
	}
	return 0, &openapi3.Response{}
}

func headerNames(r *openapi3.Response, name string) bool {
	for _, h := range r.Headers {
		if h.Value != nil && h.Value.Examples[name] != nil {
			return true
		}
	}
	return false
}

// Every named example scenario runs on a fresh mock with the default seed, as
// example-driven tools (Specmatic) run it: the path parameters and body are sent as they
// are, and the answer equals the response example except for the timestamps the write
// itself sets. So the examples name records that exist and bodies the server accepts.
func TestExampleScenariosRunOnTheDefaultSeed(t *testing.T) {
	doc := mustSpec(t)
	all := scenarios(t, doc)
	if len(all) < 5 {
		t.Fatalf("%d example scenarios, want one per operation with a path parameter or body", len(all))
	}
	for _, sc := range all {
		t.Run(sc.method+" "+sc.path+" "+sc.name, func(t *testing.T) {
			m, err := mock.New(mock.Options{Seed: 1, BaseURL: "https://api.outreach.io"})
			if err != nil {
				t.Fatal(err)
			}
			c := apitest.New(t, m.Handler())
			target := "/api/v2" + sc.path
			for name, v := range sc.params {
				target = strings.ReplaceAll(target, "{"+name+"}", fmt.Sprint(v))
			}
			req := apitest.Request{Method: sc.method, Target: target}
			if sc.body != nil {
				body, _ := json.Marshal(sc.body)
				req.Body, req.ContentType = string(body), vnd
			}
			r := c.Do(req)
			if r.Status != sc.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, sc.status, r.Body)
			}
			if sc.response == nil {
				if len(r.Body) != 0 {
					t.Errorf("answer has a body: %s", r.Body)
				}
				return
			}
			want, _ := json.Marshal(sc.response)
			var wantDoc, gotDoc map[string]any
			json.Unmarshal(want, &wantDoc)
			json.Unmarshal(r.Body, &gotDoc)
			made := []string{"updatedAt"} // moved by every write
			if sc.method == http.MethodPost {
				made = append(made, "createdAt")
			}
			if sc.method != http.MethodGet {
				for _, d := range []map[string]any{wantDoc, gotDoc} {
					data, _ := d["data"].(map[string]any)
					attrs, _ := data["attributes"].(map[string]any)
					for _, k := range made {
						delete(attrs, k)
					}
				}
			}
			if diff := cmp.Diff(wantDoc, gotDoc); diff != "" {
				t.Errorf("the answer differs from the example %s (-example +answer):\n%s", sc.name, diff)
			}
		})
	}
}
