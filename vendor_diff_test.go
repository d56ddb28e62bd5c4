package oppstages_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

// A difference is a place where openapi.yaml accepts fewer answers or requests than the
// vendor's document (stricter) or more (looser). Either way openapi.yaml must say why, with
// x-source (the published fact that backs it) or x-inferred (a best guess, with its reason).
type difference struct {
	at        string // where in openapi.yaml, as an operation and a JSON pointer into the body
	what      string
	stricter  bool
	explained bool
}

func (d difference) String() string {
	direction := "looser"
	if d.stricter {
		direction = "stricter"
	}
	return fmt.Sprintf("%s: %s (openapi.yaml is %s)", d.at, d.what, direction)
}

// explains reports whether an object of openapi.yaml carries its own explanation: a
// non-empty x-source or x-inferred: true.
func explains(ext map[string]any) bool {
	source, _ := ext["x-source"].(string)
	return source != "" || ext["x-inferred"] == true
}

// direction says whether a schema describes a request, where readOnly members may not be
// sent, or a response, where writeOnly members may not appear.
type direction int

const (
	inResponse direction = iota
	inRequest
)

// maxSchemaDepth bounds the walk; the deepest schema of either document is far shallower.
const maxSchemaDepth = 32

// comparison walks openapi.yaml beside the vendor's document and collects the differences.
type comparison struct {
	diffs []difference
}

func (c *comparison) add(at, what string, stricter, explained bool) {
	c.diffs = append(c.diffs, difference{at: at, what: what, stricter: stricter, explained: explained})
}

// vendorDifferences compares every operation the vendor publishes with openapi.yaml's:
// statuses, media types, headers, path parameters, request bodies and response bodies.
// Operations openapi.yaml adds beyond the vendor's are differences too.
func vendorDifferences(ours, vendor *openapi3.T) []difference {
	c := &comparison{}
	shared := map[*openapi3.Operation]bool{}
	for _, vo := range operations(vendor) {
		item := ours.Paths.Find(vo.path)
		if item == nil || item.GetOperation(vo.method) == nil {
			c.add(vo.method+" "+vo.path, "the vendor's operation is missing", true, false)
			continue
		}
		op := item.GetOperation(vo.method)
		shared[op] = true
		c.parameters(op.OperationID, append(slices.Clone(item.Parameters), op.Parameters...), vo.op.Parameters)
		c.requestBody(op.OperationID+" request", op.RequestBody, vo.op.RequestBody)
		c.responses(op.OperationID, op.Responses, vo.op.Responses)
	}
	for _, o := range operations(ours) {
		if !shared[o.op] {
			c.add(o.op.OperationID, "an operation the vendor does not publish", false, explains(o.op.Extensions))
		}
	}
	return c.diffs
}

func (c *comparison) parameters(at string, ours, vendor openapi3.Parameters) {
	for _, vref := range vendor {
		v := vref.Value
		var p *openapi3.Parameter
		for _, ref := range ours {
			if ref.Value.In == v.In && ref.Value.Name == v.Name {
				p = ref.Value
			}
		}
		where := fmt.Sprintf("%s %s parameter %s", at, v.In, v.Name)
		if p == nil {
			c.add(where, "the vendor's parameter is missing", true, false)
			continue
		}
		if p.Required != v.Required {
			c.add(where, fmt.Sprintf("required %v, vendor %v", p.Required, v.Required), p.Required, explains(p.Extensions))
		}
		c.schema(where, p.Schema, v.Schema, inRequest)
	}
}

func (c *comparison) requestBody(at string, ours, vendor *openapi3.RequestBodyRef) {
	switch {
	case ours == nil && vendor == nil:
		return
	case ours == nil:
		c.add(at, "no request body, the vendor declares one", true, false)
		return
	case vendor == nil:
		c.add(at, "a request body the vendor does not declare", false, explains(ours.Value.Extensions))
		return
	}
	if ours.Value.Required != vendor.Value.Required {
		c.add(at, fmt.Sprintf("required %v, vendor %v", ours.Value.Required, vendor.Value.Required),
			ours.Value.Required, explains(ours.Value.Extensions))
	}
	c.content(at, ours.Value.Content, vendor.Value.Content, ours.Value.Extensions, inRequest)
}

