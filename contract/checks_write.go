package contract

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages/internal/clip"
)

const vnd = "application/vnd.api+json"

// create posts a body and requires 201; the new record is tracked for clean-up.
func (s *session) create(ctx context.Context, body string) (resource, error) {
	rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages", body: body, contentType: vnd})
	if err != nil {
		return resource{}, err
	}
	if rep.status >= 200 && rep.status < 300 {
		if r, err := rep.one(); err == nil {
			s.track(r.ID)
		}
	}
	if err := expectStatus(rep, http.StatusCreated, "POST /opportunityStages"); err != nil {
		return resource{}, err
	}
	r, err := rep.one()
	if err != nil {
		return resource{}, err
	}
	// JSON:API 1.0, Creating Resources: a Location header must match the new record's
	// links.self.
	if at, self := rep.header.Get("Location"), r.Links["self"]; at != "" && self != nil && at != self {
		return resource{}, fmt.Errorf("POST /opportunityStages -> 201 has Location %q, but the new record's links.self is %q", at, self)
	}
	return r, nil
}

func (s *session) fetch(ctx context.Context, id int64) (resource, error) {
	rep, err := s.get(ctx, fmt.Sprintf("/opportunityStages/%d", id))
	if err != nil {
		return resource{}, err
	}
	return rep.one()
}

// echoes checks that the stored attributes equal the ones sent, and that the server made
// the id and both timestamps.
func echoes(sent map[string]any, got resource) error {
	want := map[string]any{}
	for k, v := range sent {
		if n, ok := v.(int64); ok {
			v = float64(n)
		}
		want[k] = v
	}
	gotSent := map[string]any{}
	for k := range sent {
		gotSent[k] = got.Attrs[k]
	}
	if diff := cmp.Diff(printable(want), printable(gotSent)); diff != "" {
		return fmt.Errorf("record %d does not echo what was sent (-sent +stored):\n%s", got.ID, diff)
	}
	if got.ID <= 0 {
		return fmt.Errorf("server-made id %d is not positive", got.ID)
	}
	for _, ts := range []string{"createdAt", "updatedAt"} {
		v, _ := got.Attrs[ts].(string)
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			return fmt.Errorf("record %d: %s %q is not a server-made timestamp", got.ID, ts, v)
		}
	}
	return nil
}

func sameRecord(a, b resource) error {
	if diff := cmp.Diff(printable(a.raw), printable(b.raw), cmpopts.IgnoreMapEntries(func(k string, _ any) bool { return k == "meta" })); diff != "" {
		return fmt.Errorf("record %d read back differs (-written +read):\n%s", a.ID, diff)
	}
	return nil
}

func checkCreateRoundTrip(ctx context.Context, s *session) error {
	sent := map[string]any{"name": "Contract Check", "order": int64(4242), "isClosed": false, "color": "#0A0B0C"}
	created, err := s.create(ctx, validBody(sent))
	if err != nil {
		return err
	}
	if err := echoes(sent, created); err != nil {
		return err
	}
	read, err := s.fetch(ctx, created.ID)
	if err != nil {
		return err
	}
	return sameRecord(created, read)
}

