// Package compat compares two versions of an OpenAPI document and sorts what changed into
// the changes that break clients and those that do not.
//
// The rules are oasdiff's (github.com/oasdiff/oasdiff): a few hundred of them, each with a
// level that follows from what the change does to the values a request or an answer may
// hold. oasdiff has three levels:
//
//   - ERR: the change breaks clients that followed the old document (a new required
//     request property, an operation removed, a request limit narrowed, a required
//     response property removed, ...);
//   - WARN: the change may break them, and oasdiff cannot tell which way it goes (a pattern
//     changed, a request property or parameter removed, a format changed);
//   - INFO: the change breaks no client (an optional request property or an operation
//     added, a response limit narrowed, ...).
//
// Compat counts WARN as breaking, as oasdiff's own breaking-changes report does: calling
// a change that may break clients safe would let it through unseen, while a review of one
// that turns out safe costs a glance. In this project's documents a WARN is seldom a doubt:
// request bodies refuse members they do not list (additionalProperties: false), so a
// request property removed is a request that now gets a 422.
//
// Documents may be YAML or JSON, with $refs inside the document only.
// Each path is compared under its server's path (its own servers, else the document's; an
// absolute URL counts by its path, a relative one as written), so the vendor's absolute
// https://api.outreach.io/api/v2 and this project's relative /api/v2 serve the same
// operations, while a document that moves every operation to /api/v3 breaks every client.
package compat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Document is an OpenAPI document read for a comparison.
type Document struct {
	info *load.SpecInfo
}

// Parse reads an OpenAPI document, YAML or JSON; name says where it came from in errors.
// It refuses what is no valid OpenAPI document, $refs to other files, a YAML stream of more
// than one document, and YAML whose aliases add more than a hundred thousand nodes to it.
func Parse(name string, data []byte) (*Document, error) {
	if err := checkExpansion(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// A loader per document: a loader caches what it read by name.
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true // the line of each change, for Change.Line
	// A path's parameters count as each of its operations' own, as OpenAPI defines them, so
	// that moving one from the path to its operations changes nothing.
	info, err := load.NewSpecInfoFromData(loader, data, name, load.WithFlattenParams())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	doc := info.Spec
	if doc.OpenAPI == "" {
		return nil, fmt.Errorf("%s: not an OpenAPI document (no openapi member)", name)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation(), openapi3.DisableSchemaPatternValidation()); err != nil {
		return nil, fmt.Errorf("%s: invalid OpenAPI document: %w", name, err)
	}
	if err := mountOnServers(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Document{info: info}, nil
}

// mountOnServers puts each path under the path of the server it is served from, so that
// documents are compared by the paths a client sends.
func mountOnServers(doc *openapi3.T) error {
	if doc.Paths == nil {
		return nil
	}
	mounted := openapi3.NewPaths()
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		servers := item.Servers
		if len(servers) == 0 {
			servers = doc.Servers
		}
		base, err := serverPath(servers)
		if err != nil {
			return fmt.Errorf("servers of %s: %w", path, err)
		}
		if mounted.Value(base+path) != nil {
			return fmt.Errorf("two paths are served at %s", base+path)
		}
		mounted.Set(base+path, item)
	}
	doc.Paths = mounted
	return nil
}

// serverPath is the path of the first server, without a trailing slash: "" for none or
// for the root, "/api/v2" for https://api.outreach.io/api/v2 and for /api/v2.
func serverPath(servers openapi3.Servers) (string, error) {
	if len(servers) == 0 {
		return "", nil
	}
	raw := servers[0].URL
	for name, v := range servers[0].Variables {
		raw = strings.ReplaceAll(raw, "{"+name+"}", v.Default)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("server URL %q: %w", servers[0].URL, err)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return path, nil
}

// Level is how much a change matters to clients, as oasdiff rates it.
type Level int

// The levels, from oasdiff's INFO, WARN and ERR.
const (
	Info Level = iota + 1
	Warn
	Err
)

func (l Level) String() string {
	switch l {
	case Err:
		return "ERR"
	case Warn:
		return "WARN"
	default:
		return "INFO"
	}
}

// Side is the part of an exchange a change concerns.
type Side int

// The sides: what clients send, what they get, or the document as a whole (an operation
// removed, its security, a component).
const (
	Neither Side = iota
	Requests
	Responses
)

// Change is one difference between two versions of a document.
type Change struct {
	Level Level
	// Operation is the method and path of the operation changed ("POST
	// /api/v2/opportunityStages"), or the section of the document for a change outside
	// the paths ("components", "security").
	Operation string
	Text      string // what changed, in oasdiff's words
	Rule      string // oasdiff's rule id, e.g. new-required-request-property
	Side      Side
	// Line is where the change is in the new document (1-based), or 0 when it has no
	// place there, as for something removed.
	Line int
	// Args are the rule's arguments, in the order its text uses them: for a change to a
	// request or response property, the first is usually its path (data/attributes/name).
	Args []any
}

// Breaking reports whether the change breaks, or may break, clients.
func (c Change) Breaking() bool { return c.Level >= Warn }

func (c Change) String() string {
	return fmt.Sprintf("%-4s %s: %s", c.Level, c.Operation, c.Text)
}

// Report is what changed from one version of a document to the next, breaking changes
// first.
type Report struct {
	Changes []Change
}

// Breaking counts the changes that break clients.
func (r Report) Breaking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Breaking() {
			n++
		}
	}
	return n
}

