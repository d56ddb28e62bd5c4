// Package apitest drives an API handler in tests and checks every response it gets
// against openapi.yaml, oauth.yaml for the authorization server under /oauth/, or
// admin.yaml for the admin API under /__admin/: status documented for the operation,
// headers, media type and body schema. A response that breaks its document fails the test
// that received it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/validation"
)

// Token is the bearer token the client sends unless told otherwise.
const Token = "test-token"

// Client sends requests to a handler in memory.
type Client struct {
	t          testing.TB
	handler    http.Handler
	validator  *validation.Validator // openapi.yaml's
	errorDoc   *openapi3.Schema
	oauth      *validation.Validator // oauth.yaml's
	oauthDoc   *openapi3.T
	oauthError *openapi3.Schema
	admin      *adminValidator
}

// New returns a client for h that validates every response it receives.
func New(t testing.TB, h http.Handler) *Client {
	t.Helper()
	doc, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	v, err := validation.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	oauthDoc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := validation.New(oauthDoc)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := newAdminValidator()
	if err != nil {
		t.Fatal(err)
	}
	return &Client{t: t, handler: h, validator: v, errorDoc: doc.Components.Schemas["ErrorDocument"].Value,
		oauth: oauth, oauthDoc: oauthDoc, oauthError: oauthDoc.Components.Schemas["OAuthError"].Value, admin: admin}
}

// Response is a received response with its body decoded when it is JSON.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// Request describes one request; Header holds extra headers, Token overrides the bearer
// token ("-" sends no Authorization header).
type Request struct {
	Method, Target, Body string
	ContentType          string
	Token                string
	Header               http.Header
}

// Get sends GET target with the default token.
func (c *Client) Get(target string) *Response {
	return c.Do(Request{Method: http.MethodGet, Target: target})
}

// Send sends a JSON:API body with the default token.
func (c *Client) Send(method, target, body string) *Response {
	return c.Do(Request{Method: method, Target: target, Body: body, ContentType: "application/vnd.api+json"})
}

// Do sends the request and validates the response.
func (c *Client) Do(req Request) *Response {
	c.t.Helper()
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
	}
	r := httptest.NewRequest(req.Method, req.Target, body)
	if isAdmin(r) && r.URL.Host == "" {
		r.Host = "localhost" // as a script on this machine calls the admin API
	}
	switch req.Token {
	case "":
		r.Header.Set("Authorization", "Bearer "+Token)
	case "-":
	default:
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	if req.ContentType != "" {
		r.Header.Set("Content-Type", req.ContentType)
	}
	for k, vs := range req.Header {
		r.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, r)
	resp := &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if len(resp.Body) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(resp.Body, &resp.JSON); err != nil {
			c.t.Errorf("%s %s: body is not a JSON object: %v\n%s", req.Method, req.Target, err, resp.Body)
		}
	}
	check := httptest.NewRequest(req.Method, req.Target, nil)
	check.Header = r.Header.Clone()
	check.Host = r.Host
	document := c.documentFor(check)
	if isAdmin(check) {
		if req.Body != "" {
			check = httptest.NewRequest(req.Method, req.Target, strings.NewReader(req.Body))
			check.Header, check.Host = r.Header.Clone(), r.Host
		}
	}
	if err := c.Validate(check, resp); err != nil {
		c.t.Errorf("%s %s: response breaks %s: %v\n%s", req.Method, req.Target, document, err, resp.Body)
	}
	return resp
}

// isAdmin reports whether r is for the admin API, the dashboard included.
func isAdmin(r *http.Request) bool {
	return r.URL.Path == "/__admin" || strings.HasPrefix(r.URL.Path, "/__admin/")
}

// documentFor names the document a response to r is held to.
func (c *Client) documentFor(r *http.Request) string {
	switch {
	case isAdmin(r):
		return "admin.yaml"
	case c.isOAuth(validation.CanonicalRequest(r)):
		return "oauth.yaml"
	}
	return "openapi.yaml"
}

