package apitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/junit"
)

// dashboardPrefix is where the dashboard's files are served, by a file server of its own
// rather than by the admin API's handlers.
const dashboardPrefix = "/__admin/ui/"

// adminValidator checks the admin API's answers against admin.yaml.
type adminValidator struct {
	doc       *openapi3.T
	router    routers.Router
	errorBody *openapi3.Schema
}

func newAdminValidator() (*adminValidator, error) {
	doc, err := oppstages.AdminSpec()
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("admin.yaml router: %w", err)
	}
	return &adminValidator{doc: doc, router: router, errorBody: doc.Components.Schemas["AdminError"].Value}, nil
}

// validate checks the answer to an admin request; r.Body, if any, is the body that was
// sent. The answer must be one admin.yaml documents for the operation, with its media
// type, headers and body schema. A request admin.yaml refuses may still be sent (tests
// send bad input on purpose), but it must not be answered with a success: the document
// and the mock would disagree about what the call takes.
func (v *adminValidator) validate(r *http.Request, resp *Response) error {
	r = r.Clone(r.Context())
	head := r.Method == http.MethodHead
	if head {
		r.Method = http.MethodGet // every GET endpoint answers HEAD as GET, without the body
	}
	if path, ok := strings.CutSuffix(r.URL.Path, "/"); ok && !strings.HasPrefix(r.URL.Path, dashboardPrefix) {
		r.URL.Path, r.URL.RawPath = path, "" // the admin API reads a path with a trailing slash as the path without it
	}
	route, params, err := v.router.FindRoute(r)
	if err != nil {
		return v.unrouted(r, resp, err)
	}
	ctx := context.Background()
	if r.Body != nil && r.Body != http.NoBody && route.Operation.RequestBody != nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if route.Operation.RequestBody.Value.Content[mt] == nil {
			r.Header.Set("Content-Type", "application/json") // the mock reads admin bodies as JSON whatever they say
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && resp.Status < 300 {
		return fmt.Errorf("admin.yaml refuses this request, yet it was answered %d: %w", resp.Status, err)
	}
	// The dashboard's files are text that no schema describes: their media type is checked
	// here, and kin-openapi is not asked to decode them.
	dashboard := strings.HasPrefix(r.URL.Path, dashboardPrefix)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	xmlBody := mt == "application/xml" // the client report as JUnit, which internal/junit checks
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, ExcludeResponseBody: head || dashboard || xmlBody}}
	out.SetBodyBytes(resp.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err
	}
	switch resp.Status {
	case http.StatusMovedPermanently, http.StatusNotModified, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return redirectDocumented(route.Operation, resp) // kin-openapi leaves these alone
	}
	if xmlBody && !head {
		if err := mediaTypeDocumented(route.Operation, resp); err != nil {
			return err
		}
		return junit.Validate(resp.Body)
	}
	if dashboard {
		return mediaTypeDocumented(route.Operation, resp)
	}
	return nil
}

// redirectDocumented checks a redirect: its status is one admin.yaml gives for the
// operation, with the headers it requires.
func redirectDocumented(op *openapi3.Operation, resp *Response) error {
	doc := op.Responses.Status(resp.Status)
	if doc == nil {
		return &unexpected{fmt.Sprintf("%d, which admin.yaml does not give for %s", resp.Status, op.OperationID)}
	}
	for name, h := range doc.Value.Headers {
		if h.Value.Required && resp.Header.Get(name) == "" {
			return &unexpected{fmt.Sprintf("%d without the %s header", resp.Status, name)}
		}
	}
	return nil
}

// mediaTypeDocumented checks that an answer's media type is one admin.yaml gives for its
// status.
func mediaTypeDocumented(op *openapi3.Operation, resp *Response) error {
	doc := op.Responses.Status(resp.Status)
	if doc == nil || len(doc.Value.Content) == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || doc.Value.Content[mt] == nil {
		return &unexpected{fmt.Sprintf("%d with Content-Type %q, which admin.yaml does not give", resp.Status, resp.Header.Get("Content-Type"))}
	}
	return nil
}

