package mock

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
)

// fromStore answers from the sandbox's records, after the checks the vendor applies, in
// the vendor's order: authentication, SKU, scope, body size, media type, parameters and
// body, and finally the operation.
func (s *Server) fromStore(x *exchange, _ http.ResponseWriter) response {
	r, match, op := x.r, x.match, x.op
	if x.authErr != nil {
		x.credentialExpired = *x.authErr == jsonapi.ErrExpiredToken
		return unauthorized(*x.authErr)
	}
	if x.box.currentSettings().SKUDisabled && !op.anySKU {
		return s.skuDisabled(x)
	}
	if err := x.who.authorize(match.RequiredScopes()); err != nil {
		return fail(err)
	}
	if resp := s.bodyError(x); resp != nil {
		return *resp
	}
	body := x.body
	if len(body) > 0 {
		if err := checkMediaType(r.Header.Get("Content-Type")); err != nil {
			return fail(err)
		}
		if !json.Valid(body) { // kin-openapi reads the first document and ignores what follows; Rails' parser refuses it
			return fail(oppstages.Errorf(oppstages.CodeBadRequest, "The request body is not valid JSON."))
		}
	}
	if r.URL.RawQuery != "" { // else the query stays nil: no parameters
		q, err := query.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return fail(err)
		}
		x.query = query.LastWins(q)
	}
	if err := match.CheckQuery(x.query, s.explainUnknown); err != nil {
		return fail(err)
	}
	explain := s.explain
	if op.opportunities {
		explain = s.explainOpportunities
	}
	doc, errs := s.validator.Request(r.Context(), r, x.query, match, body, explain)
	if len(errs) > 0 {
		return fail(errs...)
	}
	x.doc = doc
	// Validation vetted the id and the parameters; what it cannot see (a tampered cursor,
	// a date that does not exist) surfaces here.
	if raw, ok := match.PathParams["id"]; ok {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			return fail(oppstages.Errorf(oppstages.CodeBadRequest, "Parameter 'id' must be a positive integer.").AtParameter("id"))
		}
		x.id = id
	}
	if op.opportunities {
		// The parameters it shares with the stage list obey the same rules (newFilterSyntax
		// forms need the flag); the rest name opportunities, which the mock does not keep.
		if _, perr := query.ParseList(sharedWithStages(x.query), s.cursors); perr != nil {
			return fail(perr)
		}
		return op.answer(s, x)
	}
	list, perr := query.ParseList(x.query, s.cursors)
	if perr != nil {
		return fail(perr)
	}
	x.list = list
	return op.answer(s, x)
}

// checkMediaType accepts a write's body as application/vnd.api+json, exactly (JSON:API
// forbids media type parameters, and kin-openapi ignores them, so the check is ours), or
// as application/json with at most a UTF-8 charset, which public clients send and the
// real API takes (openapi.yaml's x-json-media-type).
func checkMediaType(contentType string) *oppstages.Error {
	if contentType == jsonapi.MediaType || contentType == "application/json" { // as nearly every client sends it, without parsing
		return nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
	case mt == jsonapi.MediaType && len(params) == 0:
		return nil
	case mt == "application/json" && len(params) == 0:
		return nil
	case mt == "application/json" && len(params) == 1 && strings.EqualFold(params["charset"], "utf-8"):
		return nil
	}
	return oppstages.Errorf(oppstages.CodeUnsupportedMediaType, "Expected Content-Type to be application/vnd.api+json.")
}

// explain gives the precise reason a declared parameter failed schema validation.
func (s *Server) explain(name, raw string) *oppstages.Error {
	return query.Explain(name, raw, s.cursors)
}

// explainUnknown says why an undeclared parameter is not accepted.
func (s *Server) explainUnknown(name string) *oppstages.Error {
	if _, _, err := query.ParseFilterKey(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, "fields[") {
		return oppstages.Errorf(oppstages.CodeUnknownResourceField,
			"'%s' names a type this endpoint does not return; use fields[opportunityStage] or fields[user].", clip.String(name)).AtParameter(name)
	}
	return oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not a parameter of this endpoint.", clip.String(name)).AtParameter(name)
}

// bodyError answers a body that could not be read whole: over the limit, or broken off.
func (s *Server) bodyError(x *exchange) *response {
	if x.bodyErr == nil {
		return nil
	}
	resp := fail(oppstages.Errorf(oppstages.CodeBadRequest, "The request body could not be read."))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](x.bodyErr); tooLarge {
		resp = fail(oppstages.Errorf(oppstages.CodeRequestEntityTooLarge,
			"The request body must not exceed %d bytes.", s.opts.MaxBodyBytes))
	}
	return &resp
}
