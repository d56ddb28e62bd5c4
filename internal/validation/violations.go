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

// ResponseViolations lists, one short sentence each, every way a response breaks the
// contract: an undocumented status, a missing or malformed documented header, an
// undocumented media type, and each place the body breaks its schema. Nil means the
// response conforms.
func (v *Validator) ResponseViolations(m *Match, status int, header http.Header, body []byte) []string {
	op := m.Route.Operation
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return []string{fmt.Sprintf("status %d is not documented for %s", status, op.OperationID)}
	}
	resp := ref.Value
	var out []string
	for _, name := range slices.Sorted(maps.Keys(resp.Headers)) {
		h := resp.Headers[name].Value
		if h == nil || strings.EqualFold(name, "Content-Type") {
			continue
		}
		raw := header.Get(name)
		if raw == "" {
			if h.Required {
				out = append(out, "header "+name+" is missing")
			}
			continue
		}
		if msg := headerViolation(h.Schema, raw); msg != "" {
			out = append(out, fmt.Sprintf("header %s %q %s", name, clip(raw), msg))
		}
	}
	if len(resp.Content) == 0 {
		if len(body) > 0 {
			out = append(out, fmt.Sprintf("a %d answer has no body, but this one has %d bytes", status, len(body)))
		}
		return out
	}
	contentType := header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(contentType)
	media := resp.Content[mt]
	if err != nil || media == nil {
		return append(out, fmt.Sprintf("Content-Type %q is not documented for %d; want %s",
			clip(contentType), status, strings.Join(slices.Sorted(maps.Keys(resp.Content)), " or ")))
	}
	if strings.HasSuffix(mt, "vnd.api+json") && len(params) > 0 {
		out = append(out, fmt.Sprintf("Content-Type %q has parameters, which JSON:API forbids", clip(contentType)))
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return append(out, "the body is not JSON")
	}
	if media.Schema == nil || media.Schema.Value == nil {
		return out
	}
	err = media.Schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	if err == nil {
		return out
	}
	for _, e := range flatten(err) {
		if len(out) >= maxViolations {
			out = append(out, "and more")
			break
		}
		out = append(out, describeSchemaError(e))
	}
	return out
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
func describeSchemaError(err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return "the body does not match its schema"
	}
	path := se.JSONPointer()
	for i, p := range path {
		path[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
	}
	return "body /" + strings.Join(path, "/") + ": " + se.Reason
}