func (c *comparison) responses(at string, ours, vendor *openapi3.Responses) {
	oursCodes, vendorCodes := ours.Map(), vendor.Map()
	for _, code := range slices.Sorted(maps.Keys(oursCodes)) {
		if _, ok := vendorCodes[code]; !ok {
			c.add(at+" "+code, "a status the vendor does not declare", false, explains(oursCodes[code].Value.Extensions))
		}
	}
	for _, code := range slices.Sorted(maps.Keys(vendorCodes)) {
		vref := vendorCodes[code]
		where := at + " " + code
		ref := ours.Value(code)
		if ref == nil {
			c.add(where, "the vendor's status is missing", true, false)
			continue
		}
		resp := ref.Value
		for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
			if _, ok := vref.Value.Headers[name]; !ok {
				h := resp.Headers[name].Value
				c.add(where+" header "+name, "a header the vendor does not declare", h.Required, explains(h.Extensions))
			}
		}
		c.content(where, resp.Content, vref.Value.Content, resp.Extensions, inResponse)
	}
}

// content compares the media types of a body; owner is the extensions of the response or
// request body that holds them, which explains a media type openapi.yaml leaves out.
func (c *comparison) content(at string, ours, vendor openapi3.Content, owner map[string]any, dir direction) {
	for _, media := range slices.Sorted(maps.Keys(ours)) {
		if vendor[media] == nil {
			c.add(at+" "+media, "a media type the vendor does not declare", false, explains(ours[media].Extensions))
		}
	}
	for _, media := range slices.Sorted(maps.Keys(vendor)) {
		where := at + " " + media
		mt := ours[media]
		if mt == nil {
			c.add(where, "the vendor's media type is not declared", true, explains(owner))
			continue
		}
		c.schema(where, mt.Schema, vendor[media].Schema, dir)
	}
}

// schema compares a body's or a parameter's schema.
func (c *comparison) schema(at string, ours, vendor *openapi3.SchemaRef, dir direction) {
	w := schemaWalk{c: c, dir: dir}
	root := location{at: at}
	if ours != nil {
		root.ref = ours.Ref
	}
	w.compare(root, valueOf(ours), valueOf(vendor), false, 0)
}

// valueOf is the schema a reference holds; where a document has no schema (a member it
// does not declare, a body without one) any value is allowed, null included.
func valueOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil || ref.Value == nil {
		return &openapi3.Schema{Nullable: true}
	}
	return ref.Value
}

// location names a schema node of openapi.yaml: the body it is in, the last component it
// was reached through, and the JSON pointer from there.
type location struct {
	at, ref, pointer string
}

func (l location) String() string {
	if l.ref == "" {
		return l.at + " #" + l.pointer
	}
	return fmt.Sprintf("%s %s%s", l.at, l.ref, l.pointer)
}

// child is the location of a member (or "[]" for items, "{}" for additionalProperties),
// reached through ref when it is a reference.
func (l location) child(member string, ref *openapi3.SchemaRef) location {
	member = strings.NewReplacer("~", "~0", "/", "~1").Replace(member)
	if ref != nil && ref.Ref != "" {
		return location{at: l.at, ref: ref.Ref}
	}
	return location{at: l.at, ref: l.ref, pointer: l.pointer + "/" + member}
}

type schemaWalk struct {
	c   *comparison
	dir direction
}