func checkPartialUpdate(ctx context.Context, s *session) error {
	created, err := s.create(ctx, validBody(map[string]any{"name": "Before", "order": int64(7), "isClosed": true, "color": "#111111"}))
	if err != nil {
		return err
	}
	// Timestamps may have second resolution: wait so that a new updatedAt must differ.
	select {
	case <-time.After(1100 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	body := fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"After","color":null}}}`, created.ID)
	rep, err := s.do(ctx, request{method: http.MethodPatch, path: fmt.Sprintf("/opportunityStages/%d", created.ID), body: body, contentType: vnd})
	if err != nil {
		return err
	}
	if err := expectStatus(rep, http.StatusOK, "PATCH"); err != nil {
		return err
	}
	updated, err := rep.one()
	if err != nil {
		return err
	}
	want := map[string]any{}
	for k, v := range created.Attrs {
		want[k] = v
	}
	want["name"], want["color"] = "After", nil
	want["updatedAt"] = updated.Attrs["updatedAt"]
	if diff := cmp.Diff(printable(want), printable(updated.Attrs)); diff != "" {
		return fmt.Errorf("PATCH of name and color changed other attributes too (-want +got):\n%s", diff)
	}
	if c, ok := compareValues(updated.Attrs["updatedAt"], created.Attrs["updatedAt"], false); !ok || c <= 0 {
		return fmt.Errorf("updatedAt did not move forward: %s -> %s", show(created.Attrs["updatedAt"]), show(updated.Attrs["updatedAt"]))
	}
	read, err := s.fetch(ctx, created.ID)
	if err != nil {
		return err
	}
	return sameRecord(updated, read)
}

func checkDelete(ctx context.Context, s *session) error {
	created, err := s.create(ctx, validBody(map[string]any{"name": "To delete"}))
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/opportunityStages/%d", created.ID)
	rep, err := s.do(ctx, request{method: http.MethodDelete, path: path})
	if err != nil {
		return err
	}
	if err := expectStatus(rep, http.StatusNoContent, "DELETE"); err != nil {
		return err
	}
	s.forget(created.ID)
	if len(rep.body) > 0 {
		return fmt.Errorf("DELETE answered 204 with a %d-byte body", len(rep.body))
	}
	after, err := s.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return err
	}
	if after.status != http.StatusNotFound {
		s.track(created.ID)
		return fmt.Errorf("GET after DELETE: status %d, want 404", after.status)
	}
	if after.firstErrorID() == "" {
		return errors.New("the 404 after DELETE carries no JSON:API error")
	}
	return nil
}

func checkWrongMediaType(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages",
		body: validBody(map[string]any{"name": "Wrong media type"}), contentType: "text/plain"})
	if err != nil {
		return err
	}
	if r, err := rep.one(); err == nil && rep.status < 300 {
		s.track(r.ID)
	}
	if err := expectStatus(rep, http.StatusUnsupportedMediaType, "POST as text/plain"); err != nil {
		return err
	}
	return s.identity(rep, "POST as text/plain", errorUnsupportedMediaType).orNil()
}

// checkUnknownAttribute creates a stage with an attribute the type does not have: the
// vendor refuses it with its error for an unknown attribute, and creates nothing.
func checkUnknownAttribute(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages",
		body: validBody(map[string]any{"name": "Unknown attribute", "stageType": "open"}), contentType: vnd})
	if err != nil {
		return err
	}
	if r, err := rep.one(); err == nil && rep.status < 300 {
		s.track(r.ID)
	}
	return s.identity(rep, "POST with the attribute stageType", errorUnknownAttribute).orNil()
}

func checkOverLongName(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages",
		body: overLongName(), contentType: vnd})
	if err != nil {
		return err
	}
	if r, err := rep.one(); err == nil && rep.status < 300 {
		s.track(r.ID)
	}
	if err := expectStatus(rep, http.StatusUnprocessableEntity, "POST a 256-character name"); err != nil {
		return err
	}
	if !pointsAt(rep, "/data/attributes/name") {
		return fmt.Errorf("no error points at /data/attributes/name: %s", clip.To(string(rep.body), 400))
	}
	return s.identity(rep, "POST a 256-character name", errorValidation).orNil()
}

// generatedCount is how many bodies each generated check sends.
const generatedCount = 12

func checkGeneratedValid(ctx context.Context, s *session) error {
	schema, err := s.attributeSchema()
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(s.cfg.Seed, 21))
	for i := range generatedCount {
		attrs := map[string]any{}
		for _, name := range writable(schema) {
			if rng.IntN(5) > 0 {
				attrs[name] = validValue(name, schema.Properties[name].Value, rng)
			}
		}
		created, err := s.create(ctx, validBody(attrs))
		if err != nil {
			return fmt.Errorf("generated body %d %s: %w", i, validBody(attrs), err)
		}
		if err := echoes(attrs, created); err != nil {
			return fmt.Errorf("generated body %d: %w", i, err)
		}
		read, err := s.fetch(ctx, created.ID)
		if err != nil {
			return err
		}
		if err := sameRecord(created, read); err != nil {
			return err
		}
	}
	return nil
}

// checkGeneratedInvalid posts every body that breaks one constraint: each must get a
// 4xx. A body that gets no answer is a problem of its own, and the rest are still sent.
func checkGeneratedInvalid(ctx context.Context, s *session) error {
	schema, err := s.attributeSchema()
	if err != nil {
		return err
	}
	var problems []string
	for _, bad := range invalidBodies(schema, rand.New(rand.NewPCG(s.cfg.Seed, 22))) {
		if ctx.Err() != nil {
			problems = append(problems, fmt.Sprintf("the run was stopped before %s was sent", bad.what))
			break
		}
		rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages", body: bad.body, contentType: vnd})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v; body sent: %s", bad.what, err, clip.To(bad.body, 200)))
			continue
		}
		if rep.status < 400 || rep.status >= 500 {
			if r, err := rep.one(); err == nil && rep.status < 300 {
				s.track(r.ID)
			}
			problems = append(problems, fmt.Sprintf("%s: status %d, want 4xx; body sent: %s", bad.what, rep.status, clip.To(bad.body, 200)))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
