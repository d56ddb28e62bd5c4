package mock

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
)

// adminChallenge is the WWW-Authenticate of the admin API's 401: the scheme it takes.
const adminChallenge = `Bearer realm="oppstages admin"`

// adminRoute is one endpoint of the admin API: its http.ServeMux pattern and its answer,
// which decodes the request, calls the Sandbox method of the same name and encodes what
// that returns, so that HTTP and Go share one implementation and one set of rules.
type adminRoute struct {
	pattern string
	answer  func(s *Server, box *Sandbox, r *http.Request) response
}

// adminRoutes is the admin API; the Sandbox type's documentation lists it for Go.
func adminRoutes() []adminRoute {
	return []adminRoute{
		{"POST /__admin/reset", (*Server).adminReset},
		{"GET /__admin/state", (*Server).adminState},
		{"PUT /__admin/state", (*Server).adminReplaceState},
		{"GET /__admin/requests", (*Server).adminRequests},
		{"DELETE /__admin/requests", (*Server).adminClearRequests},
		{"POST /__admin/faults", (*Server).adminAddFault},
		{"GET /__admin/faults", (*Server).adminFaults},
		{"DELETE /__admin/faults/{id}", (*Server).adminRemoveFault},
		{"DELETE /__admin/faults", (*Server).adminClearFaults},
		{"GET /__admin/settings", (*Server).adminSettings},
		{"PATCH /__admin/settings", (*Server).adminPatchSettings},
		{"GET /__admin/health", (*Server).adminHealth},
		{"GET /__admin/sandboxes", (*Server).adminSandboxes},
		{"POST /__admin/snapshot", (*Server).adminSnapshot},
		{"GET /__admin/client-report", (*Server).adminClientReport},
		{"POST /__admin/gauntlet", (*Server).adminGauntlet},
	}
}

// newAdminMux routes admin requests to their endpoints. It is only ever served an
// *adminCall, which carries the sandbox in and the answer out.
func (s *Server) newAdminMux() *http.ServeMux {
	mux := http.NewServeMux()
	for _, route := range adminRoutes() {
		mux.HandleFunc(route.pattern, func(w http.ResponseWriter, r *http.Request) {
			call := w.(*adminCall)
			call.resp, call.answered = route.answer(s, call.box, r), true
		})
	}
	return mux
}

// adminCall is what an admin request goes through the ServeMux with, in place of an
// http.ResponseWriter: it takes the sandbox to the endpoint and brings the endpoint's
// answer back, and keeps the status and headers of what ServeMux answers itself (no such
// endpoint, or not by that method) so that admin says it in JSON.
type adminCall struct {
	box      *Sandbox
	resp     response
	answered bool
	status   int
	header   http.Header
}

func (c *adminCall) Header() http.Header {
	if c.header == nil {
		c.header = http.Header{}
	}
	return c.header
}

func (c *adminCall) WriteHeader(status int)      { c.status = status }
func (c *adminCall) Write(p []byte) (int, error) { return len(p), nil }

// admin serves the control plane under /__admin/. It answers plain JSON, is never
// validated against openapi.yaml, and takes X-Mock-Sandbox like the API. A caller the
// admin API does not answer gets a 403, a missing admin token a 401, a path that names
// no endpoint a 404, and a method the path does not take a 405 with Allow.
func (s *Server) admin(r *http.Request) response {
	if why := s.adminCallerRefused(r); why != "" {
		return adminError(http.StatusForbidden, why)
	}
	if s.opts.AdminToken != "" {
		got := bearerToken(r)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminToken)) != 1 {
			resp := adminError(http.StatusUnauthorized, "the admin API needs Authorization: Bearer <admin token>")
			resp.header = http.Header{"Www-Authenticate": {adminChallenge}} // RFC 6750 section 3
			return resp
		}
	}
	name, ok := sandboxHeader(r)
	if !ok {
		return adminFailure(&InputError{Field: "X-Mock-Sandbox", Reason: "sent more than once with different values; send it once"})
	}
	box, err := s.Sandbox(name)
	if err != nil {
		return adminFailure(err)
	}
	call := &adminCall{box: box}
	s.adminMux.ServeHTTP(call, withoutTrailingSlash(r))
	switch {
	case call.answered:
		return call.resp
	case call.status == http.StatusMethodNotAllowed:
		allow := call.header.Values("Allow")
		resp := adminError(http.StatusMethodNotAllowed, fmt.Sprintf("%s answers %s, not %s", r.URL.Path, strings.Join(allow, ", "), r.Method))
		resp.header = http.Header{"Allow": allow}
		return resp
	}
	return adminError(http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path) // also for a path ServeMux would redirect to its clean form
}

// isAdminPath reports whether path is the admin API's: /__admin itself or below it.
func isAdminPath(path string) bool {
	return path == "/__admin" || strings.HasPrefix(path, "/__admin/")
}

