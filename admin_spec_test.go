package oppstages_test

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
)

func mustAdminSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := oppstages.AdminSpec()
	if err != nil {
		t.Fatalf("embedded admin.yaml: %v", err)
	}
	return doc
}

// admin.yaml loads as OpenAPI 3.0.3 (examples validated against their schemas), with the
// one relative server the admin API sits under.
func TestAdminSpecIsValidOpenAPI303(t *testing.T) {
	doc := mustAdminSpec(t)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/__admin" {
		t.Errorf("servers = %v, want the single relative server /__admin", doc.Servers)
	}
	if _, err := oppstages.ParseSpec([]byte(strings.Replace(string(oppstages.AdminYAML), "{status: reset, stages: 8}", "{status: reset, stages: eight}", 1))); err == nil {
		t.Error("ParseSpec accepted admin.yaml with an example whose stages is a string; the examples are not checked")
	}
}

// Every operation of admin.yaml is one a generated client can name and a reader can find:
// a unique operationId, a summary, a description and a declared tag; it documents a
// success (or the redirect it answers) and at least one refusal. Every call but the
// dashboard's takes X-Mock-Sandbox, may be refused with 401, 403 and 431, and answers
// every refusal in the admin error shape; every request body has an example.
func TestEveryAdminOperationIsDocumented(t *testing.T) {
	doc := mustAdminSpec(t)
	var tags []string
	for _, tag := range doc.Tags {
		tags = append(tags, tag.Name)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := seen[op.OperationID]; dup {
				t.Errorf("%s: operationId %s is %s's too", where, op.OperationID, other)
			}
			seen[op.OperationID] = where
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s: a summary and a description, please", where)
			}
			if len(op.Tags) != 1 || !slices.Contains(tags, op.Tags[0]) {
				t.Errorf("%s: tags %v, want one of the document's %v", where, op.Tags, tags)
			}
			var success, refusal bool
			for code := range op.Responses.Map() {
				success = success || code[0] == '2' || code[0] == '3'
				refusal = refusal || code[0] == '4'
			}
			if !success || !refusal {
				t.Errorf("%s: answers %v; want a success (or redirect) and at least one refusal", where, slices.Sorted(maps.Keys(op.Responses.Map())))
			}
			if op.RequestBody != nil {
				for mt, content := range op.RequestBody.Value.Content {
					if content.Example == nil && len(content.Examples) == 0 {
						t.Errorf("%s: the %s request body has no example", where, mt)
					}
				}
			}
			if strings.HasPrefix(path, "/ui") {
				continue // the dashboard's files: no sandbox, no token, plain text refusals
			}
			if op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "X-Mock-Sandbox") == nil {
				t.Errorf("%s: no X-Mock-Sandbox parameter", where)
			}
			for _, code := range []int{401, 403, 431} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: no %d answer", where, code)
				}
			}
			for code, resp := range op.Responses.Map() {
				if n, _ := strconv.Atoi(code); n < 400 {
					continue
				}
				content := resp.Value.Content
				if len(content) != 1 || content["application/json"] == nil || content["application/json"].Schema.Ref != "#/components/schemas/AdminError" {
					t.Errorf("%s: the %s answer is not the admin error (application/json, AdminError)", where, code)
				}
			}
		}
	}
}

// Every object the admin API answers or takes is closed, so that a member the mock adds,
// drops or misspells fails a test instead of passing unseen: each object schema among
// the components says what else it allows (nothing, or values of one schema).
func TestAdminObjectsAreClosed(t *testing.T) {
	doc := mustAdminSpec(t)
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if !s.Type.Is(openapi3.TypeObject) {
			continue
		}
		closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
		if !closed && s.AdditionalProperties.Schema == nil {
			t.Errorf("schema %s: set additionalProperties (false, or the schema of the values)", name)
		}
	}
}
