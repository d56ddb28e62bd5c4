package oppstages_test

import (
	"bufio"
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestImportsRunOneWay holds the layout's edges: the packages under internal/ are pieces
// that mock and contract use, so none of them imports mock or contract, and none is a
// command (commands live in cmd/); cmd/mockserver is a thin main that speaks to the mock
// only through its public API and the root package's vocabulary, plus the certificate it
// serves https with, which is the command's business, not the mock's. Tests are left out: a
// test of an internal piece may drive a whole mock.
func TestImportsRunOneWay(t *testing.T) {
	module := modulePath(t)
	pkgs := modulePackages(t, module)
	if len(pkgs) < 10 {
		t.Fatalf("found %d packages; the walk does not see the module", len(pkgs))
	}
	below := func(pkg, dir string) bool { return pkg == module+"/"+dir || strings.HasPrefix(pkg, module+"/"+dir+"/") }
	mockServerMay := []string{module, module + "/mock", module + "/internal/devcert"}
	for pkg, p := range pkgs {
		switch {
		case below(pkg, "internal"):
			if p.Name == "main" {
				t.Errorf("%s is a command; commands belong in cmd/", pkg)
			}
			for _, imp := range p.Imports {
				if below(imp, "mock") || below(imp, "contract") {
					t.Errorf("%s imports %s: the pieces under internal/ are below mock and contract, not beside or above them", pkg, imp)
				}
			}
		case pkg == module+"/cmd/mockserver":
			for _, imp := range p.Imports {
				inModule := imp == module || strings.HasPrefix(imp, module+"/")
				if inModule && !slices.Contains(mockServerMay, imp) {
					t.Errorf("cmd/mockserver imports %s; it may import only %v from this module", imp, mockServerMay)
				}
			}
		}
	}
}

// modulePath reads the module's path from go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	f, err := os.Open("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return strings.TrimSpace(rest)
		}
	}
	t.Fatal("go.mod names no module")
	return ""
}

// modulePackages reads every package of the module below the current directory, as the
// current platform builds it, by its import path; directories the go command ignores
// (testdata, and names starting with "." or "_") are left out.
func modulePackages(t *testing.T, module string) map[string]*build.Package {
	t.Helper()
	pkgs := map[string]*build.Package{}
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if dir != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		p, err := build.ImportDir(dir, 0)
		if _, none := errors.AsType[*build.NoGoError](err); none {
			return nil
		}
		if err != nil {
			return err
		}
		pkgs[path.Join(module, filepath.ToSlash(dir))] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestLayoutTableNamesEveryPackage: the layout table of docs/development.md names every
// package of the module, and nothing that is not one, so that it stays the map a newcomer
// to the code reads first.
func TestLayoutTableNamesEveryPackage(t *testing.T) {
	page, err := os.ReadFile("docs/development.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(page), "\n| path | what it is |\n")
	if !ok {
		t.Fatal("docs/development.md has no layout table (| path | what it is |)")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	named := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		for _, field := range strings.Split(cells[1], ",") {
			name := strings.Trim(strings.TrimSpace(field), "`")
			named[strings.TrimSuffix(name, "/")] = true
		}
	}
	module := modulePath(t)
	dirs := map[string]bool{}
	for pkg := range modulePackages(t, module) {
		dir := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if dir == "" {
			continue // the root package, named by its files
		}
		dirs[dir] = true
		if !named[dir] {
			t.Errorf("the layout table of docs/development.md does not name %s", dir)
		}
	}
	for name := range named {
		if (strings.HasPrefix(name, "internal/") || strings.HasPrefix(name, "cmd/")) && !dirs[name] {
			t.Errorf("the layout table of docs/development.md names %s, which is no package", name)
		}
	}
}
