package oppstages_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The vendor's links are absolute URLs, so every link member a schema declares says
// format: uri, and generated clients and validators treat it as one.
func TestLinkMembersAreURIs(t *testing.T) {
	doc := mustSpec(t)
	checked := 0
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, s *openapi3.Schema)
	walk = func(where string, s *openapi3.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for name, p := range s.Properties {
			if name == "links" && p.Value != nil {
				for member, m := range p.Value.Properties {
					if m.Value.Type.Is(openapi3.TypeString) {
						checked++
						if m.Value.Format != "uri" {
							t.Errorf("%s.links.%s has format %q, want uri", where, member, m.Value.Format)
						}
					}
				}
			}
			walk(where+"."+name, p.Value)
		}
		if s.Items != nil {
			walk(where+"[]", s.Items.Value)
		}
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s.Value)
	}
	if checked < 6 {
		t.Errorf("%d link members found, want self, related, first, prev and next", checked)
	}
}
