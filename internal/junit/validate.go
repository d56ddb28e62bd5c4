package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// element is what the JUnit schema CI tools read (the Ant task's, as Jenkins, GitLab and
// GitHub reporters take it) allows of one element: its attributes, which of them are
// required and which hold numbers, and its child elements with how many of each.
type element struct {
	attributes []string
	required   []string
	numbers    []string // non-negative decimals
	children   map[string]int
	text       bool // character data allowed
}

const unbounded = -1

var schema = map[string]element{
	"testsuites": {
		attributes: []string{"name", "tests", "failures", "errors", "skipped", "disabled", "time"},
		numbers:    []string{"tests", "failures", "errors", "skipped", "disabled", "time"},
		children:   map[string]int{"testsuite": unbounded},
	},
	"testsuite": {
		attributes: []string{"name", "tests", "failures", "errors", "skipped", "disabled", "time", "timestamp", "hostname", "id", "package", "file"},
		required:   []string{"name", "tests"},
		numbers:    []string{"tests", "failures", "errors", "skipped", "disabled", "time"},
		children:   map[string]int{"properties": 1, "testcase": unbounded, "system-out": 1, "system-err": 1},
	},
	"properties": {children: map[string]int{"property": unbounded}},
	"property":   {attributes: []string{"name", "value"}, required: []string{"name", "value"}},
	"testcase": {
		attributes: []string{"name", "classname", "time", "assertions", "status", "file", "line"},
		required:   []string{"name", "classname"},
		numbers:    []string{"time", "assertions", "line"},
		children:   map[string]int{"skipped": 1, "error": unbounded, "failure": unbounded, "system-out": unbounded, "system-err": unbounded},
	},
	"skipped":    {attributes: []string{"message"}, text: true},
	"failure":    {attributes: []string{"message", "type"}, text: true},
	"error":      {attributes: []string{"message", "type"}, text: true},
	"system-out": {text: true},
	"system-err": {text: true},
}

// Validate checks a JUnit XML document against that schema, and that each suite's
// counts agree with its cases: tests with the cases, failures with those that failed,
// skipped with those skipped. A case is either skipped or judged, not both.
func Validate(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var root *node
	var open []*node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n, err := start(t, open)
			if err != nil {
				return err
			}
			if len(open) == 0 {
				if root != nil {
					return errors.New("more than one root element")
				}
				root = n
			} else {
				parent := open[len(open)-1]
				parent.children = append(parent.children, n)
			}
			open = append(open, n)
		case xml.EndElement:
			n := open[len(open)-1]
			open = open[:len(open)-1]
			if err := n.check(); err != nil {
				return err
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 && (len(open) == 0 || !schema[open[len(open)-1].name].text) {
				return fmt.Errorf("text %q where the schema allows none", clip(string(t)))
			}
		}
	}
	switch {
	case root == nil:
		return errors.New("no root element")
	case root.name != "testsuite" && root.name != "testsuites":
		return fmt.Errorf("root element <%s>, want <testsuite> or <testsuites>", root.name)
	}
	return nil
}

// node is an element read, with what its checks need.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
}

// start reads a start tag: an element the schema knows, where it allows it, with the
// attributes it allows.
func start(t xml.StartElement, open []*node) (*node, error) {
	name := t.Name.Local
	el, known := schema[name]
	if !known || t.Name.Space != "" {
		return nil, fmt.Errorf("unknown element <%s>", name)
	}
	n := &node{name: name, attrs: map[string]string{}}
	for _, a := range t.Attr {
		if a.Name.Space != "" || !slices.Contains(el.attributes, a.Name.Local) {
			return nil, fmt.Errorf("<%s> has an attribute %q the schema does not allow", name, a.Name.Local)
		}
		n.attrs[a.Name.Local] = a.Value
	}
	for _, r := range el.required {
		if _, ok := n.attrs[r]; !ok {
			return nil, fmt.Errorf("<%s> lacks its required attribute %q", name, r)
		}
	}
	for _, num := range el.numbers {
		if v, ok := n.attrs[num]; ok {
			if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
				return nil, fmt.Errorf("<%s %s=%q>: not a non-negative number", name, num, v)
			}
		}
	}
	if len(open) > 0 {
		parent := open[len(open)-1]
		most, allowed := schema[parent.name].children[name]
		if !allowed {
			return nil, fmt.Errorf("<%s> inside <%s>, which does not allow it", name, parent.name)
		}
		if most != unbounded && parent.count(name) >= most {
			return nil, fmt.Errorf("<%s> holds more than %d <%s>", parent.name, most, name)
		}
	}
	return n, nil
}

func (n *node) count(name string) int {
	c := 0
	for _, child := range n.children {
		if child.name == name {
			c++
		}
	}
	return c
}

// check runs the checks that need the whole element: a case skipped and judged at once,
// a suite whose counts disagree with its cases.
func (n *node) check() error {
	switch n.name {
	case "testcase":
		if n.count("skipped") > 0 && n.count("failure")+n.count("error") > 0 {
			return fmt.Errorf("test case %q is both skipped and failed", n.attrs["name"])
		}
	case "testsuite":
		var failed, skipped int
		for _, c := range n.children {
			if c.name != "testcase" {
				continue
			}
			if c.count("failure") > 0 {
				failed++
			}
			if c.count("skipped") > 0 {
				skipped++
			}
		}
		for _, want := range []struct {
			attr string
			n    int
		}{{"tests", n.count("testcase")}, {"failures", failed}, {"skipped", skipped}} {
			if v, ok := n.attrs[want.attr]; ok && v != strconv.Itoa(want.n) {
				return fmt.Errorf("suite %q says %s=%q but has %d", n.attrs["name"], want.attr, v, want.n)
			}
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
