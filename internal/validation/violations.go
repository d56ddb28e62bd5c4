package validation

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages/internal/clip"
)

// maxViolations bounds the messages reported for one response.
const maxViolations = 20

// NewStrict is New for checking another server's answers: the named component schemas are
// closed, so that a member they do not list (an attribute the contract does not know) is
// a violation too. doc must be a copy of its own; it is changed.
func NewStrict(doc *openapi3.T, closed ...string) (*Validator, error) {
	no := false
	for _, name := range closed {
		ref, ok := doc.Components.Schemas[name]
		if !ok || ref.Value == nil {
			return nil, fmt.Errorf("strict validator: no schema %q", name)
		}
		ref.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	}
	return New(doc)
}

// Violation is one way a response breaks the contract.
type Violation struct {
	// Message says where and what, in one short sentence.
	Message string
	// Inferred reports that the broken rule rests only on a guess: the object that states
	// it (a schema, a header, a response, an operation), one that holds it, or the missing
	// member's own schema is marked x-inferred.
	Inferred bool
	// Reason is the x-inferred-reason of the innermost marked object, when Inferred.
	Reason string
	// Source is the x-source of the innermost object on the way to the broken rule that
	// cites the published fact behind it, or "" when none does.
	Source string
}

// ResponseViolations lists, one short sentence each, every way a response breaks the
// contract (the messages of Violations). Nil means the response conforms.
func (v *Validator) ResponseViolations(m *Match, status int, header http.Header, body []byte) []string {
	var out []string
	for _, violation := range v.Violations(m, status, header, body) {
		out = append(out, violation.Message)
	}
	return out
}

// Violations lists every way a response breaks the contract, the headers' and the body's
// together: an undocumented status, a missing or malformed documented header, an
// undocumented media type, and each place the body breaks its schema, each labelled with
// whether it rests only on a guess (x-inferred). Nil means the response conforms.
func (v *Validator) Violations(m *Match, status int, header http.Header, body []byte) []Violation {
	op := m.Route.Operation
	outer := mark{}
	if m.Route.PathItem != nil {
		outer = outer.within(m.Route.PathItem.Extensions)
	}
	outer = outer.within(op.Extensions)
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return []Violation{outer.violation(fmt.Sprintf("status %d is not documented for %s", status, op.OperationID))}
	}
	return responseViolations(ref.Value, outer.within(ref.Extensions), status, header, body)
}

// responseViolations checks an answer against one documented response; outer is the mark
// of what holds it.
func responseViolations(resp *openapi3.Response, outer mark, status int, header http.Header, body []byte) []Violation {
	outer = outer.within(resp.Extensions)
	var out []Violation
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		ref := resp.Headers[name]
		h := ref.Value
		if h == nil || strings.EqualFold(name, "Content-Type") {
			continue
		}
		at := outer.within(ref.Extensions).within(h.Extensions)
		raw := header.Get(name)
		if raw == "" {
			if h.Required {
				out = append(out, at.violation("header "+name+" is missing"))
			}
			continue
		}
		if h.Schema != nil {
			at = at.schemaMark(h.Schema)
		}
		if msg := headerViolation(h.Schema, raw); msg != "" {
			out = append(out, at.violation(fmt.Sprintf("header %s %q %s", name, clip.String(raw), msg)))
		}
	}
	if len(resp.Content) == 0 {
		if len(body) > 0 {
			out = append(out, outer.violation(fmt.Sprintf("a %d answer has no body, but this one has %d bytes", status, len(body))))
		}
		return out
	}
	contentType := header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(contentType)
	media := resp.Content[mt]
	if err != nil || media == nil {
		return append(out, outer.violation(fmt.Sprintf("Content-Type %q is not documented for %d; want %s",
			clip.String(contentType), status, strings.Join(slices.Sorted(maps.Keys(resp.Content)), " or "))))
	}
	outer = outer.within(media.Extensions)
	if strings.HasSuffix(mt, "vnd.api+json") && len(params) > 0 {
		out = append(out, outer.violation(fmt.Sprintf("Content-Type %q has parameters, which JSON:API forbids", clip.String(contentType))))
	}
	return append(out, bodyViolations(media.Schema, outer, body)...)
}

// BodyViolations lists each place a JSON body breaks a schema of the document, labelled
// as Violations does.
func BodyViolations(schema *openapi3.SchemaRef, body []byte) []Violation {
	return bodyViolations(schema, mark{}, body)
}

// bodyViolations is BodyViolations for a schema held by objects whose mark is outer.
func bodyViolations(schema *openapi3.SchemaRef, outer mark, body []byte) []Violation {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return []Violation{outer.violation("the body is not JSON")}
	}
	if schema == nil || schema.Value == nil {
		return nil
	}
	err := schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	if err == nil {
		return nil
	}
	var out []Violation
	rest := mark{inferred: true} // the places left out: a guess when every one of them is
	errs := ruleErrors(err)
	for i, se := range errs {
		m := schemaErrorMark(schema, se, outer)
		if i < maxViolations {
			out = append(out, m.violation(describeSchemaError(se)))
			continue
		}
		switch {
		case !m.inferred:
			rest = mark{}
		case rest.inferred && rest.reason == "":
			rest.reason = m.reason
		}
	}
	if n := len(errs) - maxViolations; n > 0 {
		out = append(out, rest.violation(fmt.Sprintf("and %d more places in the body", n)))
	}
	return out
}

// violation is a violation with message under this mark.
func (m mark) violation(message string) Violation {
	return Violation{Message: message, Inferred: m.inferred, Reason: m.reason, Source: m.source}
}

// headerViolation checks a header value against its schema; headers in this contract are
// integers or strings.
func headerViolation(schema *openapi3.SchemaRef, raw string) string {
	if schema == nil || schema.Value == nil {
		return ""
	}
	var value any = raw
	if schema.Value.Type.Is(openapi3.TypeInteger) {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return "is not an integer"
		}
		value = float64(n)
	}
	if err := schema.Value.VisitJSON(value); err != nil {
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			return se.Reason
		}
		return "does not match its schema"
	}
	return ""
}

// describeSchemaError says where in the body a schema error is and what it is, without
// the schema dump of err.Error().
func describeSchemaError(se *openapi3.SchemaError) string {
	if se.Schema == nil {
		return "the body does not match its schema"
	}
	at := Pointer(se.JSONPointer())
	if at == "" {
		at = "/" // the whole body
	}
	return "body " + at + ": " + se.Reason
}
