package contract_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages/contract"
)

// The suite against a server nobody here wrote: the vendor's own OpenAPI document
// (testdata/vendor-openapi-opportunityStages.json), served statelessly the way Prism
// serves a document: each operation answers its first documented success with the
// document's example, or, where it has none, a body made from the schema; a request the
// document refuses (a path id that is not an integer, a body that breaks the schema) gets
// the operation's documented error. Every answer to an operation of the document is valid
// under it; a path it does not have gets Prism's own 404.

// vendorStyle is how the stateless server fills a body that has no example.
type vendorStyle int

const (
	// everyMember fills every member a schema declares, one item to a list, as Prism's
	// static mode does.
	everyMember vendorStyle = iota
	// requiredOnly fills only the members a schema requires: the smallest valid answer.
	requiredOnly
)

func (s vendorStyle) String() string {
	return map[vendorStyle]string{everyMember: "every member", requiredOnly: "required members only"}[s]
}

// vendorServer answers the operations of doc, mounted under its servers' path.
type vendorServer struct {
	t     *testing.T
	doc   *openapi3.T
	base  string // the servers' path, e.g. /api/v2
	style vendorStyle

	mu       sync.Mutex
	answered map[string]bool // method and request URI of each answer the document defines
}

func newVendorServer(t *testing.T, style vendorStyle) *vendorServer {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/vendor-openapi-opportunityStages.json")
	if err != nil {
		t.Fatal(err)
	}
	base := "/api/v2"
	if len(doc.Servers) > 0 {
		u := doc.Servers[0].URL
		if i := strings.Index(u, "://"); i >= 0 {
			u = u[i+3:]
			u = u[strings.Index(u+"/", "/"):]
		}
		base = strings.TrimSuffix(u, "/")
	}
	return &vendorServer{t: t, doc: doc, base: base, style: style, answered: map[string]bool{}}
}

// defined reports whether the document defines the answer to method and request URI.
func (v *vendorServer) defined(method, requestURI string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.answered[method+" "+requestURI]
}

