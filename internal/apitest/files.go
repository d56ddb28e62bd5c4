package apitest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// DirContents maps each file in dir to its content.
func DirContents(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

// Reveals reports whether doc holds secret: when doc is JSON, whether any of its strings
// or member names does once JSON-decoded and then up to twice URL-decoded (as a query or
// as a path), and otherwise whether its bytes do. The bytes of a JSON document may hold a
// secret's characters by chance, as an escape ("\b0" holds \b0) that decodes to others.
func Reveals(doc []byte, secret string) bool {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return bytes.Contains(doc, []byte(secret))
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			decoded := []string{v}
			for range 2 {
				for _, s := range decoded {
					for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
						if d, err := unescape(s); err == nil {
							decoded = append(decoded, d)
						}
					}
				}
			}
			for _, s := range decoded {
				if strings.Contains(s, secret) {
					return true
				}
			}
		case map[string]any:
			for k, m := range v {
				if walk(k) || walk(m) {
					return true
				}
			}
		case []any:
			for _, m := range v {
				if walk(m) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
