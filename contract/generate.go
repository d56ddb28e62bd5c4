package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

// attributeSchema finds the attributes schema of the create operation's request body.
func (s *session) attributeSchema() (*openapi3.Schema, error) {
	for _, item := range s.doc.Paths.Map() {
		op := item.Post
		if op == nil || op.OperationID != oppstages.OpCreateOpportunityStage || op.RequestBody == nil {
			continue
		}
		for _, mt := range op.RequestBody.Value.Content {
			data := mt.Schema.Value.Properties["data"]
			if data == nil {
				continue
			}
			if attrs := data.Value.Properties["attributes"]; attrs != nil {
				return attrs.Value, nil
			}
		}
	}
	return nil, errors.New("the spec has no createOpportunityStage request body with data.attributes")
}

// writable lists the attribute names a client may send, sorted.
func writable(schema *openapi3.Schema) []string {
	var out []string
	for name, p := range schema.Properties {
		if !p.Value.ReadOnly {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

var words = []string{"Discovery", "Qualified", "Demo", "Proposal", "Negotiation", "Review", "Commit",
	"Legal", "Security", "Pilot", "Renewal", "Expansion", "Won", "Lost", "Stalled", "Técnico", "Évaluation"}

// validValue makes a value that satisfies one attribute schema.
func validValue(name string, p *openapi3.Schema, rng *rand.Rand) any {
	if p.Nullable && rng.IntN(8) == 0 {
		return nil
	}
	switch {
	case p.Type.Is(openapi3.TypeBoolean):
		return rng.IntN(2) == 0
	case p.Type.Is(openapi3.TypeInteger):
		lo, hi := -1000.0, 1000.0
		if p.Min != nil {
			lo = max(lo, *p.Min)
		}
		if p.Max != nil {
			hi = min(hi, *p.Max)
		}
		return int64(lo) + rng.Int64N(int64(hi-lo)+1)
	case p.Type.Is(openapi3.TypeString):
		if name == "color" {
			return fmt.Sprintf("#%06X", rng.IntN(1<<24))
		}
		maxLen := 255
		if p.MaxLength != nil {
			maxLen = int(*p.MaxLength)
		}
		minLen := max(int(p.MinLength), 1)
		if rng.IntN(6) == 0 {
			return strings.Repeat("x", maxLen) // exactly at the limit
		}
		var b strings.Builder
		for b.Len() < minLen || (rng.IntN(3) > 0 && b.Len() < 40) {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		out := b.String()
		for len(out) > maxLen {
			out = out[:len(out)-1]
		}
		return strings.ToValidUTF8(out, "")
	}
	return nil
}

// validBody is a create document for attrs.
func validBody(attrs map[string]any) string {
	doc := map[string]any{"data": map[string]any{"type": "opportunityStage", "attributes": attrs}}
	b, _ := json.Marshal(doc)
	return string(b)
}

// invalidBody is a create document that breaks exactly one rule, and what it breaks.
type invalidBody struct {
	what string
	body string
}

// invalidBodies derives, from the attribute schema, bodies that each break one constraint.
func invalidBodies(schema *openapi3.Schema, rng *rand.Rand) []invalidBody {
	base := map[string]any{}
	for _, name := range writable(schema) {
		if v := validValue(name, schema.Properties[name].Value, rng); v != nil {
			base[name] = v
		}
	}
	with := func(name string, v any) string {
		attrs := map[string]any{}
		for k, val := range base {
			attrs[k] = val
		}
		attrs[name] = v
		return validBody(attrs)
	}
	var out []invalidBody
	for _, name := range writable(schema) {
		p := schema.Properties[name].Value
		switch {
		case p.Type.Is(openapi3.TypeString):
			out = append(out, invalidBody{name + " as a number", with(name, 42)})
			if p.MaxLength != nil {
				out = append(out, invalidBody{name + " over maxLength", with(name, strings.Repeat("y", int(*p.MaxLength)+1))})
			}
			if p.MinLength > 0 {
				out = append(out, invalidBody{name + " under minLength", with(name, "")})
			}
		case p.Type.Is(openapi3.TypeInteger):
			out = append(out, invalidBody{name + " as a string", with(name, "7")})
			out = append(out, invalidBody{name + " as a fraction", with(name, 1.5)})
			if p.Max != nil {
				out = append(out, invalidBody{name + " over maximum", with(name, *p.Max+1)})
			}
		case p.Type.Is(openapi3.TypeBoolean):
			out = append(out, invalidBody{name + " as a string", with(name, "yes")})
		}
		if !p.Nullable {
			out = append(out, invalidBody{name + " as null", with(name, nil)})
		}
	}
	for name, p := range schema.Properties {
		if p.Value.ReadOnly {
			out = append(out, invalidBody{"read-only " + name, with(name, "2024-01-01T00:00:00.000Z")})
		}
	}
	if schema.AdditionalProperties.Has != nil && !*schema.AdditionalProperties.Has {
		out = append(out, invalidBody{"unknown attribute", with("zzNotAnAttribute", "x")})
	}
	out = append(out,
		invalidBody{"wrong type", strings.Replace(validBody(base), `"type":"opportunityStage"`, `"type":"opportunity"`, 1)},
		invalidBody{"no data", `{}`},
		invalidBody{"data as a list", `{"data":[]}`},
		invalidBody{"attributes as a list", `{"data":{"type":"opportunityStage","attributes":[]}}`},
		invalidBody{"a read-only relationship", `{"data":{"type":"opportunityStage","relationships":{"creator":{"data":{"type":"user","id":1}}}}}`},
		invalidBody{"malformed JSON", `{"data":{"type":"opportunityStage"`},
	)
	slices.SortStableFunc(out, func(a, b invalidBody) int { return strings.Compare(a.what, b.what) })
	return out
}
