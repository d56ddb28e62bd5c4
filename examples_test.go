package oppstages_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
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

// oauthScenario is a named example of a token request and the answer of the same name.
type oauthScenario struct {
	name     string
	request  map[string]any
	status   int
	response any
}

// oauthScenarios pairs every named example of a token request with the answer example of
// the same name, as Specmatic pairs them, for each media type the request may come in;
// a request example that no answer names fails the test.
func oauthScenarios(t *testing.T, doc *openapi3.T) map[string][]oauthScenario {
	t.Helper()
	op := doc.Paths.Value("/oauth/token").Post
	out := map[string][]oauthScenario{}
	for media, mt := range op.RequestBody.Value.Content {
		for name, ex := range mt.Examples {
			if strings.HasPrefix(name, "[WIP]") {
				t.Errorf("token request %s example %q: Specmatic reports a [WIP] scenario that fails as work in progress, not as failed", media, name)
			}
			request, _ := ex.Value.Value.(map[string]any)
			sc := oauthScenario{name: name, request: request}
			for code, ref := range op.Responses.Map() {
				if answer := ref.Value.Content.Get("application/json"); answer != nil && answer.Examples[name] != nil {
					sc.status, _ = strconv.Atoi(code)
					sc.response = answer.Examples[name].Value.Value
				}
			}
			if sc.status == 0 {
				t.Errorf("token request %s example %q: no answer example has its name", media, name)
				continue
			}
			out[media] = append(out[media], sc)
		}
	}
	for _, scs := range out {
		slices.SortFunc(scs, func(a, b oauthScenario) int { return strings.Compare(a.name, b.name) })
	}
	return out
}

// encode is a token request's parameters as the media type carries them.
func encode(t *testing.T, media string, params map[string]any) string {
	t.Helper()
	if media == "application/json" {
		body, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	form := url.Values{}
	for k, v := range params {
		form.Set(k, fmt.Sprint(v))
	}
	return form.Encode()
}

// oauth.yaml's examples, sent as they are to a fresh mock with the default seed, as
// example-driven tools send them: an error scenario gets exactly its answer example; the
// token exchange's scenarios name a code and a refresh token no earlier call issued, so
// as they are they get invalid_grant, and with the code and the refresh token the mock
// issues put in, the token document. Every answer is held to oauth.yaml by the client.
func TestOAuthExampleScenarios(t *testing.T) {
	doc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatal(err)
	}
	all := oauthScenarios(t, doc)
	if len(all) != 2 {
		t.Fatalf("token request examples in %d media types, want form and JSON", len(all))
	}
	for media, scenarios := range all {
		var names []string
		for _, sc := range scenarios {
			names = append(names, sc.name)
		}
		if want := []string{"exchangeCode", "invalidClient", "invalidGrant", "refresh"}; !slices.Equal(names, want) {
			t.Errorf("%s scenarios %v, want %v", media, names, want)
		}
		for _, sc := range scenarios {
			t.Run(media+" "+sc.name, func(t *testing.T) {
				m, err := mock.New(mock.Options{Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				c := apitest.New(t, m.Handler())
				token := func(params map[string]any) *apitest.Response {
					return c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Token: "-", ContentType: media, Body: encode(t, media, params)})
				}
				r := token(sc.request)
				if sc.status != http.StatusOK {
					if r.Status != sc.status {
						t.Fatalf("status %d, want %d\n%s", r.Status, sc.status, r.Body)
					}
					if diff := cmp.Diff(sc.response, any(r.JSON)); diff != "" {
						t.Errorf("the answer differs from the example %s (-example +answer):\n%s", sc.name, diff)
					}
					return
				}
				if r.Status != http.StatusBadRequest || r.JSON["error"] != "invalid_grant" {
					t.Fatalf("as it is, the example got %d %s; want 400 invalid_grant, since no earlier call issued its credential", r.Status, r.Body)
				}
				issued := issueTokens(t, c, sc.request)
				request := maps.Clone(sc.request)
				switch {
				case request["code"] != nil:
					request["code"] = issued.code
				case request["refresh_token"] != nil:
					request["refresh_token"] = issued.refresh
				default:
					t.Fatalf("example %s names neither a code nor a refresh token", sc.name)
				}
				if r := token(request); r.Status != http.StatusOK || r.JSON["access_token"] == nil {
					t.Fatalf("with the issued credential put in: %d %s, want 200 and a token", r.Status, r.Body)
				}
			})
		}
	}
}

// issued is what the mock's authorization server handed out for one grant: a code not yet
// exchanged, and the refresh token of another code's exchange.
type issued struct{ code, refresh string }

// issueTokens runs the authorization-code grant for the client and redirect_uri of
// request: one code is exchanged for its refresh token, another is kept.
func issueTokens(t *testing.T, c *apitest.Client, request map[string]any) issued {
	t.Helper()
	authorize := func() string {
		q := url.Values{"client_id": {fmt.Sprint(request["client_id"])}, "redirect_uri": {fmt.Sprint(request["redirect_uri"])}, "response_type": {"code"}}
		r := c.Do(apitest.Request{Method: http.MethodGet, Target: "/oauth/authorize?" + q.Encode(), Token: "-"})
		loc, err := url.Parse(r.Header.Get("Location"))
		if r.Status != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
			t.Fatalf("authorize: %d, Location %q", r.Status, r.Header.Get("Location"))
		}
		return loc.Query().Get("code")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {authorize()}}
	for _, k := range []string{"client_id", "client_secret", "redirect_uri"} {
		form.Set(k, fmt.Sprint(request[k]))
	}
	r := c.Do(apitest.Request{Method: http.MethodPost, Target: "/oauth/token", Token: "-", ContentType: "application/x-www-form-urlencoded", Body: form.Encode()})
	refresh, _ := r.JSON["refresh_token"].(string)
	if r.Status != http.StatusOK || refresh == "" {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	return issued{code: authorize(), refresh: refresh}
}

// The authorization request made of its parameters' single examples, as Dredd makes it,
// is redirected to the example redirect_uri with a code and the example state, as the
// Location example shows.
func TestOAuthAuthorizeExample(t *testing.T) {
	doc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/oauth/authorize").Get
	q := url.Values{}
	for _, p := range op.Parameters {
		if len(p.Value.Examples) > 0 {
			t.Errorf("parameter %s has named examples: Dredd reads only the single example", p.Value.Name)
		}
		switch {
		case p.Value.Example != nil:
			q.Set(p.Value.Name, fmt.Sprint(p.Value.Example))
		case p.Value.Required:
			t.Errorf("required parameter %s has no single example, so Dredd cannot send the request", p.Value.Name)
		}
	}
	m, err := mock.New(mock.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := apitest.New(t, m.Handler()).Do(apitest.Request{Method: http.MethodGet, Target: "/oauth/authorize?" + q.Encode(), Token: "-"})
	got, err := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusFound || err != nil {
		t.Fatalf("%d, Location %q", r.Status, r.Header.Get("Location"))
	}
	want, err := url.Parse(fmt.Sprint(op.Responses.Status(http.StatusFound).Value.Headers["Location"].Value.Example))
	if err != nil {
		t.Fatal(err)
	}
	if got.Scheme+got.Host+got.Path != want.Scheme+want.Host+want.Path || got.Query().Get("state") != want.Query().Get("state") || got.Query().Get("code") == "" {
		t.Errorf("Location %s, want one like the example %s", got, want)
	}
}