// compare records every keyword on which ours and vendor differ. A difference at a node is
// explained by the node's own x-source or x-inferred; inherited carries the explanation of
// the nearest marked node into a subtree the vendor does not describe at all (a member it
// does not declare), and into a member openapi.yaml leaves unconstrained.
func (w schemaWalk) compare(at location, ours, vendor *openapi3.Schema, inherited bool, depth int) {
	if depth > maxSchemaDepth {
		w.c.add(at.String(), "schemas nest deeper than the comparison follows", true, false)
		return
	}
	explained := inherited || explains(ours.Extensions)
	diff := func(stricter bool, format string, args ...any) {
		w.c.add(at.String(), fmt.Sprintf(format, args...), stricter, explained)
	}
	for _, k := range uncompared(ours, vendor) {
		w.c.add(at.String(), "keyword "+k+" is not compared; teach the comparison to read it", true, false)
	}
	types(ours, vendor, diff)
	if ours.Nullable != vendor.Nullable {
		diff(!ours.Nullable, "nullable %v, vendor %v", ours.Nullable, vendor.Nullable)
	}
	enums(ours.Enum, vendor.Enum, diff)
	if ours.Format != vendor.Format {
		diff(ours.Format != "", "format %q, vendor %q", ours.Format, vendor.Format)
	}
	if ours.Pattern != vendor.Pattern {
		diff(ours.Pattern != "", "pattern %q, vendor %q", ours.Pattern, vendor.Pattern)
	}
	lowerBound("minimum", ours.Min, vendor.Min, diff)
	upperBound("maximum", ours.Max, vendor.Max, diff)
	lowerBound("minLength", uintBound(ours.MinLength), uintBound(vendor.MinLength), diff)
	upperBound("maxLength", uintPtr(ours.MaxLength), uintPtr(vendor.MaxLength), diff)
	lowerBound("minItems", uintBound(ours.MinItems), uintBound(vendor.MinItems), diff)
	upperBound("maxItems", uintPtr(ours.MaxItems), uintPtr(vendor.MaxItems), diff)
	lowerBound("minProperties", uintBound(ours.MinProps), uintBound(vendor.MinProps), diff)
	upperBound("maxProperties", uintPtr(ours.MaxProps), uintPtr(vendor.MaxProps), diff)
	if ours.UniqueItems != vendor.UniqueItems {
		diff(ours.UniqueItems, "uniqueItems %v, vendor %v", ours.UniqueItems, vendor.UniqueItems)
	}
	if w.dir == inRequest && ours.ReadOnly != vendor.ReadOnly {
		diff(ours.ReadOnly, "readOnly %v in a request, vendor %v", ours.ReadOnly, vendor.ReadOnly)
	}
	if w.dir == inResponse && ours.WriteOnly != vendor.WriteOnly {
		diff(ours.WriteOnly, "writeOnly %v in a response, vendor %v", ours.WriteOnly, vendor.WriteOnly)
	}
	for _, name := range ours.Required {
		if !slices.Contains(vendor.Required, name) {
			diff(true, "requires %s, vendor does not", name)
		}
	}
	for _, name := range vendor.Required {
		if !slices.Contains(ours.Required, name) {
			diff(false, "does not require %s, vendor does", name)
		}
	}
	// Below this node, a subtree the vendor leaves unconstrained keeps this node's
	// explanation only when this node is itself such a subtree.
	added := isEmpty(vendor)
	w.members(at, ours, vendor, explained, added, diff, depth)
	w.items(at, ours, vendor, explained, added, depth)
}

// members compares properties and additionalProperties.
func (w schemaWalk) members(at location, ours, vendor *openapi3.Schema, explained, added bool,
	diff func(bool, string, ...any), depth int) {
	for _, name := range slices.Sorted(maps.Keys(ours.Properties)) {
		ref := ours.Properties[name]
		v, allowed := memberSchema(vendor, name)
		if !allowed {
			diff(false, "allows member %s, which the vendor refuses", name)
			continue
		}
		w.compare(at.child(name, ref), ref.Value, v, added && explained && isEmpty(v), depth+1)
	}
	for _, name := range slices.Sorted(maps.Keys(vendor.Properties)) {
		if _, ok := ours.Properties[name]; ok {
			continue
		}
		o, allowed := memberSchema(ours, name)
		if !allowed {
			diff(true, "refuses member %s, which the vendor allows", name)
			continue
		}
		// Unless openapi.yaml has a schema for members it does not list, it has no node of
		// its own here, and this node explains the difference.
		oursRef := ours.AdditionalProperties.Schema
		w.compare(at.child(name, oursRef), o, vendor.Properties[name].Value, explained && oursRef == nil, depth+1)
	}
	oursClosed, vendorClosed := closed(ours), closed(vendor)
	switch {
	case oursClosed && !vendorClosed:
		diff(true, "refuses members it does not list; the vendor allows them")
	case vendorClosed && !oursClosed:
		diff(false, "allows members it does not list; the vendor refuses them")
	case !oursClosed && !vendorClosed:
		o, v := additional(ours), additional(vendor)
		if isEmpty(o) && isEmpty(v) {
			return
		}
		oursRef := ours.AdditionalProperties.Schema
		w.compare(at.child("{}", oursRef), o, v, explained && (oursRef == nil || added && isEmpty(v)), depth+1)
	}
}

