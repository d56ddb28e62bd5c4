package oppstages_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

var vendorSpecPath = flag.String("vendor-spec",
	"../shared/reference/vendor/vendor-openapi-opportunityStages.json",
	"the vendor's published OpenAPI extract for opportunityStages")

func mustSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := oppstages.Spec()
	if err != nil {
		t.Fatalf("embedded openapi.yaml: %v", err)
	}
	return doc
}

func mustOAuthSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatalf("embedded oauth.yaml: %v", err)
	}
	return doc
}

// Each document has one server, as the vendor's has, and no path overrides it: contract
// tools put every path below the one base URL they are given, whatever a path's servers.
func TestSpecIsValidOpenAPI303(t *testing.T) {
	for _, tt := range []struct {
		name, server string
		doc          *openapi3.T
	}{{"openapi.yaml", "/api/v2", mustSpec(t)}, {"oauth.yaml", "/", mustOAuthSpec(t)}} {
		if tt.doc.OpenAPI != "3.0.3" {
			t.Errorf("%s: openapi = %q, want 3.0.3 (3.1 changes nullable and is slower to validate)", tt.name, tt.doc.OpenAPI)
		}
		if len(tt.doc.Servers) != 1 || tt.doc.Servers[0].URL != tt.server {
			t.Errorf("%s: servers = %v, want the single relative server %s", tt.name, tt.doc.Servers, tt.server)
		}
		for path, item := range tt.doc.Paths.Map() {
			if len(item.Servers) > 0 {
				t.Errorf("%s: %s has servers of its own", tt.name, path)
			}
		}
	}
}

// Dredd resolves a reference only to an object declared above it, so each document
// declares its example components before the response components that refer to them.
func TestExamplesPrecedeResponses(t *testing.T) {
	for name, raw := range map[string][]byte{"openapi.yaml": oppstages.SpecYAML, "oauth.yaml": oppstages.OAuthYAML} {
		_, components, ok := strings.Cut(string(raw), "\ncomponents:\n")
		if !ok {
			t.Fatalf("%s has no components", name)
		}
		examples, responses := strings.Index(components, "\n  examples:\n"), strings.Index(components, "\n  responses:\n")
		if responses >= 0 && (examples < 0 || examples > responses) {
			t.Errorf("%s: components.responses comes before components.examples; Dredd cannot resolve a reference to an example declared after it", name)
		}
	}
}

// An example that breaks its schema must fail ParseSpec, or the validation above proves nothing.
func TestParseSpecRejectsBadExample(t *testing.T) {
	bad := strings.Replace(string(oppstages.SpecYAML),
		"meta: {count: 8, count_truncated: false}", "meta: {count: eight, count_truncated: false}", 1)
	if bad == string(oppstages.SpecYAML) {
		t.Fatal("the example to break was not found; update this test")
	}
	if _, err := oppstages.ParseSpec([]byte(bad)); err == nil {
		t.Fatal("ParseSpec accepted an example whose count is a string")
	}
}

type operation struct {
	method, path string
	op           *openapi3.Operation
}

func operations(doc *openapi3.T) []operation {
	var ops []operation
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			ops = append(ops, operation{method, path, op})
		}
	}
	return ops
}

// apiOperations are the operations under /api/v2: openapi.yaml's, which has no other.
func apiOperations(doc *openapi3.T) []operation { return operations(doc) }

