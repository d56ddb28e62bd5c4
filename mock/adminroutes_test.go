package mock

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The table of admin endpoints in Sandbox's documentation, which go doc shows, is the
// table the admin API routes by.
func TestSandboxDocListsTheAdminRoutes(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "sandbox.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE && g.Specs[0].(*ast.TypeSpec).Name.Name == "Sandbox" {
			doc = g.Doc.Text()
		}
	}
	var documented []string
	for _, m := range regexp.MustCompile(`(?m)^\t(GET|POST|PUT|PATCH|DELETE) +(/__admin/\S+) `).FindAllStringSubmatch(doc, -1) {
		documented = append(documented, m[1]+" "+m[2])
	}
	var routed []string
	for _, route := range adminRoutes() {
		routed = append(routed, route.pattern)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if diff := cmp.Diff(routed, documented); diff != "" {
		t.Errorf("Sandbox's documentation and adminRoutes differ (-routed +documented):\n%s", diff)
	}
}