// isOAuth reports whether r is for an operation of oauth.yaml.
func (c *Client) isOAuth(r *http.Request) bool {
	m, err := c.oauth.Route(r)
	c.oauth.Release(m)
	return err == nil
}

// Validate checks a response to r against admin.yaml when r is for the admin API, r.Body
// being the body sent (see adminValidator.validate), against oauth.yaml when r is for an
// operation of the authorization server, and otherwise against openapi.yaml. A request
// that matches no operation of either must get a JSON:API error: 404, 429, or 400 for a
// bad mock control header; or, on an authorization server path, a 405 (see
// methodNotAllowed).
func (c *Client) Validate(r *http.Request, resp *Response) error {
	if isAdmin(r) {
		return c.admin.validate(r, resp)
	}
	r = validation.CanonicalRequest(r) // answered as the path the documents name
	if match, err := c.oauth.Route(r); err == nil {
		defer c.oauth.Release(match)
		return c.oauth.Response(context.Background(), r, match, resp.Status, resp.Header, bytes.Clone(resp.Body))
	}
	match, rerr := c.validator.Route(r)
	if rerr != nil && resp.Status == http.StatusMethodNotAllowed {
		return c.methodNotAllowed(r, resp)
	}
	if rerr != nil {
		mockControl := resp.Status == http.StatusBadRequest && len(resp.Errors()) > 0 && strings.HasPrefix(resp.Errors()[0].ID, "mock")
		if resp.Status != http.StatusNotFound && resp.Status != http.StatusTooManyRequests && !mockControl {
			return &unexpected{"unmatched route answered " + http.StatusText(resp.Status)}
		}
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if resp.Header.Get(h) == "" {
				return &unexpected{"missing header " + h}
			}
		}
		var v any
		if err := json.Unmarshal(resp.Body, &v); err != nil {
			return err
		}
		return c.errorDoc.VisitJSON(v)
	}
	defer c.validator.Release(match)
	return c.validator.Response(context.Background(), r, match, resp.Status, resp.Header, bytes.Clone(resp.Body))
}

// methodNotAllowed checks a 405: only a path oauth.yaml has may answer it, for a method it
// has no operation for, with Allow naming the methods it has and the authorization
// server's error document.
func (c *Client) methodNotAllowed(r *http.Request, resp *Response) error {
	item := c.oauthDoc.Paths.Value(r.URL.Path)
	if !strings.HasPrefix(r.URL.Path, "/oauth/") || item == nil || item.GetOperation(r.Method) != nil {
		return &unexpected{"405 for " + r.Method + " " + r.URL.Path}
	}
	methods := slices.Sorted(maps.Keys(item.Operations()))
	if got, want := resp.Header.Get("Allow"), strings.Join(methods, ", "); got != want {
		return &unexpected{"405 with Allow " + strconv.Quote(got) + ", want " + strconv.Quote(want)}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return &unexpected{"405 with Content-Type " + strconv.Quote(ct)}
	}
	var v any
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		return err
	}
	return c.oauthError.VisitJSON(v)
}

type unexpected struct{ msg string }

func (e *unexpected) Error() string { return e.msg }

// Error is one error object of a JSON:API error document.
type Error struct {
	ID, Title, Detail, Details, Pointer, Parameter string
}

// Errors decodes the error objects of the response.
func (r *Response) Errors() []Error {
	var doc struct {
		Errors []struct {
			ID      string `json:"id"`
			Title   string `json:"title"`
			Detail  string `json:"detail"`
			Details string `json:"details"`
			Source  struct {
				Pointer   string `json:"pointer"`
				Parameter string `json:"parameter"`
			} `json:"source"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(r.Body, &doc)
	out := make([]Error, len(doc.Errors))
	for i, e := range doc.Errors {
		out[i] = Error{e.ID, e.Title, e.Detail, e.Details, e.Source.Pointer, e.Source.Parameter}
	}
	return out
}

// Data decodes the response's data member into v.
func (r *Response) Data(t testing.TB, v any) {
	t.Helper()
	var doc struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("decode document: %v\n%s", err, r.Body)
	}
	if err := json.Unmarshal(doc.Data, v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Body)
	}
}
