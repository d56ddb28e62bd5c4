package compat

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

// vendorSpec is the vendor's published document for the resource, as committed beside the
// contract suite (the copy under ../shared may be absent where the tests run).
const vendorSpec = "../testdata/vendor-openapi-opportunityStages.json"

// Every request the vendor's document allows that openapi.yaml refuses (a change from the
// vendor's document to ours that breaks clients' requests) is explained in openapi.yaml,
// at the place that refuses it, by x-inferred (a guess, with its reason) or x-source (the
// published fact behind it).
func TestVendorRequestsOpenAPIRefusesAreExplained(t *testing.T) {
	vendor, ours := vendorAndOurs(t)
	refusals, unexplained := vendorRefusals(t, vendor, ours)
	for _, c := range unexplained {
		t.Errorf("openapi.yaml refuses what the vendor's document allows, and says not why (no x-inferred or x-source at line %d): %s", c.Line, c)
	}
	// The documents differ today in what a create must hold, in the path parameter's
	// range and in the scopes a token needs; a comparison that finds none of it proves
	// nothing.
	if len(refusals) < 10 {
		t.Errorf("only %d refusals found; the comparison reads less than it should", len(refusals))
	}
	t.Logf("%d requests the vendor's document allows are refused by openapi.yaml, each explained there", len(refusals))
}

// The test above must notice a refusal openapi.yaml does not explain: each case takes one
// explanation away, or makes the vendor's document allow more, and expects the refusal it
// leaves unexplained.
func TestVendorRefusalsFindTheUnexplained(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, vendor, ours *openapi3.T)
		want   string
	}{
		{"a limit of an attribute", func(t *testing.T, _, ours *openapi3.T) {
			unmark(schemaAt(t, ours, "OpportunityStageWritableAttributes", "name").Extensions)
		}, "POST /api/v2/opportunityStages: the `data/attributes/name` request property's minLength was set to `1`"},
		{"members refused", func(t *testing.T, _, ours *openapi3.T) {
			unmark(schemaAt(t, ours, "OpportunityStageWritableAttributes").Extensions)
		}, "PATCH /api/v2/opportunityStages/{id}: removed the request property `data/attributes/createdAt`"},
		{"a type pinned", func(t *testing.T, _, ours *openapi3.T) {
			unmark(schemaAt(t, ours, "OpportunityStageCreateDocument", "data", "type").Extensions)
		}, "POST /api/v2/opportunityStages: request property `data/type` was restricted to a list of enum values"},
		{"a path parameter's range", func(t *testing.T, _, ours *openapi3.T) {
			unmark(ours.Components.Parameters["stageIdToRead"].Value.Schema.Value.Extensions)
		}, "GET /api/v2/opportunityStages/{id}: for the `path` request parameter `id`, the min was set to `1.00`"},
		{"a scope required", func(t *testing.T, _, ours *openapi3.T) {
			unmark(ours.Components.SecuritySchemes["outreachOAuth"].Value.Extensions)
		}, "DELETE /api/v2/opportunityStages/{id}: the endpoint scheme security `bearerAuth` was removed from the API"},
		{"an operation openapi.yaml lacks", func(t *testing.T, vendor, _ *openapi3.T) {
			item := vendor.Paths.Value("/api/v2/opportunityStages/{id}")
			put := *item.Patch
			item.Put = &put
		}, "PUT /api/v2/opportunityStages/{id}: API removed without deprecation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vendor, ours := vendorAndOurs(t)
			if _, unexplained := vendorRefusals(t, vendor, ours); len(unexplained) > 0 {
				t.Fatalf("unexplained before the change: %v", unexplained)
			}
			tt.change(t, vendor.info.Spec, ours.info.Spec)
			_, unexplained := vendorRefusals(t, vendor, ours)
			var got []string
			for _, c := range unexplained {
				if strings.Contains(c.String(), tt.want) {
					return
				}
				got = append(got, c.String())
			}
			t.Errorf("no unexplained refusal %q; found:\n%s", tt.want, strings.Join(got, "\n"))
		})
	}
}

func vendorAndOurs(t *testing.T) (vendor, ours *Document) {
	t.Helper()
	data, err := os.ReadFile(vendorSpec)
	if err != nil {
		t.Fatal(err)
	}
	if vendor, err = Parse(vendorSpec, data); err != nil {
		t.Fatal(err)
	}
	if ours, err = Parse("openapi.yaml", oppstages.SpecYAML); err != nil {
		t.Fatal(err)
	}
	return vendor, ours
}

// vendorRefusals compares the vendor's document with ours and returns the changes that
// break requests, and those of them ours does not explain.
func vendorRefusals(t *testing.T, vendor, ours *Document) (refusals, unexplained []Change) {
	t.Helper()
	report, err := Compare(vendor, ours)
	if err != nil {
		t.Fatal(err)
	}
	marks := indexMarks(ours.info.Spec)
	for _, c := range report.Changes {
		if !c.Breaking() || c.Side == Responses {
			continue
		}
		refusals = append(refusals, c)
		if !explained(c, marks, vendor.info.Spec, ours.info.Spec) {
			unexplained = append(unexplained, c)
		}
	}
	return refusals, unexplained
}