func (w schemaWalk) items(at location, ours, vendor *openapi3.Schema, explained, added bool, depth int) {
	if ours.Items == nil && vendor.Items == nil {
		return
	}
	v := valueOf(vendor.Items)
	inherited := added && explained && isEmpty(v)
	if ours.Items == nil {
		inherited = explained
	}
	w.compare(at.child("[]", ours.Items), valueOf(ours.Items), v, inherited, depth+1)
}

// memberSchema is the schema a member of that name must match, and whether it is allowed.
func memberSchema(s *openapi3.Schema, name string) (*openapi3.Schema, bool) {
	if ref, ok := s.Properties[name]; ok {
		return valueOf(ref), true
	}
	if closed(s) {
		return nil, false
	}
	return additional(s), true
}

// closed reports whether a schema refuses members it does not list: additionalProperties
// false, or maxProperties 0, which refuses every member.
func closed(s *openapi3.Schema) bool {
	return s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has ||
		s.MaxProps != nil && *s.MaxProps == 0
}

func additional(s *openapi3.Schema) *openapi3.Schema {
	return valueOf(s.AdditionalProperties.Schema)
}

// compared are the keywords the comparison reads, and the annotations, which constrain
// nothing.
var compared = []string{
	"type", "nullable", "enum", "format", "pattern", "minimum", "maximum", "minLength", "maxLength",
	"minItems", "maxItems", "uniqueItems", "items", "minProperties", "maxProperties", "required",
	"properties", "additionalProperties", "readOnly", "writeOnly",
	"description", "title", "example", "examples", "default", "deprecated", "externalDocs",
}