// unrouted checks the answer to a request that matches no operation of admin.yaml: the
// refusals made before routing (400 for X-Mock-Sandbox, 401, 403, 431), a 404, or a 405
// for a path that has other methods, naming them in Allow; all in the admin error shape.
// The dashboard's file server answers a 404 or a 405 of its own, in plain text.
func (v *adminValidator) unrouted(r *http.Request, resp *Response, routeErr error) error {
	methodNotAllowed := errors.Is(routeErr, routers.ErrMethodNotAllowed)
	if !methodNotAllowed && !errors.Is(routeErr, routers.ErrPathNotFound) {
		return routeErr
	}
	if r.URL.Path == "/__admin/ui" || strings.HasPrefix(r.URL.Path, dashboardPrefix) {
		return v.dashboardRefusal(r, resp, methodNotAllowed)
	}
	switch resp.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestHeaderFieldsTooLarge:
	case http.StatusMethodNotAllowed:
		if !methodNotAllowed {
			return &unexpected{"405 for " + r.URL.Path + ", which admin.yaml does not have"}
		}
		if err := v.allowNames(r, resp.Header.Get("Allow")); err != nil {
			return err
		}
	default:
		return &unexpected{fmt.Sprintf("%s %s is in no operation of admin.yaml, yet it was answered %d", r.Method, r.URL.Path, resp.Status)}
	}
	return v.adminError(resp)
}

// dashboardRefusal checks the file server's own refusals: 404 for a file it does not have,
// 405 with Allow: GET, HEAD for another method, both in plain text; or its redirect of
// index.html to the directory.
func (v *adminValidator) dashboardRefusal(r *http.Request, resp *Response, methodNotAllowed bool) error {
	switch {
	case resp.Status == http.StatusRequestHeaderFieldsTooLarge:
		return v.adminError(resp)
	case methodNotAllowed && resp.Status == http.StatusMethodNotAllowed:
		if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
			return &unexpected{fmt.Sprintf("the dashboard's 405 has Allow %q, want \"GET, HEAD\"", got)}
		}
	case !methodNotAllowed && resp.Status == http.StatusNotFound:
	case !methodNotAllowed && resp.Status == http.StatusMovedPermanently && resp.Header.Get("Location") != "":
		return nil
	default:
		return &unexpected{fmt.Sprintf("%s %s on the dashboard answered %d", r.Method, r.URL.Path, resp.Status)}
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return &unexpected{fmt.Sprintf("the dashboard's %d has Content-Type %q, want text/plain", resp.Status, ct)}
	}
	return nil
}

// allowNames checks that a 405's Allow header names exactly the methods admin.yaml has for
// the path (and HEAD beside GET, which a server may add).
func (v *adminValidator) allowNames(r *http.Request, allow string) error {
	var want []string
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut} {
		other := r.Clone(r.Context())
		other.Method = m
		if _, _, err := v.router.FindRoute(other); err == nil {
			want = append(want, m)
		}
	}
	got := map[string]bool{}
	for _, m := range strings.Split(allow, ",") {
		got[strings.TrimSpace(m)] = true
	}
	delete(got, http.MethodHead)
	missing := len(want) == 0
	for _, m := range want {
		missing = missing || !got[m]
		delete(got, m)
	}
	if missing || len(got) > 0 {
		return &unexpected{fmt.Sprintf("405 with Allow %q, want %s", allow, strings.Join(want, ", "))}
	}
	return nil
}

// adminError checks that an answer is the admin API's error: JSON in its shape.
func (v *adminValidator) adminError(resp *Response) error {
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return &unexpected{fmt.Sprintf("admin error %d with Content-Type %q, want application/json", resp.Status, ct)}
	}
	var body any
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return fmt.Errorf("admin error %d: %w", resp.Status, err)
	}
	return v.errorBody.VisitJSON(body)
}
