//go:build unix

package oppstages_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The README test runs the pages in the order README.md links them, each once, and a page
// it does not link is an error, since it would never be run.
func TestDocFilesFollowTheREADMEsLinks(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "See [B](docs/b.md), then [A](docs/a.md#part), and [B again](docs/b.md).\n")
	write("docs/a.md", "# A\n")
	write("docs/b.md", "# B\n")
	files, err := docFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"README.md", "docs/b.md", "docs/a.md"}; !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}

	write("docs/c.md", "# C\n")
	write("README.md", "See [B](docs/b.md), [A](docs/a.md) and [gone](docs/gone.md).\n")
	_, err = docFiles(root)
	for _, want := range []string{"does not link docs/c.md", "links docs/gone.md, which is not there"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one saying %q", err, want)
		}
	}
}

// Markers and messages name the page a block is on, so that a failure points at the
// file and line to fix.
func TestShellBlocksNameTheirPage(t *testing.T) {
	doc := "text\n\n<!-- readme-test: skip needs the real API -->\n```sh\ncurl x\n```\n\n<!-- readme-test: skipp typo -->\n```sh\necho\n```\n"
	blocks, err := parseShellBlocks("docs/page.md", doc)
	if err == nil || !strings.Contains(err.Error(), "docs/page.md:9: unknown readme-test marker") {
		t.Errorf("error %v, want one naming docs/page.md:9", err)
	}
	if len(blocks) != 2 || blocks[0].where() != "docs/page.md:4" || blocks[0].skip != "needs the real API" {
		t.Errorf("blocks %+v", blocks)
	}
}

// 8080 in a block is the README test's mock; 8081 to 8089 are servers the block starts,
// each a free port of its own, the same one wherever the block names it. Other numbers
// that merely contain those digits stay as they are.
func TestBlockPorts(t *testing.T) {
	b := shellBlock{text: "a 127.0.0.1:8080/x b 127.0.0.1:8081 c http://127.0.0.1:8081/y d :8082 e 18080 f 80811\n"}
	script, err := b.script(4242)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(script)
	if f[1] != "127.0.0.1:4242/x" {
		t.Errorf("8080 became %s, want the mock's port 4242", f[1])
	}
	first, _ := strings.CutPrefix(f[3], "127.0.0.1:")
	again, _ := strings.CutPrefix(strings.TrimSuffix(f[5], "/y"), "http://127.0.0.1:")
	other, _ := strings.CutPrefix(f[7], ":")
	if first == "8081" || first == "4242" || first != again {
		t.Errorf("8081 became %s and %s, want one free port both times", first, again)
	}
	if other == "8082" || other == first {
		t.Errorf("8082 became %s, want a free port of its own (8081 became %s)", other, first)
	}
	if f[9] != "18080" || f[11] != "80811" {
		t.Errorf("numbers that only contain a port changed: %s %s", f[9], f[11])
	}
}
