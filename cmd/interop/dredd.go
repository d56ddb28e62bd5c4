package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

// dreddDocument is the document as Dredd 14 can read it. Dredd takes a parameter's value
// only from its single `example` member and rejects the whole document when a required
// one has none; Specmatic pairs examples only through the named `examples` member;
// OpenAPI 3.0 allows one of the two per parameter, and openapi.yaml uses the named form.
// So each parameter with named examples also gets the first of them as its single example
// (and loses the named ones, which Dredd ignores anyway). Nothing else changes.
func dreddDocument(spec []byte) ([]byte, error) {
	doc, err := oppstages.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	convert := func(p *openapi3.Parameter) {
		if p == nil || p.Example != nil || len(p.Examples) == 0 {
			return
		}
		names := make([]string, 0, len(p.Examples))
		for name := range p.Examples {
			names = append(names, name)
		}
		slices.Sort(names)
		if ex := p.Examples[names[0]]; ex != nil && ex.Value != nil {
			p.Example = ex.Value.Value
			p.Examples = nil
		}
	}
	for _, ref := range doc.Components.Parameters {
		convert(ref.Value)
	}
	for _, item := range doc.Paths.Map() {
		for _, ref := range item.Parameters {
			convert(ref.Value)
		}
		for _, op := range item.Operations() {
			for _, ref := range op.Parameters {
				convert(ref.Value)
			}
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the document for Dredd: %w", err)
	}
	return out, nil
}

// operationCount is the number of operations in the document, or 0 when it does not parse.
func operationCount(spec []byte) int {
	doc, err := oppstages.ParseSpec(spec)
	if err != nil {
		return 0
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		n += len(item.Operations())
	}
	return n
}