// Summary is "N breaking, N other".
func (r Report) Summary() string {
	breaking := r.Breaking()
	return fmt.Sprintf("%d breaking, %d other", breaking, len(r.Changes)-breaking)
}

// Compare lists every change from old to new that oasdiff's rules see.
func Compare(old, new *Document) (Report, error) {
	if old == nil || new == nil {
		return Report{}, errors.New("compare: a document is missing")
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), old.info, new.info)
	if err != nil {
		return Report{}, fmt.Errorf("compare: %w", err)
	}
	config := checker.NewConfig(checker.GetAllChecks())
	sides := map[string]Side{}
	for _, rule := range checker.GetAllRules() {
		sides[rule.Id] = sideOf(rule.Direction)
	}
	words := checker.NewLocalizer("en")
	var report Report
	for _, c := range checker.CheckBackwardCompatibilityUntilLevel(config, d, sources, checker.INFO) {
		change := Change{
			Level:     levelOf(c.GetLevel()),
			Operation: strings.TrimSpace(c.GetOperation() + " " + c.GetPath()),
			Text:      uncounted(c, c.GetUncolorizedText(words)),
			Rule:      c.GetId(),
			Side:      sides[c.GetId()],
			Args:      c.GetArgs(),
		}
		if change.Operation == "" {
			change.Operation = c.GetSection()
		}
		if at := c.GetRevisionSource(); at != nil {
			change.Line = at.Line
		}
		report.Changes = append(report.Changes, change)
	}
	slices.SortStableFunc(report.Changes, func(a, b Change) int { return cmp.Compare(b.Level, a.Level) })
	return report, nil
}

// uncounted rewrites "and N more" in the text of a change to a schema that many
// properties reach, when oasdiff's count of them overflowed and stopped at the largest
// int: the number would be no count at all.
func uncounted(c checker.Change, text string) string {
	shared, ok := c.(interface{ GetSharedSchema() *checker.SharedSchema })
	if !ok {
		return text
	}
	s := shared.GetSharedSchema()
	if s == nil || s.Count != math.MaxInt {
		return text
	}
	return strings.Replace(text, fmt.Sprintf(" and %d more", s.Count-len(s.Properties)), " and more", 1)
}

func levelOf(l checker.Level) Level {
	switch {
	case l >= checker.ERR:
		return Err
	case l == checker.WARN:
		return Warn
	default:
		return Info
	}
}

func sideOf(d checker.Direction) Side {
	switch d {
	case checker.DirectionRequest:
		return Requests
	case checker.DirectionResponse:
		return Responses
	default:
		return Neither
	}
}
