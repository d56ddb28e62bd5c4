package contract

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// The forms the real API, a Rails application, is inferred to let through, each answered
// as its canonical request (openapi.yaml's x-trailing-slash, getApiRoot,
// x-blank-parameters, x-json-media-type). Each check compares a form with its canonical
// request. A target that refuses a form is stricter than the inference: the check is
// skipped as information about the guess. A target that answers a form otherwise than its
// canonical request, which no inference explains, fails.

// checkTrailingSlash lists with a trailing slash, and gets one stage with one, and
// requires the canonical answers: the same status, records and count, and links that walk
// to the same records.
func checkTrailingSlash(ctx context.Context, s *session) error {
	all, err := s.everything(ctx)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return emptyTarget()
	}
	size := smallPage(len(all))
	query := "?count=true&sort=-id&page%5Bsize%5D=" + strconv.Itoa(size)
	var refused []string
	want, err := s.get(ctx, "/opportunityStages"+query)
	if err != nil {
		return err
	}
	slashed := "/opportunityStages/" + query
	got, err := s.do(ctx, request{method: http.MethodGet, path: slashed})
	if err != nil {
		return err
	}
	if got.status == http.StatusNotFound {
		refused = append(refused, "404 to GET "+readable(slashed))
	} else if err := s.sameWalk(ctx, want, got, size, "GET "+readable(slashed)); err != nil {
		return err
	}

	stage := all[s.rng(31).IntN(len(all))].ID
	one, err := s.get(ctx, fmt.Sprintf("/opportunityStages/%d", stage))
	if err != nil {
		return err
	}
	slashed = fmt.Sprintf("/opportunityStages/%d/", stage)
	other, err := s.do(ctx, request{method: http.MethodGet, path: slashed})
	if err != nil {
		return err
	}
	if other.status == http.StatusNotFound {
		refused = append(refused, "404 to GET "+slashed)
	} else if err := s.sameStage(ctx, one, other, "GET "+slashed); err != nil {
		return err
	}
	if len(refused) > 0 {
		return s.guessDoesNotHold("x-trailing-slash", "that a path with one trailing slash is answered as the path without it", refused)
	}
	return nil
}

// sameWalk requires got, the answer to what, to be want's: a 200 with the same meta.count,
// and a walk along links.next to the same records in the same order.
func (s *session) sameWalk(ctx context.Context, want, got *reply, size int, what string) error {
	if err := expectStatus(got, want.status, what); err != nil {
		return err
	}
	if w, g := metaCount(want), metaCount(got); w != g {
		return fmt.Errorf("%s: meta.count %s, want %s as without the form", what, g, w)
	}
	firstWant, err := want.many()
	if err != nil {
		return err
	}
	firstGot, err := got.many()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if diff := cmp.Diff(ids(firstWant), ids(firstGot)); diff != "" {
		return fmt.Errorf("the first page of %s differs from the canonical request's (-want +got):\n%s", what, diff)
	}
	expected, _, err := s.walkFrom(ctx, want, size)
	if err != nil {
		return err
	}
	actual, pages, err := s.walkFrom(ctx, got, size)
	if err != nil {
		return fmt.Errorf("walking from %s: %w", what, err)
	}
	if diff := cmp.Diff(ids(expected), ids(actual)); diff != "" {
		return fmt.Errorf("walking from %s (%d pages) differs from the canonical request (-want +got):\n%s", what, pages, diff)
	}
	return nil
}

// metaCount is a list answer's meta.count as text, or "none".
func metaCount(rep *reply) string {
	meta, _ := rep.doc["meta"].(map[string]any)
	if count, ok := meta["count"].(float64); ok {
		return strconv.FormatFloat(count, 'f', -1, 64)
	}
	return "none"
}

