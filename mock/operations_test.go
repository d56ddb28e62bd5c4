package mock_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{})

	created := c.Send("POST", "/api/v2/opportunityStages",
		`{"data":{"type":"opportunityStage","attributes":{"name":"Renewal","order":9,"isClosed":false,"color":"#123ABC"}}}`)
	if created.Status != http.StatusCreated {
		t.Fatalf("create: status %d\n%s", created.Status, created.Body)
	}
	var st stage
	created.Data(t, &st)
	if st.ID != 9 {
		t.Errorf("new id = %d, want 9 (one above the fixtures' largest)", st.ID)
	}
	if st.Attributes.CreatedAt != "2026-03-01T12:00:00.123Z" || st.Attributes.UpdatedAt != st.Attributes.CreatedAt {
		t.Errorf("timestamps = %s / %s, want both from the clock in the vendor's format", st.Attributes.CreatedAt, st.Attributes.UpdatedAt)
	}
	if st.Links.Self != "http://mock.test/api/v2/opportunityStages/9" {
		t.Errorf("links.self = %s", st.Links.Self)
	}
	if st.Relationships.Creator.Data == nil || st.Relationships.Creator.Data.ID != 1 {
		t.Errorf("creator = %+v, want user 1", st.Relationships.Creator.Data)
	}

	got := c.Get("/api/v2/opportunityStages/9")
	var fetched stage
	got.Data(t, &fetched)
	if diff := cmp.Diff(st, fetched); diff != "" {
		t.Errorf("get differs from create (-created +got):\n%s", diff)
	}

	clock.Advance(90 * time.Second)
	patched := c.Send("PATCH", "/api/v2/opportunityStages/9",
		`{"data":{"type":"opportunityStage","id":9,"attributes":{"name":"Renewal / Expansion","color":null}}}`)
	if patched.Status != http.StatusOK {
		t.Fatalf("patch: status %d\n%s", patched.Status, patched.Body)
	}
	var after stage
	patched.Data(t, &after)
	want := st
	want.Attributes.Name = strp("Renewal / Expansion")
	want.Attributes.Color = nil
	want.Attributes.UpdatedAt = "2026-03-01T12:01:30.123Z"
	if diff := cmp.Diff(want, after); diff != "" {
		t.Errorf("patch changed more or less than sent (-want +got):\n%s", diff)
	}

	del := c.Do(apitest.Request{Method: "DELETE", Target: "/api/v2/opportunityStages/9"})
	if del.Status != http.StatusNoContent || len(del.Body) != 0 {
		t.Fatalf("delete: status %d body %q, want 204 and no body", del.Status, del.Body)
	}
	e := wantError(t, c.Get("/api/v2/opportunityStages/9"), 404, "resourceNotFound")
	if e.Detail != "Could not find 'opportunityStage' with ID '9'." {
		t.Errorf("404 detail = %q", e.Detail)
	}
	wantError(t, c.Do(apitest.Request{Method: "DELETE", Target: "/api/v2/opportunityStages/9"}), 404, "resourceNotFound")

	again := c.Send("POST", "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"name":"Again"}}}`)
	var next stage
	again.Data(t, &next)
	if next.ID != 10 {
		t.Errorf("id after a delete = %d, want 10: ids are never reused", next.ID)
	}
}

