package junit

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteValidates(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, Suite{Name: "suite <1>", Time: 1.5, Cases: []Case{
		{Name: "ok", Classname: "x"},
		{Name: "bad", Classname: "x", Failure: &Failure{Message: "a & b", Type: "fail", Text: "line 1\nline 2"}},
		{Name: "later", Classname: "x", Skipped: &Skipped{Message: "not run"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, want := range []string{`<testsuite name="suite &lt;1&gt;" tests="3" failures="1" skipped="1" time="1.5">`,
		`<failure message="a &amp; b" type="fail">line 1&#xA;line 2</failure>`, `<skipped message="not run"></skipped>`} {
		if !strings.Contains(doc, want) {
			t.Errorf("lacks %s:\n%s", want, doc)
		}
	}
	if err := Validate(buf.Bytes()); err != nil {
		t.Errorf("Validate: %v\n%s", err, doc)
	}
}

func TestValidateRejects(t *testing.T) {
	const ok = `<testcase name="a" classname="c"/>`
	suite := func(attrs, body string) string {
		return `<?xml version="1.0"?><testsuite name="s" tests="1"` + attrs + `>` + body + `</testsuite>`
	}
	for _, c := range []struct{ name, doc, want string }{
		{"not XML", `<testsuite`, "not well-formed"},
		{"empty", ``, "no root element"},
		{"another root", `<report/>`, "unknown element <report>"},
		{"a root the schema has below", `<testcase name="a" classname="c"/>`, "root element <testcase>"},
		{"an unknown element", suite("", `<testcase name="a" classname="c"><note/></testcase>`), "unknown element <note>"},
		{"an element out of place", suite("", `<testcase name="a" classname="c"><testcase name="b" classname="c"/></testcase>`), "inside <testcase>"},
		{"an unknown attribute", suite(` colour="red"`, ok), `attribute "colour"`},
		{"no name", `<testsuite tests="1">` + ok + `</testsuite>`, `required attribute "name"`},
		{"a case without classname", suite("", `<testcase name="a"/>`), `required attribute "classname"`},
		{"a count that is no number", suite(` failures="some"`, ok), "not a non-negative number"},
		{"a negative time", suite(` time="-1"`, ok), "not a non-negative number"},
		{"tests miscounted", suite("", ok+ok), `tests="1" but has 2`},
		{"failures miscounted", suite(` failures="1"`, ok), `failures="1" but has 0`},
		{"skipped miscounted", suite(` skipped="0"`, `<testcase name="a" classname="c"><skipped/></testcase>`), `skipped="0" but has 1`},
		{"skipped and failed", suite("", `<testcase name="a" classname="c"><skipped/><failure/></testcase>`), "both skipped and failed"},
		{"skipped twice", suite("", `<testcase name="a" classname="c"><skipped/><skipped/></testcase>`), "more than 1 <skipped>"},
		{"text in a case", suite("", `<testcase name="a" classname="c">loose</testcase>`), "text"},
		{"two roots", suite("", ok) + suite("", ok), "more than one root"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Validate([]byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate(%s) = %v, want an error with %q", c.doc, err, c.want)
			}
		})
	}
}

func TestValidateAcceptsWhatTheSchemaAllows(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="all" tests="2">
  <testsuite name="s" tests="2" failures="1" errors="0" skipped="0" time="0.25" timestamp="2026-01-01T00:00:00" hostname="h">
    <properties><property name="go" value="1.26"/></properties>
    <testcase name="a" classname="c" time="0.1"><system-out>log</system-out></testcase>
    <testcase name="b" classname="c"><failure message="m" type="t">story</failure></testcase>
    <system-err></system-err>
  </testsuite>
</testsuites>`
	if err := Validate([]byte(doc)); err != nil {
		t.Error(err)
	}
}
