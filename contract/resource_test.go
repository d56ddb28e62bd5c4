package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Ids and values of a million or more, which JSON decodes as float64, print as integers
// in messages and diffs, never in scientific notation.
func TestBigNumbersPrintAsIntegers(t *testing.T) {
	var a, b map[string]any
	if err := json.Unmarshal([]byte(`{"id":-56956998,"attributes":{"order":1234567890123,"ratio":0.5}}`), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"id":-56956998,"attributes":{"order":1234567890124,"ratio":0.5}}`), &b); err != nil {
		t.Fatal(err)
	}
	if got := show(a["id"]); got != "-56956998" {
		t.Errorf("show = %q", got)
	}
	if got := show(a["attributes"]); got != "map[order:1234567890123 ratio:0.5]" {
		t.Errorf("show = %q", got)
	}
	diff := cmp.Diff(printable(a), printable(b))
	if !strings.Contains(diff, "1234567890123") || strings.Contains(diff, "e+") {
		t.Errorf("diff prints the numbers otherwise:\n%s", diff)
	}
	recs := []resource{{ID: 56956999}, {ID: 56956998}}
	_, err := orderedUnder(recs, []string{"id"}, []bool{false}, false)
	if err == nil || !strings.Contains(err.Error(), "record 56956999 (id=56956999) comes before record 56956998 (id=56956998)") {
		t.Errorf("sort message: %v", err)
	}
}
