package compat

import (
	"os"
	"path/filepath"
	"testing"
)

// Whatever a user passes as a document, Parse accepts or refuses it, and Compare reports
// on what Parse accepts, without a panic.
func FuzzParseAndCompare(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.*")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	base, err := os.ReadFile("testdata/base.yaml")
	if err != nil {
		f.Fatal(err)
	}
	old, err := Parse("base.yaml", base)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse("fuzzed.yaml", data)
		if err != nil {
			return
		}
		for _, pair := range [][2]*Document{{old, doc}, {doc, old}} {
			report, err := Compare(pair[0], pair[1])
			if err != nil {
				continue
			}
			if report.Breaking() > len(report.Changes) {
				t.Fatalf("%d breaking of %d", report.Breaking(), len(report.Changes))
			}
		}
	})
}
