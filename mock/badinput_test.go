package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

const stages = "/api/v2/opportunityStages"

func TestBadInputGetsAClearErrorAndChangesNothing(t *testing.T) {
	const vnd = "application/vnd.api+json"
	long := strings.Repeat("n", 256)
	tests := []struct {
		name   string
		req    apitest.Request
		status int
		id     string
		at     string // source.pointer or source.parameter, when the error names one
	}{
		{"malformed JSON", apitest.Request{Method: "POST", Target: stages, Body: `{"data":`, ContentType: vnd}, 400, "badRequest", ""},
		{"not JSON at all", apitest.Request{Method: "POST", Target: stages, Body: `name=x`, ContentType: vnd}, 400, "badRequest", ""},
		{"array for document", apitest.Request{Method: "POST", Target: stages, Body: `[]`, ContentType: vnd}, 422, "validationError", ""},
		{"array for data", apitest.Request{Method: "POST", Target: stages, Body: `{"data":[]}`, ContentType: vnd}, 422, "validationError", "/data"},
		{"array for attributes", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":[]}}`, ContentType: vnd}, 422, "validationError", "/data/attributes"},
		{"missing data", apitest.Request{Method: "POST", Target: stages, Body: `{}`, ContentType: vnd}, 422, "validationError", "/data"},
		{"missing type", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"attributes":{"name":"x"}}}`, ContentType: vnd}, 422, "validationError", "/data/type"},
		{"wrong type", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunity"}}`, ContentType: vnd}, 409, "conflict", "/data/type"},
		{"client id", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","id":5}}`, ContentType: vnd}, 422, "validationError", "/data/id"},
		{"name wrong type", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":5}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/name"},
		{"order as string", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"order":"1"}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/order"},
		{"order fraction", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"order":1.5}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/order"},
		{"order huge", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"order":1e40}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/order"},
		{"isClosed as string", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"isClosed":"yes"}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/isClosed"},
		{"256-character name", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"` + long + `"}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/name"},
		{"blank name", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":""}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/name"},
		{"unknown attribute", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"stageType":"won"}}}`, ContentType: vnd}, 400, "permittedParams.unknownAttribute", "/data/attributes/stageType"},
		{"read-only createdAt", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"createdAt":"2020-01-01T00:00:00Z"}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/createdAt"},
		{"null read-only updatedAt", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"updatedAt":null}}}`, ContentType: vnd}, 422, "validationError", "/data/attributes/updatedAt"},
		{"empty body", apitest.Request{Method: "POST", Target: stages, ContentType: vnd}, 400, "badRequest", ""},
		{"text media type", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage"}}`, ContentType: "text/plain"}, 415, "unsupportedMediaType", ""},
		{"json media type, another charset", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage"}}`, ContentType: "application/json; charset=iso-8859-1"}, 415, "unsupportedMediaType", ""},
		{"json media type, another parameter", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage"}}`, ContentType: "application/json; profile=x"}, 415, "unsupportedMediaType", ""},
		{"bytes after the document", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}} x`, ContentType: vnd}, 400, "badRequest", ""},
		{"a second document", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}{}`, ContentType: "application/json"}, 400, "badRequest", ""},
		{"bytes after a patch", apitest.Request{Method: "PATCH", Target: stages + "/1", Body: `{"data":{"type":"opportunityStage","id":1,"attributes":{"name":"x"}}}]`, ContentType: vnd}, 400, "badRequest", ""},
		{"no media type", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage"}}`}, 415, "unsupportedMediaType", ""},
		{"media type parameter", apitest.Request{Method: "PATCH", Target: stages + "/1", Body: `{"data":{"type":"opportunityStage","id":1}}`, ContentType: vnd + "; charset=utf-8"}, 415, "unsupportedMediaType", ""},
		{"huge body", apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"` + strings.Repeat("x", 2<<20) + `"}}}`, ContentType: vnd}, 413, "requestEntityTooLarge", ""},
		{"huge id", apitest.Request{Method: "GET", Target: stages + "/99999999999999999999999"}, 400, "badRequest", "id"},
		{"negative id", apitest.Request{Method: "GET", Target: stages + "/-4"}, 400, "badRequest", "id"},
		{"id not a number", apitest.Request{Method: "DELETE", Target: stages + "/abc"}, 400, "badRequest", "id"},
		{"patch id mismatch", apitest.Request{Method: "PATCH", Target: stages + "/1", Body: `{"data":{"type":"opportunityStage","id":2}}`, ContentType: vnd}, 409, "conflict", "/data/id"},
		{"unknown parameter", apitest.Request{Method: "GET", Target: stages + "?colour=red"}, 400, "badRequest", "colour"},
		{"over 10,000 parameters", apitest.Request{Method: "GET", Target: stages + "?" + strings.Repeat("a&", 10001) + "filter%5Bcolor%5D=red"}, 400, "badRequest", "a"},
		{"a semicolon is part of the value", apitest.Request{Method: "GET", Target: stages + "?sort=color;x"}, 400, "sortParameter.unsortableField", "sort"},
		{"a malformed escape in a name", apitest.Request{Method: "GET", Target: stages + "?%zz=1"}, 400, "badRequest", ""},
		{"a malformed escape in a value", apitest.Request{Method: "GET", Target: stages + "?filter%5Bname%5D=%"}, 400, "badRequest", "filter[name]"},
		{"repeated parameter, last one bad", apitest.Request{Method: "GET", Target: stages + "?sort=name&sort=color"}, 400, "sortParameter.unsortableField", "sort"},
		{"operator without newFilterSyntax", apitest.Request{Method: "GET", Target: stages + "?filter[updatedAt][gte]=2024-01-01"}, 400, "badRequest", "filter[updatedAt][gte]"},
		{"list without newFilterSyntax", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=false&filter[name][]=a"}, 400, "badRequest", "filter[name][]"},
		{"newFilterSyntax not boolean", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=yes"}, 400, "badRequest", "newFilterSyntax"},
		{"operator on isClosed", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[isClosed][gt]=false"}, 400, "badRequest", "filter[isClosed][gt]"},
		{"unknown operator", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[order][ne]=1"}, 400, "badRequest", "filter[order][ne]"},
		{"operator on color", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[color][gte]=a"}, 400, "filterParameter.unfilterableField", "filter[color][gte]"},
		{"operator value not an integer", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[order][gte]=1..3"}, 400, "badRequest", "filter[order][gte]"},
		{"operator date garbage", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[updatedAt][lte]=soon"}, 400, "filterParameter.invalidDatetimeFormat", "filter[updatedAt][lte]"},
		{"operator impossible date", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[createdAt][gt]=2024-02-30"}, 400, "filterParameter.invalidDatetimeFormat", "filter[createdAt][gt]"},
		{"list item not an id", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[id][]=1&filter[id][]=x"}, 400, "badRequest", "filter[id][]"},
		{"list item not boolean", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[isClosed][]=maybe"}, 400, "badRequest", "filter[isClosed][]"},
		{"null test in a list", apitest.Request{Method: "GET", Target: stages + "?filter[order]=__null__,1"}, 400, "badRequest", "filter[order]"},
		{"comparison value too long", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[name][gte]=" + strings.Repeat("n", 4097)}, 400, "badRequest", "filter[name][gte]"},
		{"list value too long", apitest.Request{Method: "GET", Target: stages + "?newFilterSyntax=true&filter[name][]=a&filter[name][]=" + strings.Repeat("n", 4097)}, 400, "badRequest", "filter[name][]"},
		{"offset too big", apitest.Request{Method: "GET", Target: stages + "?page[offset]=10001"}, 400, "badRequest", "page[offset]"},
		{"offset negative", apitest.Request{Method: "GET", Target: stages + "?page[offset]=-1"}, 400, "badRequest", "page[offset]"},
		{"limit too big", apitest.Request{Method: "GET", Target: stages + "?page[limit]=1001"}, 400, "badRequest", "page[limit]"},
		{"limit zero", apitest.Request{Method: "GET", Target: stages + "?page[offset]=0&page[limit]=0"}, 400, "badRequest", "page[limit]"},
		{"offset with page size", apitest.Request{Method: "GET", Target: stages + "?page[offset]=5&page[size]=5"}, 400, "badRequest", "page[offset]"},
		{"limit with cursor", apitest.Request{Method: "GET", Target: stages + "?page[limit]=5&page[before]=abc"}, 400, "pageParameter.invalidCursor", "page[before]"},
		{"filter on color", apitest.Request{Method: "GET", Target: stages + "?filter%5Bcolor%5D=red"}, 400, "filterParameter.unfilterableField", "filter[color]"},
		{"filter on creator", apitest.Request{Method: "GET", Target: stages + "?filter%5Bcreator%5D%5Bid%5D=1"}, 400, "filterParameter.unfilterableField", "filter[creator][id]"},
		{"filter on unknown field", apitest.Request{Method: "GET", Target: stages + "?filter%5Bstage%5D=1"}, 400, "filterParameter.unfilterableField", "filter[stage]"},
		{"invalid date", apitest.Request{Method: "GET", Target: stages + "?filter%5BcreatedAt%5D=2024-02-30"}, 400, "filterParameter.invalidDatetimeFormat", "filter[createdAt]"},
		{"date garbage", apitest.Request{Method: "GET", Target: stages + "?filter%5BupdatedAt%5D=yesterday"}, 400, "filterParameter.invalidDatetimeFormat", "filter[updatedAt]"},
		{"order range garbage", apitest.Request{Method: "GET", Target: stages + "?filter%5Border%5D=1..two"}, 400, "badRequest", "filter[order]"},
		{"isClosed garbage", apitest.Request{Method: "GET", Target: stages + "?filter%5BisClosed%5D=maybe"}, 400, "badRequest", "filter[isClosed]"},
		{"sort on color", apitest.Request{Method: "GET", Target: stages + "?sort=color"}, 400, "sortParameter.unsortableField", "sort"},
		{"sort empty key", apitest.Request{Method: "GET", Target: stages + "?sort=name,,order"}, 400, "sortParameter.unsortableField", "sort"},
		{"page size zero", apitest.Request{Method: "GET", Target: stages + "?page%5Bsize%5D=0"}, 400, "badRequest", "page[size]"},
		{"page size too big", apitest.Request{Method: "GET", Target: stages + "?page%5Bsize%5D=1001"}, 400, "badRequest", "page[size]"},
		{"page size not a number", apitest.Request{Method: "GET", Target: stages + "?page%5Bsize%5D=ten"}, 400, "badRequest", "page[size]"},
		{"bad cursor", apitest.Request{Method: "GET", Target: stages + "?page%5Bafter%5D=not-a-cursor"}, 400, "pageParameter.invalidCursor", "page[after]"},
		{"cursor with bad characters", apitest.Request{Method: "GET", Target: stages + "?page%5Bbefore%5D=%7B%7D"}, 400, "pageParameter.invalidCursor", "page[before]"},
		{"unknown fields type", apitest.Request{Method: "GET", Target: stages + "?fields%5Baccount%5D=name"}, 400, "fieldsParameter.unknownResourceField", "fields[account]"},
		{"unknown field", apitest.Request{Method: "GET", Target: stages + "?fields%5BopportunityStage%5D=name,stageType"}, 400, "fieldsParameter.unknownResourceField", "fields[opportunityStage]"},
		{"unknown include", apitest.Request{Method: "GET", Target: stages + "?include=opportunities"}, 400, "badRequest", "include"},
		{"count not boolean", apitest.Request{Method: "GET", Target: stages + "?count=1"}, 400, "badRequest", "count"},
		{"unknown route", apitest.Request{Method: "GET", Target: "/api/v2/opportunityStage"}, 404, "routeNotFound", ""},
		{"unknown method", apitest.Request{Method: "PUT", Target: stages + "/1", Body: `{}`, ContentType: vnd}, 404, "routeNotFound", ""},
		{"no token", apitest.Request{Method: "POST", Target: stages, Token: "-", Body: `{"data":{"type":"opportunityStage"}}`, ContentType: vnd}, 401, "", ""},
	}
	s, c := newServer(t, mock.Options{})
	before := c.Get("/__admin/state").Body
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Do(tt.req)
			e := wantError(t, r, tt.status, tt.id)
			if tt.status == http.StatusUnauthorized {
				return
			}
			if at := e.Pointer + e.Parameter; at != tt.at {
				t.Errorf("source %q, want %q", at, tt.at)
			}
			if e.Detail == "" && e.Details == "" {
				t.Error("error has no detail")
			}
			if strings.Contains(e.Detail, "Schema:") || strings.Contains(e.Detail, long) {
				t.Errorf("detail leaks validator output or input: %.200s", e.Detail)
			}
		})
	}
	after := c.Get("/__admin/state").Body
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("rejected requests changed the state (-before +after):\n%s", diff)
	}
	if s.Len() != 8 {
		t.Errorf("%d stages after rejected requests, want 8", s.Len())
	}
}

// JSON:API 1.0 asks servers to ignore the members it does not define, so a write that
// carries some beside data, or in the resource object beside type, id, attributes and
// relationships, is answered as if they were absent. Unknown attributes are still refused.
func TestMembersJSONAPIDoesNotDefineAreIgnored(t *testing.T) {
	tests := []struct {
		name, method, target, body string
		status                     int
	}{
		{"create, top level", "POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Extra"}},"extra":1,"meta":{"by":"sync"},"jsonapi":{"version":"1.0"}}`, http.StatusCreated},
		{"create, resource object", "POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Extra"},"meta":{"by":"sync"},"links":{"self":"x"},"extra":true}}`, http.StatusCreated},
		{"update, top level", "PATCH", stages + "/2", `{"data":{"type":"opportunityStage","id":2,"attributes":{"name":"Extra"}},"extra":[1]}`, http.StatusOK},
		{"update, resource object", "PATCH", stages + "/2", `{"data":{"type":"opportunityStage","id":2,"attributes":{"name":"Extra"},"meta":{},"extra":null}}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newServer(t, mock.Options{})
			r := c.Send(tt.method, tt.target, tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.Status, tt.status, r.Body)
			}
			var st stage
			r.Data(t, &st)
			if st.Attributes.Name == nil || *st.Attributes.Name != "Extra" {
				t.Errorf("name = %v, want Extra: the attributes were not applied", st.Attributes.Name)
			}
		})
	}
}

func TestOneErrorPerProblem(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"","order":"x","color":5}}}`)
	wantError(t, r, 422, "validationError")
	var pointers []string
	for _, e := range r.Errors() {
		pointers = append(pointers, e.Pointer)
	}
	want := []string{"/data/attributes/color", "/data/attributes/name", "/data/attributes/order"}
	if diff := cmp.Diff(want, pointers); diff != "" {
		t.Errorf("pointers (-want +got):\n%s", diff)
	}
}