func TestEveryOperationDocumentsEveryStatus(t *testing.T) {
	doc := mustSpec(t)
	errorStatuses := []int{400, 401, 403, 404, 413, 415, 422, 429, 431, 500, 502, 503}
	want := map[string][]int{
		"listOpportunityStages":  append([]int{200}, errorStatuses...),
		"createOpportunityStage": append([]int{201, 409}, errorStatuses...),
		"getOpportunityStage":    append([]int{200}, errorStatuses...),
		"updateOpportunityStage": append([]int{200, 409}, errorStatuses...),
		"deleteOpportunityStage": append([]int{204}, errorStatuses...),
		"getUser":                append([]int{200}, errorStatuses...),
		"listOpportunities":      append([]int{200}, errorStatuses...),
		"getApiRoot":             append([]int{200}, errorStatuses...),
	}
	ops := apiOperations(doc)
	if len(ops) != len(want) {
		t.Errorf("spec has %d operations, want %d", len(ops), len(want))
	}
	for _, o := range ops {
		statuses, ok := want[o.op.OperationID]
		if !ok {
			t.Errorf("%s %s: unexpected operationId %q", o.method, o.path, o.op.OperationID)
			continue
		}
		for _, status := range statuses {
			ref := o.op.Responses.Status(status)
			if ref == nil || ref.Value == nil {
				t.Errorf("%s: status %d not documented", o.op.OperationID, status)
				continue
			}
			resp := ref.Value
			for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
				if resp.Headers[h] == nil || !resp.Headers[h].Value.Required {
					t.Errorf("%s %d: header %s not declared as required", o.op.OperationID, status, h)
				}
			}
			if status == 429 || status == 503 {
				if resp.Headers["Retry-After"] == nil {
					t.Errorf("%s %d: Retry-After not declared", o.op.OperationID, status)
				}
			}
			if status == http.StatusNoContent {
				if len(resp.Content) != 0 {
					t.Errorf("%s 204 declares a body", o.op.OperationID)
				}
				continue
			}
			if len(resp.Content) != 1 {
				t.Errorf("%s %d: want exactly one media type, got %d", o.op.OperationID, status, len(resp.Content))
			}
			for media, mt := range resp.Content {
				wantMedia := "application/vnd.api+json"
				if status == 401 {
					wantMedia = "application/json"
				}
				if media != wantMedia {
					t.Errorf("%s %d: media type %s, want %s", o.op.OperationID, status, media, wantMedia)
				}
				if len(mt.Examples) == 0 {
					t.Errorf("%s %d: no named example", o.op.OperationID, status)
				}
			}
		}
	}
}

// The authorization server's two endpoints, oauth.yaml's, sit at the root, not under
// /api/v2, need no bearer token, and answer RFC 6749 documents: the token document or
// {error, error_description}, as application/json and never cached. openapi.yaml has none
// of them.
func TestOAuthOperations(t *testing.T) {
	doc := mustOAuthSpec(t)
	want := map[string][]int{"authorize": {302, 400}, "createToken": {200, 400, 401, 413}}
	found := 0
	for _, o := range operations(doc) {
		found++
		statuses, ok := want[o.op.OperationID]
		if !ok {
			t.Errorf("%s %s: unexpected operationId %q", o.method, o.path, o.op.OperationID)
			continue
		}
		if !strings.HasPrefix(o.path, "/oauth/") {
			t.Errorf("%s: path %s, want one below /oauth/", o.op.OperationID, o.path)
		}
		if o.op.Security == nil || len(*o.op.Security) != 0 {
			t.Errorf("%s: want security: [] (no bearer token)", o.op.OperationID)
		}
		if got := len(o.op.Responses.Map()); got != len(statuses) {
			t.Errorf("%s: %d responses documented, want %v", o.op.OperationID, got, statuses)
		}
		for _, status := range statuses {
			ref := o.op.Responses.Status(status)
			if ref == nil || ref.Value == nil {
				t.Errorf("%s: status %d not documented", o.op.OperationID, status)
				continue
			}
			if status == http.StatusFound {
				if h := ref.Value.Headers["Location"]; h == nil || !h.Value.Required {
					t.Errorf("%s 302: Location not declared as required", o.op.OperationID)
				}
				continue
			}
			if o.op.OperationID == "createToken" {
				if h := ref.Value.Headers["Cache-Control"]; h == nil || !h.Value.Required {
					t.Errorf("%s %d: Cache-Control not declared as required", o.op.OperationID, status)
				}
			}
			mt := ref.Value.Content.Get("application/json")
			if len(ref.Value.Content) != 1 || mt == nil || len(mt.Examples) == 0 {
				t.Errorf("%s %d: want exactly application/json with examples", o.op.OperationID, status)
				continue
			}
			for name, ex := range mt.Examples {
				m, _ := ex.Value.Value.(map[string]any)
				code, _ := m["error"].(string)
				desc, _ := m["error_description"].(string)
				switch {
				case status == http.StatusOK && m["access_token"] == nil:
					t.Errorf("%s 200 %s: not a token document: %v", o.op.OperationID, name, m)
				case status >= 400 && (code == "" || desc == "" || len(m) != 2):
					t.Errorf("%s %d %s: want exactly {error, error_description}, got %v", o.op.OperationID, status, name, m)
				}
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d OAuth operations, want %d", found, len(want))
	}
	for _, o := range operations(mustSpec(t)) {
		if strings.HasPrefix(o.path, "/oauth/") || want[o.op.OperationID] != nil {
			t.Errorf("openapi.yaml has the authorization server's %s %s", o.method, o.path)
		}
	}
}

func TestEveryListParameterIsDeclared(t *testing.T) {
	doc := mustSpec(t)
	list := doc.Paths.Find("/opportunityStages").Get
	want := []string{
		"filter[name]", "filter[order]", "filter[isClosed]", "filter[createdAt]",
		"filter[updatedAt]", "filter[id]", "sort", "page[size]", "page[after]", "page[before]",
		"count", "fields[opportunityStage]", "fields[user]", "include",
		"provideAuthorizationMeta", "provideDataConnections",
		"newFilterSyntax", "filter[updatedAt][gte]", "filter[updatedAt][lte]", "filter[createdAt][gt]",
		"filter[order][lt]", "filter[name][gte]", "filter[id][lte]", "filter[name][]", "filter[isClosed][]",
		"page[offset]", "page[limit]",
	}
	for _, name := range want {
		if list.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			t.Errorf("list does not declare query parameter %s", name)
		}
	}
	size := list.Parameters.GetByInAndName(openapi3.ParameterInQuery, "page[size]").Schema.Value
	if *size.Min != 1 || *size.Max != 1000 || size.Default != 50.0 {
		t.Errorf("page[size] = min %v max %v default %v, want 1, 1000, 50", *size.Min, *size.Max, size.Default)
	}
	for _, name := range []string{"filter[color]", "filter[creator]", "filter[opportunities]"} {
		if list.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) != nil {
			t.Errorf("list declares %s, which the vendor does not allow", name)
		}
	}
}

