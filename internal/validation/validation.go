// Package validation matches requests to the operations of openapi.yaml (or of
// oauth.yaml, for the authorization server) and checks requests and responses against it
// with kin-openapi, turning its findings into the vendor's JSON:API errors rather than
// kin-openapi's text.
package validation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/oppstages/oppstages"
)

// Validator checks requests and responses against one OpenAPI document.
type Validator struct {
	doc        *openapi3.T
	router     routers.Router
	operations map[*openapi3.Operation]*operation
	plain      *plainRouter           // nil unless every route is plain
	options    openapi3filter.Options // kin-openapi's options for every request; it only reads them
	readOnly   map[string]bool        // attributes the server sets, which request schemas leave out
	matches    sync.Pool              // of *Match given back by Release
}

// operation is what requests to one operation share, worked out once from the document.
type operation struct {
	// params are the parameters to validate, in kin-openapi's order: the path item's that
	// the operation does not override, then the operation's own.
	params []param
	scopes [][]string // see Match.RequiredScopes
}

type param struct {
	*openapi3.Parameter
	// optionalByName: an optional form-style query parameter of a non-object schema,
	// which is absent exactly when the query has no value under its name; validating an
	// absent optional parameter finds nothing, so such a parameter is validated only
	// when sent.
	optionalByName bool
}

// New builds the router for doc once, and what each operation's requests share.
func New(doc *openapi3.T) (*Validator, error) {
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	v := &Validator{doc: doc, router: router, operations: map[*openapi3.Operation]*operation{},
		options:  openapi3filter.Options{MultiError: true, SkipSettingDefaults: true, KeepValidatedValue: true},
		readOnly: readOnlyAttributes(doc)}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			v.operations[op] = prepare(doc, item, op)
		}
	}
	v.plain = newPlainRouter(doc, v.operations)
	return v, nil
}

func prepare(doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation) *operation {
	prepared := &operation{scopes: requiredScopes(doc, op)}
	add := func(p *openapi3.Parameter) {
		byName := p.In == openapi3.ParameterInQuery && !p.Required && p.Content == nil &&
			(p.Style == "" || p.Style == openapi3.SerializationForm) &&
			p.Schema != nil && p.Schema.Value != nil && !p.Schema.Value.Type.Is(openapi3.TypeObject) &&
			len(p.Schema.Value.AllOf)+len(p.Schema.Value.AnyOf)+len(p.Schema.Value.OneOf) == 0
		prepared.params = append(prepared.params, param{Parameter: p, optionalByName: byName})
	}
	for _, ref := range item.Parameters {
		if op.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			add(ref.Value)
		}
	}
	for _, ref := range op.Parameters {
		add(ref.Value)
	}
	return prepared
}

// requiredScopes lists the alternatives of the operation's security, or the document's.
func requiredScopes(doc *openapi3.T, op *openapi3.Operation) [][]string {
	security := op.Security
	if security == nil {
		security = &doc.Security
	}
	alternatives := make([][]string, 0, len(*security))
	for _, req := range *security {
		names := make([]string, 0, len(req))
		for name := range req {
			names = append(names, name)
		}
		slices.Sort(names) // the same order every time, whatever the map's
		scopes := []string{}
		for _, name := range names {
			scopes = append(scopes, req[name]...)
		}
		alternatives = append(alternatives, scopes)
	}
	return alternatives
}

// readOnlyAttributes names the stage attributes marked readOnly in the response schema.
// Request schemas leave them out, so a client that sends one is told it is read-only
// rather than that the attribute does not exist.
func readOnlyAttributes(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	ref := doc.Components.Schemas["OpportunityStageAttributes"]
	if ref == nil || ref.Value == nil {
		return out
	}
	for name, p := range ref.Value.Properties {
		if p.Value != nil && p.Value.ReadOnly {
			out[name] = true
		}
	}
	return out
}

// Match is a request matched to an operation.
type Match struct {
	Route      *routers.Route
	PathParams map[string]string // may be nil when the path has no parameters
	op         *operation

	// What Request hands kin-openapi, in the match's own allocation.
	input   openapi3filter.RequestValidationInput
	bodyReq http.Request // the request, with the body Request read, for kin-openapi to read
	body    bodyReader
}

// OperationID is the id of the matched operation.
func (m *Match) OperationID() string { return m.Route.Operation.OperationID }

