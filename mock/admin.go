package mock

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/jsonapi"
)

// maxAdminBody bounds admin request bodies (state imports are the largest).
const maxAdminBody = 64 << 20

// admin serves the control plane under /__admin/. It answers plain JSON, is never
// validated against openapi.yaml, and takes X-Mock-Sandbox like the API.
func (s *Server) admin(r *http.Request) response {
	if s.opts.AdminToken != "" {
		got := bearerToken(r)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminToken)) != 1 {
			return adminError(http.StatusUnauthorized, "the admin API needs Authorization: Bearer <admin token>")
		}
	}
	box, berr := s.sandboxFor(r)
	if berr != nil {
		return adminError(http.StatusBadRequest, berr.Detail)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if id, ok := strings.CutPrefix(path, "/__admin/faults/"); ok {
		n, err := strconv.Atoi(id)
		if r.Method != http.MethodDelete || err != nil {
			return adminError(http.StatusNotFound, "use DELETE /__admin/faults/{id} with a numeric id")
		}
		if !box.faults.remove(n) {
			return adminError(http.StatusNotFound, fmt.Sprintf("no fault rule %d", n))
		}
		return response{status: http.StatusNoContent}
	}
	switch r.Method + " " + path {
	case "GET /__admin/health":
		count, evicted := s.named.stats()
		_, journalEvicted := box.journal.list()
		return adminJSON(http.StatusOK, map[string]any{
			"status": "ok", "stages": box.store().Len(),
			"sandboxes": count, "sandboxesEvicted": evicted, "journalEvicted": journalEvicted,
		})
	case "GET /__admin/sandboxes":
		type summary struct {
			Name   string `json:"name"`
			Stages int    `json:"stages"`
		}
		list := []summary{{Name: "", Stages: s.main.store().Len()}}
		for _, b := range s.named.list() {
			list = append(list, summary{Name: b.name, Stages: b.store().Len()})
		}
		return adminJSON(http.StatusOK, map[string]any{"sandboxes": list})
	case "POST /__admin/reset":
		if err := s.resetSandbox(box); err != nil {
			return s.adminWriteFailed(err)
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "reset", "stages": box.store().Len()})
	case "GET /__admin/state":
		return response{status: http.StatusOK, contentType: jsonapi.MediaType, body: encodeState(box.store(), s.baseURL(r))}
	case "PUT /__admin/state":
		body, resp := readAdminBody(r)
		if resp != nil {
			return *resp
		}
		st, err := decodeState(body, box.store())
		if err != nil {
			return adminError(http.StatusBadRequest, "state: "+err.Error())
		}
		if err := box.replace(st); err != nil {
			return s.adminWriteFailed(err)
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "replaced", "stages": st.Len()})
	case "POST /__admin/snapshot":
		if s.opts.StateFile == "" {
			return adminError(http.StatusConflict, "no state file: start the server with -state FILE")
		}
		if err := s.SaveState(); err != nil {
			s.opts.Logger.Error("snapshot failed", "error", err)
			return adminError(http.StatusInternalServerError, err.Error())
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "saved", "file": s.opts.StateFile, "stages": s.Stages()})
	case "GET /__admin/requests":
		entries, evicted := box.journal.list()
		return adminJSON(http.StatusOK, map[string]any{"requests": entries, "evicted": evicted})
	case "DELETE /__admin/requests":
		box.journal.clear()
		return response{status: http.StatusNoContent}
	case "GET /__admin/faults":
		return adminJSON(http.StatusOK, map[string]any{"faults": box.faults.list()})
	case "POST /__admin/faults":
		body, resp := readAdminBody(r)
		if resp != nil {
			return *resp
		}
		rule, err := parseFaultRule(body, s.operationIDs(), func(name string) bool { _, ok := s.errors[name]; return ok })
		if err != nil {
			return adminError(http.StatusBadRequest, err.Error())
		}
		added, ok := box.faults.add(rule, s.opts.MaxFaults)
		if !ok {
			return adminError(http.StatusBadRequest, fmt.Sprintf("a sandbox holds at most %d fault rules; delete some first", s.opts.MaxFaults))
		}
		return adminJSON(http.StatusCreated, added)
	case "DELETE /__admin/faults":
		box.faults.clear()
		return response{status: http.StatusNoContent}
	case "GET /__admin/settings":
		return adminJSON(http.StatusOK, box.currentSettings())
	case "PATCH /__admin/settings":
		body, resp := readAdminBody(r)
		if resp != nil {
			return *resp
		}
		var patch settingsPatch
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&patch); err != nil {
			return adminError(http.StatusBadRequest, "settings: "+err.Error())
		}
		next := patch.apply(box.currentSettings())
		if err := next.check(); err != nil {
			return adminError(http.StatusBadRequest, "settings: "+err.Error())
		}
		box.setSettings(next)
		return adminJSON(http.StatusOK, next)
	}
	return adminError(http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path)
}

// adminWriteFailed answers a reset or state replace that could not be made durable.
func (s *Server) adminWriteFailed(err error) response {
	s.opts.Logger.Error("state not saved", "error", err)
	return adminError(http.StatusInternalServerError, "the state could not be saved: "+err.Error())
}

func (s *Server) operationIDs() []string {
	ids := make([]string, 0, len(s.responses.ops))
	for id := range s.responses.ops {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func readAdminBody(r *http.Request) ([]byte, *response) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAdminBody))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			resp := adminError(http.StatusRequestEntityTooLarge, fmt.Sprintf("admin bodies are limited to %d bytes", maxAdminBody))
			return nil, &resp
		}
		resp := adminError(http.StatusBadRequest, "the body could not be read")
		return nil, &resp
	}
	return body, nil
}

func adminJSON(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		return response{status: http.StatusInternalServerError, contentType: "application/json", body: []byte(`{"error":"encode"}`)}
	}
	return response{status: status, contentType: "application/json", body: body}
}

func adminError(status int, msg string) response {
	return adminJSON(status, map[string]string{"error": msg})
}
