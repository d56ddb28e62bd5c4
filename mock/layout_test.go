package mock_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
