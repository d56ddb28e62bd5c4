package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
)

func TestParseDredd(t *testing.T) {
	out := "\x1b[32mpass\x1b[39m: DELETE (204) /opportunityStages/8 duration: 188ms\n" +
		"\x1b[31mfail\x1b[39m: DELETE (400) /opportunityStages/8 duration: 35ms\n" +
		"\x1b[32mpass\x1b[39m: GET (200) /users/1 duration: 3ms\n" +
		"\x1b[32mcomplete\x1b[39m: 2 passing, 1 failing, 0 errors, 0 skipped, 3 total\n"
	got, err := parseDredd(out)
	if err != nil {
		t.Fatal(err)
	}
	want := dreddCounts{passing: 2, failing: 1, total: 3, operations: 2}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseDredd("error: API description processing error\n"); err == nil {
		t.Error("a run without a summary parsed")
	}
}

func TestParseSpecmatic(t *testing.T) {
	out := "Tests run: 3, Successes: 1, Failures: 2, WIP: 0, Errors: 0\n...\nTests run: 7, Successes: 6, Failures: 0, WIP: 0, Errors: 1\n"
	got, err := parseSpecmatic(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := (specmaticCounts{run: 7, successes: 6, errors: 1}); got != want {
		t.Errorf("got %+v, want %+v (the last summary counts)", got, want)
	}
	if _, err := parseSpecmatic("Specmatic Test Suite has FAILED"); err == nil {
		t.Error("a run without a summary parsed")
	}
}

func TestParseLinters(t *testing.T) {
	spectral, err := parseSpectral(`[{"severity":0},{"severity":1},{"severity":1},{"severity":3}]No results with a severity of 'error' found!`)
	if err != nil {
		t.Fatal(err)
	}
	if want := (lintCounts{errors: 1, warnings: 2, hints: 1}); spectral != want {
		t.Errorf("spectral: got %+v, want %+v", spectral, want)
	}
	redocly, err := parseRedocly(`{"totals":{"errors":0,"warnings":3,"ignored":1},"problems":[]}`)
	if err != nil {
		t.Fatal(err)
	}
	if want := (lintCounts{warnings: 3, ignored: 1}); redocly != want {
		t.Errorf("redocly: got %+v, want %+v", redocly, want)
	}
	for name, parse := range map[string]func(string) (lintCounts, error){"spectral": parseSpectral, "redocly": parseRedocly} {
		if _, err := parse("npm error could not determine executable to run"); err == nil {
			t.Errorf("%s: output without a report parsed", name)
		}
	}
}

// The copy for Dredd gives every path parameter a single example, the named one it had,
// and is otherwise the same document.
func TestDreddDocument(t *testing.T) {
	out, err := dreddDocument(oppstages.SpecYAML)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := oppstages.ParseSpec(out)
	if err != nil {
		t.Fatalf("the copy for Dredd is not a valid document: %v", err)
	}
	orig, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, item := range orig.Paths.Map() {
		for method, op := range item.Operations() {
			copyItem := doc.Paths.Find(path)
			params := append(slices.Clone(item.Parameters), op.Parameters...)
			for _, ref := range params {
				p := ref.Value
				if p.In != "path" {
					continue
				}
				got := copyItem.GetOperation(method).Parameters.GetByInAndName("path", p.Name)
				if got == nil {
					got = copyItem.Parameters.GetByInAndName("path", p.Name)
				}
				if got == nil || got.Example == nil || len(got.Examples) != 0 {
					t.Errorf("%s %s: path parameter %s lacks a single example in the copy", method, path, p.Name)
					continue
				}
				if len(p.Examples) != 1 {
					t.Errorf("%s %s: path parameter %s has %d named examples, want one scenario per operation", method, path, p.Name, len(p.Examples))
				}
				for _, ex := range p.Examples {
					if diff := cmp.Diff(ex.Value.Value, got.Example); diff != "" {
						t.Errorf("%s %s: example (-named +single):\n%s", method, path, diff)
					}
				}
				checked++
			}
		}
	}
	if checked < 4 {
		t.Errorf("%d path parameters checked, want one for every operation with an id", checked)
	}
	if n := operationCount(oppstages.SpecYAML); n < 6 {
		t.Errorf("operationCount = %d, want every operation", n)
	}
	var asJSON map[string]any
	if err := json.Unmarshal(out, &asJSON); err != nil || asJSON["openapi"] != "3.0.3" {
		t.Errorf("the copy is not an OpenAPI 3.0.3 JSON document: %v", err)
	}
}
