package oppstages_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestDocsLinksResolve: every relative link of README.md and the docs/ pages leads to a
// file that is there, and every #anchor to a heading of its page, so that moving a
// section between pages cannot leave a reader at a dead end.
func TestDocsLinksResolve(t *testing.T) {
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, page := range append([]string{"README.md"}, pages...) {
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range markdownLinks(string(doc)) {
			checked++
			if err := resolveLink(page, l.target); err != nil {
				t.Errorf("%s:%d: link %s: %v", page, l.line, l.target, err)
			}
		}
	}
	if checked == 0 {
		t.Error("found no links to check")
	}
}

// docLink is one link of a Markdown page.
type docLink struct {
	line   int
	target string
}

var (
	linkTarget = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	codeSpan   = regexp.MustCompile("`[^`]*`")
	hasScheme  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// markdownLinks finds the links of a page outside code: fenced blocks and code spans
// hold commands and output, not links.
func markdownLinks(doc string) []docLink {
	var links []docLink
	fence := ""
	for i, line := range strings.Split(doc, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			continue
		}
		for _, m := range linkTarget.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
			if !hasScheme.MatchString(m[1]) {
				links = append(links, docLink{line: i + 1, target: m[1]})
			}
		}
	}
	return links
}

// resolveLink checks a relative link of page: the file it names is there, and its
// anchor, if any, is a heading of that file.
func resolveLink(page, target string) error {
	path, anchor, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
		if _, err := os.Stat(file); err != nil {
			return fmt.Errorf("no such file: %s", file)
		}
	}
	if anchor == "" {
		return nil
	}
	if !strings.HasSuffix(file, ".md") {
		return fmt.Errorf("an anchor into %s, which is no Markdown page", file)
	}
	doc, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, a := range headingAnchors(string(doc)) {
		if a == anchor {
			return nil
		}
	}
	return fmt.Errorf("%s has no heading whose anchor is #%s", file, anchor)
}

// headingAnchors are the anchors GitHub gives a page's headings: lower case, without
// punctuation but - and _, spaces as -, and -1, -2, ... after a repeated one.
func headingAnchors(doc string) []string {
	var anchors []string
	seen := map[string]int{}
	fence := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors = append(anchors, fmt.Sprintf("%s-%d", a, n))
		} else {
			anchors = append(anchors, a)
		}
		seen[a]++
	}
	return anchors
}
