package compat

import (
	"fmt"
	"strings"
	"testing"
)

// deepRefs is a document whose response schema S(levels) holds nine properties, each a
// $ref to S(levels-1), down to S0, of type leaf: 9^levels properties reach S0.
func deepRefs(levels int, leaf string) string {
	lines := []string{"openapi: 3.0.3", `info: {title: t, version: "1"}`, "paths:", "  /a:", "    get:", "      responses:", `        "200":`,
		"          description: ok", "          content:", "            application/json:",
		fmt.Sprintf("              schema: {$ref: '#/components/schemas/S%d'}", levels),
		"components:", "  schemas:", fmt.Sprintf("    S0: {type: %s}", leaf)}
	for i := 1; i <= levels; i++ {
		props := make([]string, 9)
		for j := range props {
			props[j] = fmt.Sprintf("p%d: {$ref: '#/components/schemas/S%d'}", j, i-1)
		}
		lines = append(lines, fmt.Sprintf("    S%d: {type: object, properties: {%s}}", i, strings.Join(props, ", ")))
	}
	return strings.Join(lines, "\n") + "\n"
}

// A change to a schema that many properties reach says how many more, while that number
// is a count; past what an int holds it says "and more".
func TestSharedSchemaCount(t *testing.T) {
	tests := []struct {
		levels int
		want   string // the end of the change's text
	}{
		{3, "`p2/p0/p0` and 726 more)"},
		{20, "`p2" + strings.Repeat("/p0", 19) + "` and more)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.levels, " levels"), func(t *testing.T) {
			old, err := Parse("old", []byte(deepRefs(tt.levels, "string")))
			if err != nil {
				t.Fatal(err)
			}
			new, err := Parse("new", []byte(deepRefs(tt.levels, "integer")))
			if err != nil {
				t.Fatal(err)
			}
			report, err := Compare(old, new)
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Changes) != 1 || !strings.HasSuffix(report.Changes[0].Text, tt.want) {
				t.Errorf("changes %v, want one ending %q", report.Changes, tt.want)
			}
		})
	}
}