func (v *vendorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, v.base)
	op, params := v.route(r.Method, rest)
	if !ok || op == nil {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"type":"https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR","title":"Route not resolved, no path matched","status":404,"detail":"The route %s has not been found in the specification"}`, r.URL.Path)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
		w.WriteHeader(http.StatusUnauthorized) // the document's security, which it gives no answer for
		return
	}
	status := successOf(op)
	if !v.acceptable(r, op, params) {
		status = errorOf(op)
	}
	ref := op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	v.mu.Lock()
	v.answered[r.Method+" "+r.URL.RequestURI()] = true
	v.mu.Unlock()
	mediaTypes := slices.Sorted(maps.Keys(ref.Value.Content))
	if len(mediaTypes) == 0 || status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	media := ref.Value.Content[mediaTypes[0]]
	body := v.example(media, "http://"+r.Host+r.URL.RequestURI())
	if media.Schema != nil && media.Schema.Value != nil {
		if err := media.Schema.Value.VisitJSON(body, openapi3.VisitAsResponse()); err != nil {
			v.t.Errorf("the stateless server's %d answer to %s %s is not valid under the vendor's document: %v", status, r.Method, r.URL, err)
		}
	}
	w.Header().Set("Content-Type", mediaTypes[0])
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// route finds the operation for a path below the base, and its path parameters.
func (v *vendorServer) route(method, path string) (*openapi3.Operation, map[string]string) {
	got := strings.Split(path, "/")
	for template, item := range v.doc.Paths.Map() {
		want := strings.Split(template, "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		match := true
		for i, seg := range want {
			switch {
			case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && got[i] != "":
				params[seg[1:len(seg)-1]] = got[i]
			case seg != got[i]:
				match = false
			}
		}
		if op := item.GetOperation(method); match && op != nil {
			return op, params
		}
	}
	return nil, nil
}

// acceptable reports whether the request's path parameters and body are valid under the
// operation, as Prism checks them.
func (v *vendorServer) acceptable(r *http.Request, op *openapi3.Operation, params map[string]string) bool {
	for _, p := range op.Parameters {
		if p.Value == nil || p.Value.In != openapi3.ParameterInPath || p.Value.Schema == nil {
			continue
		}
		raw := params[p.Value.Name]
		var value any = raw
		if p.Value.Schema.Value.Type.Is(openapi3.TypeInteger) {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return false
			}
			value = float64(n)
		}
		if p.Value.Schema.Value.VisitJSON(value) != nil {
			return false
		}
	}
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return true
	}
	var body any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		return false
	}
	for _, media := range op.RequestBody.Value.Content {
		if media.Schema != nil && media.Schema.Value != nil && media.Schema.Value.VisitJSON(body, openapi3.VisitAsRequest()) == nil {
			return true
		}
	}
	return false
}

// successOf is the operation's first documented success; errorOf its first documented
// client error, 422 before the others as Prism prefers it.
func successOf(op *openapi3.Operation) int { return firstStatus(op, 200, 299) }

func errorOf(op *openapi3.Operation) int {
	if op.Responses.Status(http.StatusUnprocessableEntity) != nil {
		return http.StatusUnprocessableEntity
	}
	return firstStatus(op, 400, 499)
}

func firstStatus(op *openapi3.Operation, lo, hi int) int {
	for status := lo; status <= hi; status++ {
		if op.Responses.Status(status) != nil {
			return status
		}
	}
	return http.StatusInternalServerError
}

// example is the media type's example, or a body made from its schema; uri is the value
// of every member in uri format, so that links lead back to the server.
func (v *vendorServer) example(media *openapi3.MediaType, uri string) any {
	if media.Example != nil {
		return media.Example
	}
	for _, name := range slices.Sorted(maps.Keys(media.Examples)) {
		if ex := media.Examples[name]; ex != nil && ex.Value != nil {
			return ex.Value.Value
		}
	}
	if media.Schema == nil {
		return map[string]any{}
	}
	return v.synthesize(media.Schema.Value, uri, 0)
}

// maxDepth bounds the schemas synthesize follows into one another.
const maxDepth = 12

func (v *vendorServer) synthesize(s *openapi3.Schema, uri string, depth int) any {
	switch {
	case s == nil || depth > maxDepth:
		return nil
	case s.Example != nil:
		return s.Example
	case len(s.Enum) > 0:
		return s.Enum[0]
	case len(s.AllOf) > 0:
		merged := map[string]any{}
		for _, part := range s.AllOf {
			if obj, ok := v.synthesize(part.Value, uri, depth+1).(map[string]any); ok {
				maps.Copy(merged, obj)
			}
		}
		return merged
	case len(s.OneOf) > 0:
		return v.synthesize(s.OneOf[0].Value, uri, depth+1)
	case len(s.AnyOf) > 0:
		return v.synthesize(s.AnyOf[0].Value, uri, depth+1)
	case s.Type.Is(openapi3.TypeArray):
		items := []any{}
		n := int(s.MinItems)
		if v.style == everyMember {
			n = max(n, 1)
		}
		for range n {
			if s.Items != nil {
				items = append(items, v.synthesize(s.Items.Value, uri, depth+1))
			}
		}
		return items
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "date-time":
			return "2024-01-05T10:00:00.000Z"
		case "date":
			return "2024-01-05"
		case "uri":
			return uri
		case "email":
			return "user@example.com"
		}
		return strings.Repeat("s", max(int(s.MinLength), 6))
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		if s.Min != nil {
			return *s.Min
		}
		return 0
	case s.Type.Is(openapi3.TypeBoolean):
		return true
	case s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0 || s.Type == nil:
		obj := map[string]any{}
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			if v.style == everyMember || slices.Contains(s.Required, name) {
				obj[name] = v.synthesize(s.Properties[name].Value, uri, depth+1)
			}
		}
		return obj
	}
	return nil
}

// The suite runs read-only against the vendor's document served statelessly: it ends,
// nothing passes without naming what it judged, and every conformance failure on an
// answer the vendor's document defines rests only on a guess (labelled inferred) or on a
// rule whose published source openapi.yaml cites (x-source): where the vendor's own
// document is looser than the facts, the facts win, and the report names them.
func TestSuiteAgainstTheVendorsDocument(t *testing.T) {
	cited, ran := 0, 0
	for _, style := range []vendorStyle{everyMember, requiredOnly} {
		t.Run(style.String(), func(t *testing.T) {
			ran++
			vendor := newVendorServer(t, style)
			srv := httptest.NewServer(vendor)
			defer srv.Close()
			report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: contract.ReadOnly, Client: srv.Client(), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("against the vendor's document, %s: %s", style, report.Summary())
			if len(report.Results) < 50 {
				t.Errorf("%d checks ran; a read-only run has over 50", len(report.Results))
			}
			for _, res := range report.Results {
				switch res.Verdict {
				case contract.Pass:
					if len(res.Requests) == 0 {
						t.Errorf("%s passed without naming an exchange it judged", res.Name)
					}
				case contract.Skip:
					if res.SkipReason == "" {
						t.Errorf("%s skipped without a reason", res.Name)
					}
				case contract.Fail, contract.Inferred:
					if strings.Contains(res.Failure, "check panicked") || strings.HasPrefix(res.Failure, "skipped:") {
						t.Errorf("%s", contract.Line(res))
					}
				default:
					t.Errorf("%s has verdict %q", res.Name, res.Verdict)
				}
				for _, p := range res.Problems {
					if p.Exchange == nil || p.Inferred || !vendor.defined(p.Exchange.Method, strings.TrimPrefix(p.Exchange.URL, srv.URL)) {
						continue
					}
					if p.Source != "" {
						cited++
						continue
					}
					t.Errorf("%s: an answer valid under the vendor's document fails a rule openapi.yaml neither marks x-inferred nor cites a source for (x-source):\n%s", res.Name, p.Message)
				}
			}
		})
	}
	if cited == 0 && ran > 0 { // -run may select none of the styles
		t.Error("no failure rested on a cited rule: the vendor's document is looser than the facts openapi.yaml cites (type, links.self, data), so some must")
	}
}