var errRouteNotFound = oppstages.Errorf(oppstages.CodeRouteNotFound,
	"The request path does not match any known resource endpoints.")

// Route finds the operation for a request; an unknown path or method is routeNotFound.
func (v *Validator) Route(r *http.Request) (*Match, *oppstages.Error) {
	if v.plain != nil {
		if m, ok := v.plain.find(r, v.newMatch); ok {
			if m == nil {
				return nil, errRouteNotFound
			}
			return m, nil
		}
	}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return nil, errRouteNotFound
	}
	op := v.operations[route.Operation]
	if op == nil { // an operation New did not see: prepare it now, for this request only
		op = prepare(v.doc, route.PathItem, route.Operation)
	}
	m := v.newMatch()
	m.Route, m.PathParams, m.op = route, params, op
	return m, nil
}

// newMatch is a match given back by Release, or a new one.
func (v *Validator) newMatch() *Match {
	if m, ok := v.matches.Get().(*Match); ok {
		return m
	}
	return &Match{}
}

// Release gives back a match Route returned, once its request is answered and nothing
// reads the match any more, so that a later request can reuse it (and its PathParams).
func (v *Validator) Release(m *Match) {
	if m == nil {
		return
	}
	params := m.PathParams
	clear(params)
	*m = Match{PathParams: params}
	v.matches.Put(m)
}

// RequiredScopes lists the alternatives of the operation's security: the request is
// authorized when the token holds every scope of any one alternative. An alternative
// with no scopes needs only a valid token. The lists are shared: read, never modify.
func (m *Match) RequiredScopes() [][]string { return m.op.scopes }

// CheckQuery rejects query parameters the operation does not declare, which kin-openapi
// ignores. unknown explains an undeclared parameter (for example a filter on an
// unfilterable field). Repeated parameters are the caller's to reduce beforehand.
func (m *Match) CheckQuery(query url.Values, unknown func(name string) *oppstages.Error) *oppstages.Error {
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	slices.Sort(names) // report the same parameter first every time
	for _, name := range names {
		if m.Route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			return unknown(name)
		}
	}
	return nil
}

// Explainer says precisely why a parameter value is wrong, or returns nil when it cannot.
type Explainer func(name, raw string) *oppstages.Error

// Request validates the query (as the caller reads it: kin-openapi would read only the
// first of repeated values), the path parameters and the body (already read,
// size-limited) against the operation, each with kin-openapi. It returns the body as
// kin-openapi decoded and validated it (nil without a body), so that the caller need not
// decode it again.
//
// Security is not kin-openapi's to check here: the caller authenticates the token and
// checks its scopes against RequiredScopes beforehand, so that its errors come first.
func (v *Validator) Request(ctx context.Context, r *http.Request, query url.Values, m *Match, body []byte, explain Explainer) (any, []*oppstages.Error) {
	input := &m.input
	*input = openapi3filter.RequestValidationInput{
		Request:     r,
		PathParams:  m.PathParams,
		QueryParams: query,
		Route:       m.Route,
		Options:     &v.options,
	}
	var errs openapi3.MultiError
	for _, p := range m.op.params {
		if _, sent := query[p.Name]; p.optionalByName && !sent {
			continue
		}
		if err := openapi3filter.ValidateParameter(ctx, input, p.Parameter); err != nil {
			errs = append(errs, err)
		}
	}
	var value any
	if rb := m.Route.Operation.RequestBody; rb != nil {
		req := &m.bodyReq
		*req = *r // a shallow copy with its own body: kin-openapi reads and replaces it
		m.body.Reset(body)
		req.Body = &m.body
		req.ContentLength = int64(len(body))
		// kin-openapi puts a body back from GetBody once it has read this one; no one
		// reads it after, so an empty one saves it copying the body into a new reader.
		req.GetBody = emptyBody
		input.Request = req
		if err := openapi3filter.ValidateRequestBody(ctx, input, rb.Value); err != nil {
			errs = append(errs, err)
		} else if vb, ok := req.Body.(interface{ ValidatedValue() any }); ok {
			value = vb.ValidatedValue()
		}
	}
	if len(errs) == 0 {
		return value, nil
	}
	return nil, convertRequestError(errs, query, explain, v.readOnly)
}