// explains reports whether an object carries its own explanation: a non-empty x-source or
// x-inferred: true.
func explains(ext map[string]any) bool {
	source, _ := ext["x-source"].(string)
	return source != "" || ext["x-inferred"] == true
}

// explained reports whether ours explains a change at the place it makes it: the object
// on the change's line; for a request property ours no longer lists, the deepest schema
// along its path (the one that refuses it); for the security an operation asks, the
// schemes it names beyond the vendor's.
func explained(c Change, marks map[int]map[string]any, vendor, ours *openapi3.T) bool {
	if c.Line > 0 {
		ext, ok := marks[c.Line]
		return ok && explains(ext)
	}
	method, path, _ := strings.Cut(c.Operation, " ")
	op := operation(ours, method, path)
	if op == nil {
		return false // an operation ours lacks
	}
	switch {
	case strings.HasPrefix(c.Rule, "request-property-") && len(c.Args) > 0:
		property, _ := c.Args[0].(string)
		return property != "" && refusingSchemaExplains(op, property)
	case strings.HasPrefix(c.Rule, "api-security-"):
		return addedSchemesExplain(ours, op, operation(vendor, method, path), vendor)
	}
	return false
}

func operation(doc *openapi3.T, method, path string) *openapi3.Operation {
	item := doc.Paths.Value(path)
	if item == nil {
		return nil
	}
	return item.GetOperation(method)
}

// refusingSchemaExplains follows a property path (data/attributes/createdAt) through each
// request body schema of op as far as it goes, and reports whether the schema it stops at
// explains itself in every one.
func refusingSchemaExplains(op *openapi3.Operation, property string) bool {
	if op.RequestBody == nil || len(op.RequestBody.Value.Content) == 0 {
		return false
	}
	for _, media := range op.RequestBody.Value.Content {
		s := media.Schema
		for _, name := range strings.Split(property, "/") {
			next := s.Value.Properties[name]
			if next == nil && name == "items" {
				next = s.Value.Items
			}
			if next == nil {
				break
			}
			s = next
		}
		if !explains(s.Value.Extensions) {
			return false
		}
	}
	return true
}

// addedSchemesExplain reports whether every security scheme ours asks of op that the
// vendor's operation does not ask is explained, and there is one.
func addedSchemesExplain(ours *openapi3.T, op, vendorOp *openapi3.Operation, vendor *openapi3.T) bool {
	var vendorSchemes []string
	if vendorOp != nil {
		vendorSchemes = schemes(vendor, vendorOp)
	}
	added := 0
	for _, name := range schemes(ours, op) {
		if slices.Contains(vendorSchemes, name) {
			continue
		}
		added++
		scheme := ours.Components.SecuritySchemes[name]
		if scheme == nil || !explains(scheme.Value.Extensions) {
			return false
		}
	}
	return added > 0
}

// schemes names the security schemes an operation's requirements use.
func schemes(doc *openapi3.T, op *openapi3.Operation) []string {
	requirements := doc.Security
	if op.Security != nil {
		requirements = *op.Security
	}
	var names []string
	for _, requirement := range requirements {
		for name := range requirement {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// indexMarks maps each line of ours that holds a member of an object a request passes
// through (an operation, a parameter, a request body, a media type, a schema) to that
// object's extensions; where objects share a line, to the innermost.
func indexMarks(doc *openapi3.T) map[int]map[string]any {
	marks := map[int]map[string]any{}
	mark := func(origin *openapi3.Origin, ext map[string]any) {
		if origin == nil {
			return
		}
		if origin.Key != nil {
			marks[origin.Key.Line] = ext
		}
		for _, f := range origin.Fields {
			marks[f.Line] = ext
		}
		for _, seq := range origin.Sequences {
			for _, item := range seq {
				marks[item.Line] = ext
			}
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var schema func(ref *openapi3.SchemaRef, depth int)
	schema = func(ref *openapi3.SchemaRef, depth int) {
		if ref == nil || ref.Value == nil || seen[ref.Value] || depth > 32 {
			return
		}
		s := ref.Value
		seen[s] = true
		mark(s.Origin, s.Extensions)
		for _, property := range s.Properties {
			schema(property, depth+1)
		}
		schema(s.Items, depth+1)
		schema(s.AdditionalProperties.Schema, depth+1)
		schema(s.Not, depth+1)
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range list {
				schema(sub, depth+1)
			}
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			mark(op.Origin, op.Extensions)
			for _, p := range op.Parameters {
				mark(p.Value.Origin, p.Value.Extensions)
				schema(p.Value.Schema, 0)
			}
			if op.RequestBody == nil {
				continue
			}
			body := op.RequestBody.Value
			mark(body.Origin, body.Extensions)
			for _, media := range body.Content {
				mark(media.Origin, media.Extensions)
				schema(media.Schema, 0)
			}
		}
	}
	return marks
}

func schemaAt(t *testing.T, doc *openapi3.T, name string, path ...string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	for _, p := range path {
		if ref == nil {
			break
		}
		ref = ref.Value.Properties[p]
	}
	if ref == nil || ref.Value == nil {
		t.Fatalf("openapi.yaml has no schema %s %v", name, path)
	}
	return ref.Value
}

func unmark(ext map[string]any) {
	delete(ext, "x-source")
	delete(ext, "x-inferred")
	delete(ext, "x-inferred-reason")
}
