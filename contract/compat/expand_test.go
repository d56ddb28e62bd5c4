package compat

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// aliasBomb is a document whose schema Sk holds nine properties, each an alias of
// S(k-1): a few hundred bytes that name 9^levels string schemas.
func aliasBomb(levels int) string {
	lines := []string{"openapi: 3.0.3", `info: {title: t, version: "1"}`, "components:", "  schemas:", "    S0: &s0 {type: string}"}
	for i := 1; i <= levels; i++ {
		props := make([]string, 9)
		for j := range props {
			props[j] = fmt.Sprintf("p%d: *s%d", j, i-1)
		}
		lines = append(lines, fmt.Sprintf("    S%d: &s%d {type: object, properties: {%s}}", i, i, strings.Join(props, ", ")))
	}
	lines = append(lines, "paths:", "  /a:", "    get:", "      responses:", `        "200":`, "          description: ok",
		"          content:", "            application/json:", fmt.Sprintf("              schema: *s%d", levels))
	return strings.Join(lines, "\n") + "\n"
}

func TestParseRefusesWhatExpandsTooFar(t *testing.T) {
	tests := []struct {
		name, doc, want string // want: in the error, "" for none
	}{
		{"a few chained anchors", aliasBomb(2), ""},
		{"chained anchors that add under the bound", aliasBomb(4), ""},
		{"chained anchors that add just over it", aliasBomb(5), "aliases add more than 100000 YAML nodes"},
		{"chained anchors that expand to millions of nodes", aliasBomb(6), "aliases add more than 100000 YAML nodes"},
		{"chained anchors that would overflow a count", aliasBomb(30), "aliases add more than 100000 YAML nodes"},
		{"a second document", aliasBomb(1) + "---\n" + aliasBomb(1), "more than one YAML document (a second one starts at line 16)"},
		{"an alias inside its anchor", "openapi: 3.0.3\ninfo: &i {title: t, version: \"1\", x-self: *i}\npaths: {}\n", "a YAML alias inside the node it names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("doc.yaml", []byte(tt.doc))
			switch {
			case tt.want == "" && err != nil && strings.Contains(err.Error(), "expand"):
				t.Errorf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

// The document of this project passes, with no node added by an alias.
func TestOwnDocumentHasNoAlias(t *testing.T) {
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkExpansion(data); err != nil {
		t.Fatal(err)
	}
	written, expanded, err := countNodes(data)
	if err != nil || written < 1000 || expanded != written {
		t.Errorf("openapi.yaml has %d nodes, %d with its aliases followed (%v); want over a thousand, and no alias", written, expanded, err)
	}
}