// sameStage requires got, the answer to what, to be want's: a 200 with the same
// resource, whose links.self, should it differ, leads to the same stage.
func (s *session) sameStage(ctx context.Context, want, got *reply, what string) error {
	if err := expectStatus(got, want.status, what); err != nil {
		return err
	}
	w, err := want.one()
	if err != nil {
		return err
	}
	g, err := got.one()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if diff := cmp.Diff(printable(withoutLinks(w.raw)), printable(withoutLinks(g.raw))); diff != "" {
		return fmt.Errorf("%s differs from the canonical request (-want +got):\n%s", what, diff)
	}
	self, _ := g.Links["self"].(string)
	if self == "" {
		return fmt.Errorf("%s: the stage has no links.self", what)
	}
	if self == w.Links["self"] {
		return nil
	}
	path, err := s.relative(self)
	if err != nil {
		return err
	}
	followed, err := s.get(ctx, path)
	if err != nil {
		return fmt.Errorf("%s: links.self does not resolve: %w", what, err)
	}
	if r, err := followed.one(); err != nil || r.ID != w.ID {
		return fmt.Errorf("%s: links.self %s does not lead to stage %d", what, self, w.ID)
	}
	return nil
}

// withoutLinks is a resource object without its own links, which may name the same
// resource in another form.
func withoutLinks(raw map[string]any) map[string]any {
	out := maps.Clone(raw)
	delete(out, "links")
	return out
}

// checkAPIRoot gets the API root, /api/v2 and /api/v2/, with the token, as ETL connectors
// check a connection, and requires a 2xx (getApiRoot). Its body is the mock's own guess: an
// answer with links, the documented shape, is held to openapi.yaml; any other body is the
// target's to choose. A 404 is a target that does not serve the root: information.
func checkAPIRoot(ctx context.Context, s *session) error {
	var refused []string
	for _, path := range []string{"", "/"} {
		what := "GET " + serverPath(s.api) + path
		rep, err := s.do(ctx, request{method: http.MethodGet, path: path, inferredShape: rootShaped})
		if err != nil {
			return err
		}
		switch {
		case rep.status == http.StatusNotFound:
			refused = append(refused, "404 to "+what)
		case rep.status < 200 || rep.status >= 300:
			return expectStatus(rep, http.StatusOK, what+", the connection check")
		}
	}
	if len(refused) > 0 {
		return s.guessDoesNotHold(oppstages.OpGetAPIRoot, "that the API root answers a valid token with a 2xx", refused)
	}
	return nil
}

// rootShaped reports whether an answer from the API root takes the shape openapi.yaml
// infers for it: a success with links. Failures are held to openapi.yaml as any.
func rootShaped(rep *reply) bool {
	if rep.status < 200 || rep.status >= 300 {
		return true
	}
	_, ok := rep.doc["links"]
	return ok
}

// checkBlankParameters lists with every parameter of x-blank-parameters blank, as SDKs
// send them, and requires the answer to the list without them: the same first page, the
// same records walked along links.next, the same meta.count. The blanks go once as name=,
// and once as the bare name next to count=true. A target that refuses a blank with 400 is
// stricter than the inference: information, naming each form it refuses.
func checkBlankParameters(ctx context.Context, s *session) error {
	names, err := oppstages.BlankParameters(s.doc)
	if err != nil {
		return fmt.Errorf("%s: %w", s.specName, err)
	}
	if len(names) == 0 {
		return skipped{s.specName + " lists no x-blank-parameters"}
	}
	var equals, bare []string
	for _, name := range names {
		equals = append(equals, url.QueryEscape(name)+"=")
		if name != "count" {
			bare = append(bare, url.QueryEscape(name))
		}
	}
	refused, err := s.blankForms(ctx, "", equals)
	if err != nil {
		return err
	}
	more, err := s.blankForms(ctx, "count=true", bare)
	if err != nil {
		return err
	}
	if refused = append(refused, more...); len(refused) > 0 {
		return s.guessDoesNotHold("x-blank-parameters", "that a parameter it lists is read as absent when blank", refused)
	}
	return nil
}