// withoutTrailingSlash is r with one trailing slash dropped from its path, which the admin
// API reads as the path without it.
func withoutTrailingSlash(r *http.Request) *http.Request {
	path, ok := strings.CutSuffix(r.URL.Path, "/")
	if !ok {
		return r
	}
	u := *r.URL
	u.Path, u.RawPath = path, strings.TrimSuffix(u.RawPath, "/")
	c := *r
	c.URL = &u
	return &c
}

func (s *Server) adminReset(box *Sandbox, _ *http.Request) response {
	if err := box.Reset(); err != nil {
		return s.adminWriteFailed(err)
	}
	return adminJSON(http.StatusOK, map[string]any{"status": "reset", "stages": box.Len()})
}

func (s *Server) adminState(box *Sandbox, r *http.Request) response {
	return response{status: http.StatusOK, contentType: jsonapi.MediaType, body: box.exportState(s.baseURL(r))}
}

func (s *Server) adminReplaceState(box *Sandbox, r *http.Request) response {
	return withBody(r, func(body []byte) response {
		if err := box.ReplaceState(body); errors.Is(err, ErrInvalid) || errors.Is(err, ErrLimit) {
			return adminFailure(err)
		} else if err != nil {
			return s.adminWriteFailed(err)
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "replaced", "stages": box.Len()})
	})
}

func (s *Server) adminRequests(box *Sandbox, r *http.Request) response {
	q, qerr := query.ParseQuery(r.URL.RawQuery) // a filter url.Query would drop (method=PATCH;x) must not widen the answer
	if qerr != nil {
		return adminError(http.StatusBadRequest, qerr.Detail)
	}
	f, err := journal.ParseFilter(q)
	if err != nil {
		return adminFailure(inputError(err))
	}
	entries, evicted, err := box.requests(f)
	if err != nil {
		return adminFailure(err)
	}
	return requestLogAnswer(entries, evicted)
}

func (s *Server) adminClearRequests(box *Sandbox, _ *http.Request) response {
	box.ClearRequests()
	return response{status: http.StatusNoContent}
}

func (s *Server) adminAddFault(box *Sandbox, r *http.Request) response {
	return withBody(r, func(body []byte) response {
		rule, err := decodeFaultRule(body)
		if err == nil {
			rule, err = box.AddFault(rule)
		}
		if err != nil {
			return adminFailure(err)
		}
		return adminJSON(http.StatusCreated, rule)
	})
}

func (s *Server) adminFaults(box *Sandbox, _ *http.Request) response {
	return adminJSON(http.StatusOK, map[string]any{"faults": box.Faults()})
}

func (s *Server) adminRemoveFault(box *Sandbox, r *http.Request) response {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return adminError(http.StatusNotFound, "use DELETE /__admin/faults/{id} with a numeric id")
	}
	if err := box.RemoveFault(id); err != nil {
		return adminFailure(err)
	}
	return response{status: http.StatusNoContent}
}

func (s *Server) adminClearFaults(box *Sandbox, _ *http.Request) response {
	box.ClearFaults()
	return response{status: http.StatusNoContent}
}

func (s *Server) adminSettings(box *Sandbox, _ *http.Request) response {
	return adminJSON(http.StatusOK, box.Settings())
}

func (s *Server) adminPatchSettings(box *Sandbox, r *http.Request) response {
	return withBody(r, func(body []byte) response {
		var patch SettingsPatch
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&patch); err != nil {
			return adminFailure(&InputError{Field: "settings", Reason: err.Error()})
		}
		next, err := box.PatchSettings(patch)
		if err != nil {
			return adminFailure(err)
		}
		return adminJSON(http.StatusOK, next)
	})
}

func (s *Server) adminHealth(box *Sandbox, _ *http.Request) response {
	return adminJSON(http.StatusOK, box.Health())
}

func (s *Server) adminSandboxes(_ *Sandbox, _ *http.Request) response {
	return adminJSON(http.StatusOK, map[string]any{"sandboxes": s.Sandboxes()})
}

func (s *Server) adminSnapshot(_ *Sandbox, _ *http.Request) response {
	if err := s.SaveState(); err != nil {
		if !errors.Is(err, ErrNoStateFile) {
			s.opts.Logger.Error("snapshot failed", "error", err)
		}
		return adminFailure(err)
	}
	return adminJSON(http.StatusOK, map[string]any{"status": "saved", "file": s.opts.StateFile, "stages": s.Len()})
}

// adminWriteFailed answers a reset or state replace that could not be made durable.
func (s *Server) adminWriteFailed(err error) response {
	s.opts.Logger.Error("state not saved", "error", err)
	return adminError(http.StatusInternalServerError, "the state could not be saved: "+err.Error())
}