// uncompared lists the keywords either schema uses that the comparison does not read, so
// that a new keyword fails the test instead of passing unseen.
func uncompared(schemas ...*openapi3.Schema) []string {
	seen := map[string]bool{}
	for _, s := range schemas {
		raw, err := json.Marshal(s)
		if err != nil {
			seen["(unreadable: "+err.Error()+")"] = true
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			seen["(unreadable: "+err.Error()+")"] = true
			continue
		}
		for k := range keys {
			if !strings.HasPrefix(k, "x-") && !slices.Contains(compared, k) {
				seen[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// isEmpty reports whether a schema describes nothing of a value but, perhaps, that it may
// not be null.
func isEmpty(s *openapi3.Schema) bool {
	return len(uncompared(s)) == 0 && s.Type == nil && len(s.Enum) == 0 &&
		s.Format == "" && s.Pattern == "" && s.Min == nil && s.Max == nil && s.MinLength == 0 &&
		s.MaxLength == nil && s.MinItems == 0 && s.MaxItems == nil && !s.UniqueItems &&
		s.Items == nil && s.MinProps == 0 && s.MaxProps == nil && len(s.Required) == 0 &&
		len(s.Properties) == 0 && s.AdditionalProperties.Has == nil &&
		s.AdditionalProperties.Schema == nil && !s.ReadOnly && !s.WriteOnly
}

// admits is the set of JSON types a schema's type keyword lets through; "number" admits
// integers too.
func admits(s *openapi3.Schema) map[string]bool {
	all := []string{"string", "number", "integer", "boolean", "object", "array"}
	set := map[string]bool{}
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		for _, t := range all {
			set[t] = true
		}
		return set
	}
	for _, t := range s.Type.Slice() {
		set[t] = true
		if t == "number" {
			set["integer"] = true
		}
	}
	return set
}

// types compares the JSON types the two schemas let through.
func types(ours, vendor *openapi3.Schema, diff func(bool, string, ...any)) {
	o, v := admits(ours), admits(vendor)
	var refused, added []string
	for t := range v {
		if !o[t] {
			refused = append(refused, t)
		}
	}
	for t := range o {
		if !v[t] {
			added = append(added, t)
		}
	}
	sort.Strings(refused)
	sort.Strings(added)
	if len(refused) > 0 {
		diff(true, "type %v refuses %v, which the vendor's type %v allows", typeList(ours), refused, typeList(vendor))
	}
	if len(added) > 0 {
		diff(false, "type %v allows %v, which the vendor's type %v refuses", typeList(ours), added, typeList(vendor))
	}
}

func typeList(s *openapi3.Schema) string {
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		return "(any)"
	}
	return strings.Join(s.Type.Slice(), ",")
}

func enums(ours, vendor []any, diff func(bool, string, ...any)) {
	key := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	set := func(values []any) map[string]bool {
		m := map[string]bool{}
		for _, v := range values {
			m[key(v)] = true
		}
		return m
	}
	o, v := set(ours), set(vendor)
	switch {
	case len(ours) > 0 && len(vendor) == 0:
		diff(true, "enum %v, vendor any value", slices.Sorted(maps.Keys(o)))
	case len(vendor) > 0 && len(ours) == 0:
		diff(false, "any value, vendor enum %v", slices.Sorted(maps.Keys(v)))
	case len(ours) > 0:
		for k := range v {
			if !o[k] {
				diff(true, "enum leaves out %s, which the vendor lists", k)
			}
		}
		for k := range o {
			if !v[k] {
				diff(false, "enum adds %s, which the vendor does not list", k)
			}
		}
	}
}

func uintBound(n uint64) *float64 {
	if n == 0 {
		return nil
	}
	f := float64(n)
	return &f
}

func uintPtr(n *uint64) *float64 {
	if n == nil {
		return nil
	}
	f := float64(*n)
	return &f
}

func bound(f *float64) string {
	if f == nil {
		return "none"
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func lowerBound(keyword string, ours, vendor *float64, diff func(bool, string, ...any)) {
	switch {
	case ours != nil && (vendor == nil || *ours > *vendor):
		diff(true, "%s %s, vendor %s", keyword, bound(ours), bound(vendor))
	case vendor != nil && (ours == nil || *ours < *vendor):
		diff(false, "%s %s, vendor %s", keyword, bound(ours), bound(vendor))
	}
}

func upperBound(keyword string, ours, vendor *float64, diff func(bool, string, ...any)) {
	switch {
	case ours != nil && (vendor == nil || *ours < *vendor):
		diff(true, "%s %s, vendor %s", keyword, bound(ours), bound(vendor))
	case vendor != nil && (ours == nil || *ours > *vendor):
		diff(false, "%s %s, vendor %s", keyword, bound(ours), bound(vendor))
	}
}

// unexplained lists the differences openapi.yaml gives no reason for.
func unexplained(diffs []difference) []difference {
	var out []difference
	for _, d := range diffs {
		if !d.explained {
			out = append(out, d)
		}
	}
	return out
}

// freshSpec parses openapi.yaml anew, so that a test may change it without touching the
// document every other test shares.
func freshSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := oppstages.ParseSpec(oppstages.SpecYAML)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func schemaNamed(t *testing.T, doc *openapi3.T, name string, path ...string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	for _, p := range path {
		if ref == nil || ref.Value == nil {
			break
		}
		if p == "[]" {
			ref = ref.Value.Items
			continue
		}
		ref = ref.Value.Properties[p]
	}
	if ref == nil || ref.Value == nil {
		t.Fatalf("no schema %s %v", name, path)
	}
	return ref.Value
}

func unmark(ext map[string]any) {
	delete(ext, "x-source")
	delete(ext, "x-inferred")
	delete(ext, "x-inferred-reason")
}

// The comparison must find each kind of difference, in both directions, or the test that
// finds none proves nothing: each case takes one explanation away from openapi.yaml, or
// changes the vendor's document, and expects the difference it leaves unexplained.
func TestVendorComparisonFindsUnexplainedDifferences(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, ours, vendor *openapi3.T)
		want   string
	}{
		{"required members of a resource", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStage").Extensions)
		}, "getOpportunityStage 200 application/vnd.api+json #/components/schemas/OpportunityStage: requires links, vendor does not (openapi.yaml is stricter)"},
		{"a pinned type", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStage", "type").Extensions)
		}, `#/components/schemas/OpportunityStage/type: enum ["opportunityStage"], vendor any value`},
		{"a lower bound", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStage", "id").Extensions)
		}, "#/components/schemas/OpportunityStage/id: minimum 1, vendor none"},
		{"a member the vendor does not declare, and all below it", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStageListDocument", "included").Extensions)
		}, "listOpportunityStages 200 application/vnd.api+json #/components/schemas/UserAttributes/email: maxLength 255, vendor none"},
		{"a minimum number of items", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "ErrorDocument", "errors").Extensions)
		}, "deleteOpportunityStage 422 application/vnd.api+json #/components/schemas/ErrorDocument/errors: minItems 1, vendor none"},
		{"a refused member", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStageCreateDocument", "data", "relationships").Extensions)
		}, "createOpportunityStage request application/vnd.api+json #/components/schemas/OpportunityStageCreateDocument/data/relationships: refuses member creator, which the vendor allows"},
		{"closed attributes", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(schemaNamed(t, ours, "OpportunityStageWritableAttributes").Extensions)
		}, "refuses member createdAt, which the vendor allows"},
		{"a path parameter", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Components.Parameters["stageIdToDelete"].Value.Schema.Value.Extensions)
		}, `deleteOpportunityStage path parameter id #: format "int64", vendor ""`},
		{"a body the vendor's status may carry", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Paths.Find("/opportunityStages/{id}").Delete.Responses.Status(204).Value.Extensions)
		}, "deleteOpportunityStage 204 application/vnd.api+json: the vendor's media type is not declared"},
		{"a required header", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Components.Headers["X-RateLimit-Reset"].Value.Extensions)
		}, "listOpportunityStages 200 header X-RateLimit-Reset: a header the vendor does not declare (openapi.yaml is stricter)"},
		{"a status the vendor does not declare", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Components.Responses["Forbidden"].Value.Extensions)
		}, "listOpportunityStages 403: a status the vendor does not declare (openapi.yaml is looser)"},
		{"a media type the vendor does not declare", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Paths.Find("/opportunityStages").Post.RequestBody.Value.Content["application/json"].Extensions)
		}, "createOpportunityStage request application/json: a media type the vendor does not declare (openapi.yaml is looser)"},
		{"an operation the vendor does not publish", func(t *testing.T, ours, _ *openapi3.T) {
			unmark(ours.Paths.Find("/users/{id}").Get.Extensions)
		}, "getUser: an operation the vendor does not publish"},
		{"a longer string than the vendor allows", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage", "name").MaxLength = openapi3.Ptr[uint64](10)
		}, "getOpportunityStage 200 application/vnd.api+json #/components/schemas/OpportunityStageAttributes/name: maxLength 255, vendor 10 (openapi.yaml is looser)"},
		{"a member the vendor requires", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage").Required = []string{"name"}
		}, "#/components/schemas/OpportunityStageAttributes: does not require name, vendor does (openapi.yaml is looser)"},
		{"a value the vendor pins", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage", "color").Enum = []any{"#000000"}
		}, `#/components/schemas/OpportunityStageAttributes/color: any value, vendor enum ["#000000"] (openapi.yaml is looser)`},
		{"a null the vendor refuses", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage", "isClosed").Nullable = false
		}, "#/components/schemas/OpportunityStageAttributes/isClosed: nullable true, vendor false (openapi.yaml is looser)"},
		{"a member the vendor declares and openapi.yaml does not", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage").Properties["probability"] = openapi3.NewIntegerSchema().NewRef()
		}, "getOpportunityStage 200 application/vnd.api+json #/components/schemas/OpportunityStageAttributes/probability: type (any) allows"},
		{"a keyword the comparison does not read", func(t *testing.T, _, vendor *openapi3.T) {
			schemaNamed(t, vendor, "opportunityStage", "order").MultipleOf = openapi3.Ptr[float64](2)
		}, "#/components/schemas/OpportunityStageAttributes/order: keyword multipleOf is not compared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, vendor := freshSpec(t), loadVendorSpec(t)
			tt.change(t, ours, vendor)
			var got []string
			for _, d := range unexplained(vendorDifferences(ours, vendor)) {
				if strings.Contains(d.String(), tt.want) {
					return
				}
				got = append(got, d.String())
			}
			t.Errorf("no unexplained difference contains %q; found:\n%s", tt.want, strings.Join(got, "\n"))
		})
	}
}