func emptyBody() (io.ReadCloser, error) { return http.NoBody, nil }

// bodyReader hands kin-openapi a body already read, in one allocation.
type bodyReader struct{ bytes.Reader }

func (bodyReader) Close() error { return nil }

// Response validates a response the server is about to send, or has received. The
// error lists every problem found, the headers' and the body's together (Violations);
// nil means the response conforms. Answers to HEAD and redirects are not checked.
func (v *Validator) Response(_ context.Context, r *http.Request, m *Match, status int, header http.Header, body []byte) error {
	if r.Method == http.MethodHead {
		return nil
	}
	switch status {
	case http.StatusMovedPermanently, http.StatusNotModified, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return nil
	}
	violations := v.Violations(m, status, header, body)
	if len(violations) == 0 {
		return nil
	}
	messages := make([]string, len(violations))
	for i, violation := range violations {
		messages[i] = violation.Message
	}
	return fmt.Errorf("response %d to %s %s: %s", status, r.Method, r.URL.Path, strings.Join(messages, "; "))
}

// flatten lists the errors of a MultiError tree; it does not look inside other errors.
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func convertRequestError(err error, query url.Values, explain Explainer, readOnly map[string]bool) []*oppstages.Error {
	var out []*oppstages.Error
	seen := map[string]bool{}
	add := func(e *oppstages.Error) {
		key := string(e.Code) + "|" + e.Pointer + "|" + e.Parameter + "|" + e.Detail
		if !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	for _, e := range flatten(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			add(oppstages.Errorf(oppstages.CodeBadRequest, "The request is not valid."))
			continue
		}
		switch {
		case re.Parameter != nil:
			add(parameterError(re.Parameter, query, explain))
		case re.RequestBody != nil:
			for _, be := range bodyErrors(re, readOnly) {
				add(be)
			}
		default:
			add(oppstages.Errorf(oppstages.CodeBadRequest, "The request is not valid."))
		}
	}
	return pickStatus(out)
}

// pickStatus keeps the errors of the most generally applicable status: a conflict over
// everything, then bad requests, then validation errors.
func pickStatus(errs []*oppstages.Error) []*oppstages.Error {
	for _, status := range []int{http.StatusConflict, http.StatusBadRequest} {
		var picked []*oppstages.Error
		for _, e := range errs {
			if e.Code.Status() == status {
				picked = append(picked, e)
			}
		}
		if len(picked) > 0 {
			return picked
		}
	}
	return errs
}

func parameterError(p *openapi3.Parameter, query url.Values, explain Explainer) *oppstages.Error {
	if explain != nil && p.In == openapi3.ParameterInQuery {
		raws := query[p.Name]
		if len(raws) == 0 {
			raws = []string{""}
		}
		for _, raw := range raws { // a list parameter: the first value that is wrong
			if e := explain(p.Name, raw); e != nil {
				return e
			}
		}
	}
	return oppstages.Errorf(oppstages.CodeBadRequest, "Parameter '%s' %s.", p.Name, describeSchema(p.Schema.Value)).AtParameter(p.Name)
}

// describeSchema says what a parameter's schema accepts, in words.
func describeSchema(s *openapi3.Schema) string {
	switch {
	case s.Type.Is(openapi3.TypeInteger) && s.Min != nil && s.Max != nil:
		return fmt.Sprintf("must be an integer from %.0f to %.0f", *s.Min, *s.Max)
	case s.Type.Is(openapi3.TypeInteger) && s.Min != nil:
		return fmt.Sprintf("must be an integer of at least %.0f", *s.Min)
	case s.Type.Is(openapi3.TypeInteger):
		return "must be an integer"
	case s.Type.Is(openapi3.TypeBoolean):
		return "must be true or false"
	case s.Type.Is(openapi3.TypeString) && s.MaxLength != nil:
		return fmt.Sprintf("must be at most %d characters long", *s.MaxLength)
	case s.Type.Is(openapi3.TypeArray) && s.Items != nil && s.Items.Value != nil:
		return "has a value that " + describeSchema(s.Items.Value)
	case len(s.Enum) > 0:
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		return "must be one of: " + strings.Join(vals, ", ")
	case s.Description != "":
		return "is malformed: " + strings.TrimSuffix(s.Description, ".")
	}
	return "is malformed"
}