func TestPatchRules(t *testing.T) {
	tests := []struct {
		name   string
		target string
		body   string
		status int
		id     string
	}{
		{"id differs from path", "/api/v2/opportunityStages/2", `{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"x"}}}`, 409, "conflict"},
		{"wrong type", "/api/v2/opportunityStages/2", `{"data":{"type":"account","id":2}}`, 409, "conflict"},
		{"missing id", "/api/v2/opportunityStages/2", `{"data":{"type":"opportunityStage","attributes":{"name":"x"}}}`, 422, "validationError"},
		{"read-only updatedAt", "/api/v2/opportunityStages/2", `{"data":{"type":"opportunityStage","id":2,"attributes":{"updatedAt":"2020-01-01T00:00:00Z"}}}`, 422, "validationError"},
		{"relationship", "/api/v2/opportunityStages/2", `{"data":{"type":"opportunityStage","id":2,"relationships":{"creator":{"data":{"type":"user","id":2}}}}}`, 422, "validationError"},
		{"unknown stage", "/api/v2/opportunityStages/77", `{"data":{"type":"opportunityStage","id":77,"attributes":{"name":"x"}}}`, 404, "resourceNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newServer(t, mock.Options{})
			wantError(t, c.Send("PATCH", tt.target, tt.body), tt.status, tt.id)
		})
	}
}

func TestEmptyPatchOnlyMovesUpdatedAt(t *testing.T) {
	_, c, clock := newServerClock(t, mock.Options{})
	var before, after stage
	c.Get("/api/v2/opportunityStages/3").Data(t, &before)
	clock.Advance(time.Minute)
	c.Send("PATCH", "/api/v2/opportunityStages/3", `{"data":{"type":"opportunityStage","id":3}}`).Data(t, &after)
	if after.Attributes.UpdatedAt == before.Attributes.UpdatedAt || after.Attributes.CreatedAt != before.Attributes.CreatedAt {
		t.Errorf("updatedAt %s -> %s, createdAt %s -> %s: want only updatedAt to move",
			before.Attributes.UpdatedAt, after.Attributes.UpdatedAt, before.Attributes.CreatedAt, after.Attributes.CreatedAt)
	}
	after.Attributes.UpdatedAt = before.Attributes.UpdatedAt
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("empty patch changed attributes (-before +after):\n%s", diff)
	}
}

func TestUsersResolveCreatorLinks(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	doc := decodeList(t, c.Get("/api/v2/opportunityStages?page%5Bsize%5D=100"))
	seen := map[int64]bool{}
	for _, st := range doc.Data {
		creator := st.Relationships.Creator.Data
		if creator == nil || seen[creator.ID] {
			continue
		}
		seen[creator.ID] = true
		target := nextTarget(t, strings.Replace(st.Links.Self, "/opportunityStages/"+itoa(st.ID), "/users/"+itoa(creator.ID), 1))
		if r := c.Get(target); r.Status != http.StatusOK {
			t.Errorf("creator %d of stage %d: GET %s = %d", creator.ID, st.ID, target, r.Status)
		}
	}
	if len(seen) < 2 {
		t.Errorf("fixtures have %d distinct creators, want several", len(seen))
	}
	wantError(t, c.Get("/api/v2/users/999"), 404, "resourceNotFound")
}

func TestSparseFieldsetsAndMeta(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Get("/api/v2/opportunityStages/1?fields%5BopportunityStage%5D=name,order&provideAuthorizationMeta=true&provideDataConnections=true")
	var doc map[string]any
	r.Data(t, &doc)
	want := map[string]any{
		"type":       "opportunityStage",
		"id":         1.0,
		"attributes": map[string]any{"name": "Prospecting", "order": 1.0},
		"links":      map[string]any{"self": "http://mock.test/api/v2/opportunityStages/1"},
		"meta":       map[string]any{"canWrite": true, "canDelete": true, "dataConnections": []any{}},
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("sparse stage (-want +got):\n%s", diff)
	}
}

func TestIncludeCreatorOnGet(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	r := c.Get("/api/v2/opportunityStages/8?include=creator&fields%5Buser%5D=firstName,lastName")
	included, _ := r.JSON["included"].([]any)
	want := []any{map[string]any{
		"type": "user", "id": 3.0,
		"attributes": map[string]any{"firstName": "Priya", "lastName": "Raman"},
		"links":      map[string]any{"self": "http://mock.test/api/v2/users/3"},
	}}
	if diff := cmp.Diff(want, included); diff != "" {
		t.Errorf("included (-want +got):\n%s", diff)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