// knownSources are the sources an x-source may cite, each at the start of one of its
// "; "-separated parts.
var knownSources = []string{"JSON:API 1.0", "RFC ", "vendor hyper-schema", "outreach-api.md §"}

// citedNote matches a citation of the vendor notes, which must name a section and a
// confirmed fact: an inferred one ([I]) is x-inferred, not x-source.
var citedNote = regexp.MustCompile(`outreach-api\.md §(\d+) \[C\]`)

// TestSourcesCiteAFact: every x-source is one line whose every part names a known source,
// a node is either cited or inferred (so a failure there is labelled one way), and a
// citation of the vendor notes names a section of them that holds confirmed facts.
func TestSourcesCiteAFact(t *testing.T) {
	notes := vendorNotes(t)
	found := 0
	eachSpecObject(t, func(path string, v map[string]any) {
		if x, ok := v["x-inferred"]; ok && x != true {
			t.Errorf("%s: x-inferred is %v; leave it out or set it to true", path, x)
		}
		if _, ok := v["x-source"]; ok {
			found++
			source, _ := v["x-source"].(string)
			checkSource(t, path, source, notes)
			if v["x-inferred"] == true {
				t.Errorf("%s: both x-source and x-inferred; a node is either cited or inferred", path)
			}
		}
	})
	if found < 10 {
		t.Errorf("found %d x-source marks; the spec should cite what its stricter constraints rest on", found)
	}
}