// exampleValues yields every named example of every response of every API operation.
func exampleValues(doc *openapi3.T, visit func(op string, status int, media, name string, value any)) {
	for _, o := range apiOperations(doc) {
		for code, ref := range o.op.Responses.Map() {
			status, _ := strconv.Atoi(code)
			for media, mt := range ref.Value.Content {
				for name, ex := range mt.Examples {
					visit(o.op.OperationID, status, media, name, ex.Value.Value)
				}
			}
		}
	}
}

func TestErrorExamplesHaveTheVendorShape(t *testing.T) {
	doc := mustSpec(t)
	exampleValues(doc, func(op string, status int, media, name string, value any) {
		if status < 400 {
			return
		}
		m, _ := value.(map[string]any)
		if status == 401 {
			if s, _ := m["error"].(string); s == "" || len(m) != 2 {
				t.Errorf("%s 401 %s: want exactly {error, description}, got %v", op, name, value)
			}
			return
		}
		errs, _ := m["errors"].([]any)
		if len(m) != 1 || len(errs) == 0 {
			t.Errorf("%s %d %s: want {errors: [...]}, got %v", op, status, name, value)
			return
		}
		for _, e := range errs {
			obj, _ := e.(map[string]any)
			id, _ := obj["id"].(string)
			title, _ := obj["title"].(string)
			_, hasDetail := obj["detail"].(string)
			_, hasDetails := obj["details"].(string)
			if id == "" || title == "" || !(hasDetail || hasDetails) {
				t.Errorf("%s %d %s: error lacks id, title or detail: %v", op, status, name, obj)
			}
			if code := oppstages.ErrorCode(id); code.Status() != status || code.Title() != title {
				t.Errorf("%s %d %s: id %q has status %d and title %q in errors.go", op, status, name, id, code.Status(), code.Title())
			}
		}
	})
}

// Both documents mark their guesses, each with its reason.
func TestInferredFactsGiveAReason(t *testing.T) {
	found := map[string]int{}
	eachSpecObject(t, func(path string, v map[string]any) {
		if v["x-inferred"] == true {
			document, _, _ := strings.Cut(path, "#")
			found[document]++
			if reason, _ := v["x-inferred-reason"].(string); len(reason) < 20 || strings.Contains(reason, "\n") {
				t.Errorf("%s: x-inferred needs a one-line x-inferred-reason, got %q", path, reason)
			}
		}
	})
	for _, document := range []string{"openapi.yaml", "oauth.yaml"} {
		if found[document] < 5 {
			t.Errorf("found %d x-inferred marks in %s; the spec should mark its guesses", found[document], document)
		}
	}
}

