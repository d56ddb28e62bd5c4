package oppstages_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSecurityPromisesNameRealTests: every row of the table in docs/security.md, "Security
// and durability", names the tests that attack its promise, as `package` then test names.
// Each named test must exist in that package, so a renamed or deleted test cannot leave a
// promise standing on nothing.
func TestSecurityPromisesNameRealTests(t *testing.T) {
	page, err := os.ReadFile("docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(page), "\n| what | against | the promise | held by |\n")
	if !ok {
		t.Fatal("docs/security.md has no table of promises (| what | against | the promise | held by |)")
	}
	section, _, _ = strings.Cut(section, "\n\n")
	pkgOrTest := regexp.MustCompile("`([a-z/]+)`|\\b(Test[A-Za-z0-9_]+|Fuzz[A-Za-z0-9_]+)\\b")
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "what" {
			continue
		}
		rows++
		heldBy := cells[len(cells)-2]
		pkg, named := "", 0
		for _, m := range pkgOrTest.FindAllStringSubmatch(heldBy, -1) {
			if m[1] != "" {
				pkg = m[1]
				continue
			}
			if pkg == "" {
				t.Errorf("%q names %s before any package", strings.TrimSpace(cells[1]), m[2])
				continue
			}
			named++
			if !testExists(t, pkg, m[2]) {
				t.Errorf("the promise on %q names %s in %s, which has no such test", strings.TrimSpace(cells[1]), m[2], pkg)
			}
		}
		if named == 0 {
			t.Errorf("the promise on %q names no test", strings.TrimSpace(cells[1]))
		}
	}
	if rows < 10 {
		t.Errorf("found %d promises in the table; the section's table is not where this test looks", rows)
	}
}

// testExists reports whether a _test.go file in the package directory dir declares name.
func testExists(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Errorf("package %s: no test files", dir)
		return false
	}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
				return true
			}
		}
	}
	return false
}