func checkSource(t *testing.T, path, source string, notes map[string]string) {
	t.Helper()
	if len(source) < 20 || strings.Contains(source, "\n") {
		t.Errorf("%s: x-source must be one line naming a source and its fact, got %q", path, source)
		return
	}
	for _, part := range strings.Split(source, "; ") {
		if !slices.ContainsFunc(knownSources, func(s string) bool { return strings.HasPrefix(part, s) }) {
			t.Errorf("%s: x-source part %q does not start with a known source %q", path, part, knownSources)
		}
	}
	cited := citedNote.FindAllStringSubmatch(source, -1)
	if strings.Count(source, "outreach-api.md") != len(cited) {
		t.Errorf("%s: every citation of outreach-api.md must read 'outreach-api.md §N [C]', got %q", path, source)
	}
	if notes == nil {
		return
	}
	for _, m := range cited {
		section, ok := notes[m[1]]
		if !ok || !strings.Contains(section, "[C]") {
			t.Errorf("%s: outreach-api.md has no section %s with confirmed facts", path, m[1])
		}
	}
}

// vendorNotes reads outreach-api.md, beside the vendor's documents, into its numbered
// sections; nil when it is absent.
func vendorNotes(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(*vendorSpecPath)), "outreach-api.md"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Logf("outreach-api.md is absent beside -vendor-spec; section numbers go unchecked")
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	heading := regexp.MustCompile(`(?m)^## (\d+)\. `)
	sections := map[string]string{}
	matches := heading.FindAllSubmatchIndex(data, -1)
	for i, m := range matches {
		end := len(data)
		if i+1 < len(matches) {
			end = matches[i+1][0]
		}
		sections[string(data[m[2]:m[3]])] = string(data[m[0]:end])
	}
	return sections
}
