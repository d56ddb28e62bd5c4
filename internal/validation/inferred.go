package validation

import (
	"errors"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// A guess is what openapi.yaml states without the vendor's word for it: an object marked
// `x-inferred: true`, with its `x-inferred-reason`. The mark covers the object and every
// object inside it: an operation, a response, a header, a media type or a schema, and the
// schemas within. A rule that a response breaks rests only on a guess when the object
// that states it, or one that holds it, is marked; for a member that is missing, the
// member's own schema counts too, so that marking a member a guess covers its presence.

// mark is what the x-inferred and x-source extensions along one way into a document say.
type mark struct {
	inferred bool
	reason   string // the x-inferred-reason of the innermost marked object
	source   string // the x-source of the innermost object that cites the fact behind it
}

// within is m after passing through an object with extensions ext: marked once any
// object on the way is marked, with the reason of the innermost one that gives one.
func (m mark) within(ext map[string]any) mark {
	if source, _ := ext["x-source"].(string); source != "" {
		m.source = source
	}
	if flag, _ := ext["x-inferred"].(bool); flag {
		m.inferred = true
		if reason, _ := ext["x-inferred-reason"].(string); reason != "" {
			m.reason = reason
		} else if m.reason == "" {
			m.reason = "marked x-inferred"
		}
	}
	return m
}

// both is the mark of a schema reached two ways: a guess only when both ways are, and
// cited only when both ways are.
func (m mark) both(other mark) mark {
	out := m
	if m.inferred && !other.inferred {
		out = other
	}
	if m.source == "" || other.source == "" {
		out.source = ""
	}
	return out
}

// schemaMark is m after passing through a schema reference and the schema it names.
func (m mark) schemaMark(ref *openapi3.SchemaRef) mark {
	m = m.within(ref.Extensions)
	if ref.Value != nil {
		m = m.within(ref.Value.Extensions)
	}
	return m
}

// maxWays bounds the schemas the walk keeps at one place of a value, for documents that
// branch wildly through allOf, anyOf and oneOf.
const maxWays = 64

// schemaErrorMark says whether the rule a schema error reports rests only on a guess.
// It walks from root along the error's place in the value, through properties, items,
// additionalProperties and every allOf, anyOf and oneOf, to the schema that failed; the
// rule is a guess when every way there passes a mark (outer is the mark of what holds
// root: the operation, the response, the media type).
func schemaErrorMark(root *openapi3.SchemaRef, se *openapi3.SchemaError, outer mark) mark {
	if se.Schema == nil {
		return outer
	}
	if root == nil || root.Value == nil {
		return outer.within(se.Schema.Extensions)
	}
	path := se.JSONPointer()
	missing := ""
	if se.SchemaField == "required" && len(path) > 0 {
		path, missing = path[:len(path)-1], path[len(path)-1]
	}
	level := branches(map[*openapi3.Schema]mark{root.Value: outer.schemaMark(root)})
	for _, key := range path {
		next := map[*openapi3.Schema]mark{}
		for schema, m := range level {
			for _, child := range children(schema, key) {
				if child.Value == nil || len(next) >= maxWays {
					continue
				}
				reached := m.schemaMark(child)
				if seen, ok := next[child.Value]; ok {
					reached = seen.both(reached)
				}
				next[child.Value] = reached
			}
		}
		level = branches(next)
	}
	m, found := level[se.Schema]
	if !found {
		m = outer.within(se.Schema.Extensions)
	}
	if missing != "" && !m.inferred {
		if member := se.Schema.Properties[missing]; member != nil {
			m = m.schemaMark(member)
		}
	}
	return m
}

// branches adds to level every schema its schemas combine with allOf, anyOf and oneOf,
// each with the mark of the way to it.
func branches(level map[*openapi3.Schema]mark) map[*openapi3.Schema]mark {
	queue := make([]*openapi3.Schema, 0, len(level))
	for schema := range level {
		queue = append(queue, schema)
	}
	for len(queue) > 0 && len(level) < maxWays {
		schema := queue[0]
		queue = queue[1:]
		for _, refs := range []openapi3.SchemaRefs{schema.AllOf, schema.AnyOf, schema.OneOf} {
			for _, ref := range refs {
				if ref.Value == nil {
					continue
				}
				reached := level[schema].schemaMark(ref)
				if seen, ok := level[ref.Value]; ok {
					if merged := seen.both(reached); merged != seen { // a way without a mark: its schemas again
						level[ref.Value] = merged
						queue = append(queue, ref.Value)
					}
					continue
				}
				level[ref.Value] = reached
				queue = append(queue, ref.Value)
			}
		}
	}
	return level
}

// children are the schemas that apply to member key of a value the schema describes.
func children(schema *openapi3.Schema, key string) []*openapi3.SchemaRef {
	var out []*openapi3.SchemaRef
	if p := schema.Properties[key]; p != nil {
		out = append(out, p)
	} else if ap := schema.AdditionalProperties.Schema; ap != nil {
		out = append(out, ap)
	}
	if schema.Items != nil && key != "" && strings.Trim(key, "0123456789") == "" {
		out = append(out, schema.Items)
	}
	return out
}

// ruleErrors lists the errors of a schema check one rule each: a MultiError's, and the
// errors inside an allOf failure, each of which names its own schema.
func ruleErrors(err error) []*openapi3.SchemaError {
	var out []*openapi3.SchemaError
	for _, e := range flatten(err) {
		var se *openapi3.SchemaError
		if !errors.As(e, &se) {
			out = append(out, &openapi3.SchemaError{}) // no schema to name: described as the whole body's
			continue
		}
		if se.SchemaField == "allOf" && se.Origin != nil {
			if inner, ok := errors.Unwrap(errors.Unwrap(se.Origin)).(openapi3.MultiError); ok && len(inner) > 0 {
				out = append(out, ruleErrors(inner)...)
				continue
			}
		}
		out = append(out, se)
	}
	return out
}

// Guessed reports whether what the document says about an answer rests only on a guess,
// and the mark's reason. With header "", it is the answer as a whole: its operation or
// documented response is marked x-inferred. Otherwise it is the answer's header of that
// name (matched without regard to case), documented by the response or, when the
// response does not document it, among the document's component headers. m is nil for a
// request that matches no operation.
func (v *Validator) Guessed(m *Match, status int, header string) (bool, string) {
	var at mark
	var resp *openapi3.ResponseRef
	if m != nil {
		if m.Route.PathItem != nil {
			at = at.within(m.Route.PathItem.Extensions)
		}
		at = at.within(m.Route.Operation.Extensions)
		if resp = m.Route.Operation.Responses.Status(status); resp == nil {
			resp = m.Route.Operation.Responses.Default()
		}
		if resp != nil {
			at = at.within(resp.Extensions)
			if resp.Value != nil {
				at = at.within(resp.Value.Extensions)
			}
		}
	}
	if header == "" {
		return at.inferred, at.reason
	}
	var ref *openapi3.HeaderRef
	if resp != nil && resp.Value != nil {
		ref = headerNamed(resp.Value.Headers, header)
	}
	if ref == nil && v.doc.Components != nil {
		ref = headerNamed(v.doc.Components.Headers, header)
	}
	if ref != nil {
		at = at.within(ref.Extensions)
		if ref.Value != nil {
			at = at.within(ref.Value.Extensions)
		}
	}
	return at.inferred, at.reason
}

// headerNamed is the header of that name, matched without regard to case, or nil.
func headerNamed(headers openapi3.Headers, name string) *openapi3.HeaderRef {
	if ref, ok := headers[name]; ok {
		return ref
	}
	for key, ref := range headers {
		if strings.EqualFold(key, name) {
			return ref
		}
	}
	return nil
}