// blankForms lists with base and every blank form at once, and requires the answer to
// base alone (sameWalk). When the target refuses that with 400, it sends each form alone
// to find the ones it refuses, then the others at once. It returns what it refused.
func (s *session) blankForms(ctx context.Context, base string, forms []string) ([]string, error) {
	want, err := s.get(ctx, listPath(base))
	if err != nil {
		return nil, err
	}
	sent := listPath(base, forms...)
	got, err := s.do(ctx, request{method: http.MethodGet, path: sent})
	if err != nil {
		return nil, err
	}
	var refused []string
	if got.status == http.StatusBadRequest {
		var accepted []string
		for _, form := range forms {
			alone := listPath(base, form)
			rep, err := s.do(ctx, request{method: http.MethodGet, path: alone})
			if err != nil {
				return nil, err
			}
			switch {
			case rep.status == http.StatusBadRequest:
				refused = append(refused, "400 to GET "+readable(alone))
			case rep.status >= 200 && rep.status < 300:
				accepted = append(accepted, form)
			default:
				return nil, expectStatus(rep, http.StatusOK, "GET "+readable(alone))
			}
		}
		if len(accepted) == 0 {
			return refused, nil
		}
		sent = listPath(base, accepted...)
		if got, err = s.do(ctx, request{method: http.MethodGet, path: sent}); err != nil {
			return nil, err
		}
	}
	return refused, s.sameWalk(ctx, want, got, 0, "GET "+readable(sent))
}

// listPath is the list with the query made of base and forms, each already encoded.
func listPath(base string, forms ...string) string {
	parts := slices.DeleteFunc(append([]string{base}, forms...), func(p string) bool { return p == "" })
	if len(parts) == 0 {
		return "/opportunityStages"
	}
	return "/opportunityStages?" + strings.Join(parts, "&")
}

// overLongName is a create document that openapi.yaml refuses with 422 (a name over its
// 255 characters, which the vendor's own specification sets): a server that reads the
// body answers 422, and creates nothing.
func overLongName() string { return validBody(map[string]any{"name": strings.Repeat("n", 256)}) }

// checkJSONMediaType creates with Content-Type application/json, with and without a UTF-8
// charset, as public clients write, and a body that must be refused: a server that takes
// the media type (x-json-media-type) parses the body and answers the 422 it answers in
// application/vnd.api+json. A 415 is a target stricter than the inference: information. A
// success created a record from a body the contract refuses: a failure, and the record is
// deleted at the end of the run. The body is refused whatever the media type, yet a target
// may still take it, so the check runs in full mode only, as every write.
func checkJSONMediaType(ctx context.Context, s *session) error {
	var refused []string
	for _, mediaType := range []string{"application/json", "application/json; charset=utf-8"} {
		what := "POST /opportunityStages with Content-Type " + mediaType + " and a 256-character name"
		rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages", body: overLongName(), contentType: mediaType})
		if err != nil {
			return err
		}
		switch {
		case rep.status >= 200 && rep.status < 300:
			if r, err := rep.one(); err == nil {
				s.track(r.ID)
			}
			return fmt.Errorf("%s: status %d; it took a body the contract refuses with 422", what, rep.status)
		case rep.status == http.StatusUnsupportedMediaType:
			refused = append(refused, "415 to Content-Type "+mediaType)
		default:
			if err := expectStatus(rep, http.StatusUnprocessableEntity, what); err != nil {
				return err
			}
			if !pointsAt(rep, "/data/attributes/name") {
				return fmt.Errorf("%s: no error points at /data/attributes/name: %s", what, clip.To(string(rep.body), 400))
			}
		}
	}
	if len(refused) > 0 {
		return s.guessDoesNotHold("x-json-media-type", "that writes take application/json", refused)
	}
	return nil
}

// pointsAt reports whether an error of the answer has source.pointer pointer.
func pointsAt(rep *reply, pointer string) bool {
	errs, _ := rep.doc["errors"].([]any)
	for _, e := range errs {
		obj, _ := e.(map[string]any)
		if src, _ := obj["source"].(map[string]any); src["pointer"] == pointer {
			return true
		}
	}
	return false
}

// checkTrailingBytes creates with a valid document followed by " x": Rails' JSON parser
// refuses the body with 400, and so must a target, where a parser that reads only the
// first document would create the stage. What a target creates is deleted at the end of
// the run; the check runs in full mode only.
func checkTrailingBytes(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodPost, path: "/opportunityStages",
		body: validBody(map[string]any{"name": "Bytes after the document"}) + " x", contentType: vnd})
	if err != nil {
		return err
	}
	if r, err := rep.one(); err == nil && rep.status >= 200 && rep.status < 300 {
		s.track(r.ID)
	}
	return expectStatus(rep, http.StatusBadRequest, `POST a valid document followed by " x"`)
}