// eachSpecObject calls visit with every JSON object of openapi.yaml and oauth.yaml, and
// its place: the document's name and the object's JSON pointer.
func eachSpecObject(t *testing.T, visit func(path string, obj map[string]any)) {
	t.Helper()
	eachObject(t, "openapi.yaml#", mustSpec(t), visit)
	eachObject(t, "oauth.yaml#", mustOAuthSpec(t), visit)
}

// eachObject calls visit with every JSON object of doc and its JSON pointer after root.
func eachObject(t *testing.T, root string, doc *openapi3.T, visit func(path string, obj map[string]any)) {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			visit(path, v)
			for k, child := range v {
				walk(path+"/"+k, child)
			}
		case []any:
			for i, child := range v {
				walk(fmt.Sprintf("%s/%d", path, i), child)
			}
		}
	}
	walk(root, tree)
}

func loadVendorSpec(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile(*vendorSpecPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("vendor spec %s is absent; pass -vendor-spec to point at it", *vendorSpecPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("load vendor spec: %v", err)
	}
	return doc
}

func TestVendorCompatibility(t *testing.T) {
	ours, vendor := mustSpec(t), loadVendorSpec(t)
	checked := 0
	for _, vo := range operations(vendor) {
		item := ours.Paths.Find(vo.path)
		if item == nil || item.GetOperation(vo.method) == nil {
			t.Errorf("vendor operation %s %s is missing from openapi.yaml", vo.method, vo.path)
			continue
		}
		op := item.GetOperation(vo.method)
		for code, vref := range vo.op.Responses.Map() {
			status, _ := strconv.Atoi(code)
			ref := op.Responses.Status(status)
			if ref == nil {
				t.Errorf("%s: vendor declares %d, openapi.yaml does not", op.OperationID, status)
				continue
			}
			for media, mt := range ref.Value.Content {
				vmt := vref.Value.Content.Get(media)
				if vmt == nil || vmt.Schema == nil {
					t.Errorf("%s %d: vendor has no %s schema", op.OperationID, status, media)
					continue
				}
				for name, ex := range mt.Examples {
					checked++
					if err := vmt.Schema.Value.VisitJSON(ex.Value.Value); err != nil {
						t.Errorf("%s %d example %s does not validate against the vendor schema: %v", op.OperationID, status, name, err)
					}
				}
			}
		}
		if op.RequestBody == nil != (vo.op.RequestBody == nil) {
			t.Errorf("%s: request body presence differs from the vendor's", op.OperationID)
			continue
		}
		if op.RequestBody != nil {
			vmt := vo.op.RequestBody.Value.Content.Get("application/vnd.api+json")
			for name, ex := range op.RequestBody.Value.Content.Get("application/vnd.api+json").Examples {
				checked++
				if err := vmt.Schema.Value.VisitJSON(ex.Value.Value); err != nil {
					t.Errorf("%s request example %s does not validate against the vendor schema: %v", op.OperationID, name, err)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d examples checked against the vendor spec", checked)
	}
	t.Run("differences are explained", func(t *testing.T) {
		diffs := vendorDifferences(ours, vendor)
		if len(diffs) == 0 {
			t.Fatal("no difference found; openapi.yaml adds statuses and headers to the vendor's document, so the comparison is broken")
		}
		for _, d := range unexplained(diffs) {
			t.Errorf("%s: give the node an x-source naming the fact that backs it, mark it x-inferred with its reason, or relax it", d)
		}
	})
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		code   oppstages.ErrorCode
		status int
	}{
		{oppstages.CodeResourceNotFound, 404},
		{oppstages.CodeValidationError, 422},
		{oppstages.CodeUnsupportedMediaType, 415},
		{oppstages.CodeRateLimitExceeded, 429},
		{oppstages.CodeUnauthorizedOauthScope, 403},
		{oppstages.ErrorCode("noSuchCode"), 500},
	}
	for _, tt := range tests {
		if got := tt.code.Status(); got != tt.status {
			t.Errorf("%s.Status() = %d, want %d", tt.code, got, tt.status)
		}
	}
	e := oppstages.Errorf(oppstages.CodeConflict, "id %d", 3).AtPointer("/data/id")
	if e.Code != oppstages.CodeConflict || e.Detail != "id 3" || e.Pointer != "/data/id" || e.Error() != "conflict: id 3" {
		t.Errorf("Errorf/AtPointer = %+v (%q)", e, e.Error())
	}
}
