package statefile

import (
	"strings"
	"testing"
)

// A state document that is not well-formed JSON is refused as such, with where it breaks,
// and one that is JSON of the wrong shape is refused for its shape: the two mistakes call
// for different fixes.
func TestDecodeSaysWhetherTheJSONOrItsShapeIsWrong(t *testing.T) {
	cases := []struct {
		doc  string
		want []string
	}{
		{`{"data":[`, []string{"not well-formed JSON", "byte 9"}},
		{`{"data":[]`, []string{"not well-formed JSON", "byte 10"}},
		{`{"data":[}`, []string{"not well-formed JSON", "byte 10"}},
		{``, []string{"not well-formed JSON", "byte 0"}},
		{`[]`, []string{`a JSON object with a "data" array`}},
		{`null`, []string{`a JSON object with a "data" array`}},
		{`{}`, []string{`no "data" member`}},
		{`{"data":null}`, []string{`"data" must be an array`}},
	}
	for _, tc := range cases {
		_, err := Decode([]byte(tc.doc), nil)
		if err == nil {
			t.Errorf("%q: decoded", tc.doc)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %v; want it to say %q", tc.doc, err, w)
			}
		}
	}
}
