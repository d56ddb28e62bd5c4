package compat

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v4"
)

// maxAliasedNodes bounds how many YAML nodes a document's aliases may add to it, once
// each alias is replaced by what it names. This project's openapi.yaml has no alias (it
// is about 5,200 nodes in all); documents that use anchors to share a few schemas add a
// few thousand. A hundred thousand nodes of schemas cost the loader about 170 MB, while
// a few hundred bytes of anchors chained through schemas would add millions and take
// gigabytes.
const maxAliasedNodes = 100_000

// checkExpansion refuses a YAML stream of more than one document, and a document whose
// aliases add more than maxAliasedNodes nodes to it.
func checkExpansion(data []byte) error {
	written, expanded, err := countNodes(data)
	if err != nil {
		return err
	}
	if expanded-written > maxAliasedNodes {
		return fmt.Errorf("its aliases add more than %d YAML nodes to it", maxAliasedNodes)
	}
	return nil
}

// countNodes counts the YAML nodes written in data and those it stands for with its
// aliases followed (the latter up to just past what maxAliasedNodes allows). Data that
// is no YAML counts 0: the loader says what is wrong with it.
func countNodes(data []byte) (written, expanded int, err error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return 0, 0, nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return 0, 0, fmt.Errorf("more than one YAML document (a second one starts at line %d); give one document per file", next.Line)
	case !errors.Is(err, io.EOF):
		return 0, 0, nil
	}
	c := expansion{sizes: map[*yaml.Node]int{}, open: map[*yaml.Node]bool{}, limit: len(data) + maxAliasedNodes + 1}
	expanded, err = c.size(&doc, 0)
	return len(c.sizes), expanded, err
}

// expansion counts the nodes a YAML tree stands for with its aliases followed, each node
// counted once per place it appears, and each node's count worked out once.
type expansion struct {
	sizes map[*yaml.Node]int  // nodes counted, by node
	open  map[*yaml.Node]bool // nodes being counted, to catch an alias inside its anchor
	limit int                 // where counts saturate: past every node the data can write, plus the aliases' allowance
}

// maxDepth bounds the nesting followed, aliases included, so that the count cannot
// exhaust the stack.
const maxDepth = 10_000

func (c *expansion) size(n *yaml.Node, depth int) (int, error) {
	if n == nil {
		return 0, nil
	}
	if depth > maxDepth {
		return 0, fmt.Errorf("YAML nested more than %d deep", maxDepth)
	}
	if s, ok := c.sizes[n]; ok {
		return s, nil
	}
	if c.open[n] {
		return 0, errors.New("a YAML alias inside the node it names")
	}
	c.open[n] = true
	defer delete(c.open, n)
	total := 1
	children := n.Content
	if n.Kind == yaml.AliasNode {
		total, children = 0, []*yaml.Node{n.Alias}
	}
	for _, child := range children {
		s, err := c.size(child, depth+1)
		if err != nil {
			return 0, err
		}
		// Saturate: past the limit the exact count no longer matters, and it must not
		// wrap around.
		total = min(total+s, c.limit)
	}
	c.sizes[n] = total
	return total, nil
}
