package compat

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages"
)

func parseFile(t *testing.T, path string) *Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func compareFiles(t *testing.T, old, new string) Report {
	t.Helper()
	report, err := Compare(parseFile(t, old), parseFile(t, new))
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func TestServerPath(t *testing.T) {
	tests := []struct {
		name    string
		servers openapi3.Servers
		want    string
	}{
		{"none", nil, ""},
		{"the root", openapi3.Servers{{URL: "/"}}, ""},
		{"relative", openapi3.Servers{{URL: "/api/v2"}}, "/api/v2"},
		{"relative without a slash", openapi3.Servers{{URL: "api/v2"}}, "/api/v2"},
		{"absolute", openapi3.Servers{{URL: "https://api.outreach.io/api/v2/"}}, "/api/v2"},
		{"the first of two", openapi3.Servers{{URL: "https://api.outreach.io/api/v2"}, {URL: "/v3"}}, "/api/v2"},
		{"variables", openapi3.Servers{{
			URL:       "https://{host}/api/{version}",
			Variables: map[string]*openapi3.ServerVariable{"host": {Default: "api.outreach.io"}, "version": {Default: "v2"}},
		}}, "/api/v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := serverPath(tt.servers)
			if err != nil || got != tt.want {
				t.Errorf("serverPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Each path is compared where a client sends it: under its own servers, or else the
// document's.
func TestParsePutsPathsUnderTheirServers(t *testing.T) {
	own := `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /api/v2}]
paths:
  /stages:
    get: {responses: {'200': {description: Stages.}}}
  /oauth/token:
    servers: [{url: /}]
    post: {responses: {'200': {description: A token.}}}
`
	for _, tt := range []struct {
		name string
		doc  []byte
		want []string
	}{
		{"openapi.yaml", oppstages.SpecYAML, []string{"/api/v2/opportunityStages", "/api/v2/opportunityStages/{id}"}},
		{"oauth.yaml", oppstages.OAuthYAML, []string{"/oauth/token", "/oauth/authorize"}},
		{"a path with a server of its own", []byte(own), []string{"/api/v2/stages", "/oauth/token"}},
	} {
		doc, err := Parse(tt.name, tt.doc)
		if err != nil {
			t.Fatal(err)
		}
		paths := doc.info.Spec.Paths.InMatchingOrder()
		for _, want := range tt.want {
			if !slices.Contains(paths, want) {
				t.Errorf("%s: no path %s in %v", tt.name, want, paths)
			}
		}
	}
}

// Two paths a client cannot tell apart make no document to compare.
func TestParseRefusesTwoPathsServedAtOnePlace(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /api}]
paths:
  /v2/stages:
    get: {responses: {'200': {description: Stages.}}}
  /api/v2/stages:
    servers: [{url: /}]
    get: {responses: {'200': {description: Stages.}}}
`
	_, err := Parse("twice.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "two paths are served at /api/v2/stages") {
		t.Errorf("Parse: %v", err)
	}
}

// A change carries its level, side, rule, line in the new document and arguments; a WARN
// is breaking.
func TestCompareDescribesEachChange(t *testing.T) {
	tests := []struct {
		name, new string
		want      Change
		breaking  int
	}{
		{"a request limit narrowed", "testdata/max-length-narrowed.yaml", Change{
			Level: Err, Operation: "POST /api/v2/opportunityStages", Rule: "request-property-max-length-decreased",
			Text: "the `data/attributes/name` request property's maxLength was decreased to `100`",
			Side: Requests, Line: 54, Args: []any{"data/attributes/name", uint64(100)},
		}, 1},
		{"a request property removed", "testdata/request-property-removed.yaml", Change{
			Level: Warn, Operation: "POST /api/v2/opportunityStages", Rule: "request-property-removed",
			Text: "removed the request property `data/attributes/order`",
			Side: Requests, Line: 0, Args: []any{"data/attributes/order"},
		}, 1},
		{"a required response property removed", "testdata/response-property-removed.yaml", Change{
			Level: Err, Operation: "GET /api/v2/opportunityStages", Rule: "response-required-property-removed",
			Text: "removed the required property `data/items/type` from the response with the `200` status",
			Side: Responses, Args: []any{"data/items/type", "200"},
		}, 3},
		{"an operation removed", "testdata/operation-removed.yaml", Change{
			Level: Err, Operation: "DELETE /api/v2/opportunityStages/{id}", Rule: "api-removed-without-deprecation",
			Text: "API removed without deprecation", Side: Neither, Args: []any{},
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			report := compareFiles(t, "testdata/base.yaml", tt.new)
			if len(report.Changes) == 0 {
				t.Fatal("no changes")
			}
			if diff := cmp.Diff(tt.want, report.Changes[0], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("first change mismatch (-want +got):\n%s", diff)
			}
			if report.Breaking() != tt.breaking {
				t.Errorf("%d breaking, want %d: %v", report.Breaking(), tt.breaking, report.Changes)
			}
		})
	}
}

func TestBreakingIsWarnAndAbove(t *testing.T) {
	for level, want := range map[Level]bool{Info: false, Warn: true, Err: true} {
		if got := (Change{Level: level}).Breaking(); got != want {
			t.Errorf("%s breaking = %v, want %v", level, got, want)
		}
	}
	r := Report{Changes: []Change{{Level: Err}, {Level: Warn}, {Level: Info}}}
	if got := r.Summary(); got != "2 breaking, 1 other" {
		t.Errorf("summary %q", got)
	}
}

func TestCompareWantsTwoDocuments(t *testing.T) {
	if _, err := Compare(nil, parseFile(t, "testdata/base.yaml")); err == nil {
		t.Error("no error for a missing document")
	}
}

// Patterns are ECMA-262 regular expressions, lookahead and lookbehind included, which
// Go's regexp does not compile: such documents are valid, and a changed pattern is still
// a change.
func TestComparesPatternsGoCannotCompile(t *testing.T) {
	report := compareFiles(t, "testdata/lookahead-pattern.yaml", "testdata/lookbehind-pattern.yaml")
	want := "WARN GET /a: changed the pattern of the `query` request parameter `q` from `^(?=.*[a-z]).+$` to `^(?<!x).+$`"
	if len(report.Changes) != 1 || report.Changes[0].String() != want {
		t.Errorf("changes %v, want %q", report.Changes, want)
	}
	if got := compareFiles(t, "testdata/lookahead-pattern.yaml", "testdata/lookahead-pattern.yaml"); len(got.Changes) != 0 {
		t.Errorf("a document against itself: %v", got.Changes)
	}
}
