package mock_test

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// maxSourceLines is how long a source file of the package may grow: each holds one part
// of the request path or one piece of state, and a reader takes it in at once.
const maxSourceLines = 300

func TestSourceFilesStayShort(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(src, []byte("\n")); n > maxSourceLines {
			t.Errorf("%s has %d lines, more than %d: cut it along what it holds", name, n, maxSourceLines)
		}
	}
}

// The package documentation is the map of the package: it names every source file, and
// no file that is not there.
func TestPackageDocNamesEveryFile(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`\b[a-z0-9_]+\.go\b`).FindAllString(f.Doc.Text(), -1)
	named = append(named, "doc.go")
	slices.Sort(named)
	named = slices.Compact(named)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(name string) bool { return strings.HasSuffix(name, "_test.go") })
	if diff := cmp.Diff(files, named); diff != "" {
		t.Errorf("the files and the files the package documentation names differ (-files +named):\n%s", diff)
	}
}
