package mock

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
)

// maxAdminBody bounds admin request bodies (state imports are the largest).
const maxAdminBody = 64 << 20

// admin serves the control plane under /__admin/. It answers plain JSON, is never
// validated against openapi.yaml, and takes X-Mock-Sandbox like the API. Each call only
// decodes its input and encodes its answer: the work is done by the Sandbox method of the
// same name, so HTTP and Go share one implementation and one set of rules.
func (s *Server) admin(r *http.Request) response {
	if why := s.adminCallerRefused(r); why != "" {
		return adminError(http.StatusForbidden, why)
	}
	if s.opts.AdminToken != "" {
		got := bearerToken(r)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminToken)) != 1 {
			return adminError(http.StatusUnauthorized, "the admin API needs Authorization: Bearer <admin token>")
		}
	}
	box, err := s.Sandbox(r.Header.Get("X-Mock-Sandbox"))
	if err != nil {
		return adminFailure(err)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if id, ok := strings.CutPrefix(path, "/__admin/faults/"); ok {
		n, err := strconv.Atoi(id)
		if r.Method != http.MethodDelete || err != nil {
			return adminError(http.StatusNotFound, "use DELETE /__admin/faults/{id} with a numeric id")
		}
		if err := box.RemoveFault(n); err != nil {
			return adminFailure(err)
		}
		return response{status: http.StatusNoContent}
	}
	switch r.Method + " " + path {
	case "GET /__admin/health":
		return adminJSON(http.StatusOK, box.Health())
	case "GET /__admin/sandboxes":
		return adminJSON(http.StatusOK, map[string]any{"sandboxes": s.Sandboxes()})
	case "POST /__admin/reset":
		if err := box.Reset(); err != nil {
			return s.adminWriteFailed(err)
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "reset", "stages": box.Len()})
	case "GET /__admin/state":
		return response{status: http.StatusOK, contentType: jsonapi.MediaType, body: box.exportState(s.baseURL(r))}
	case "PUT /__admin/state":
		return withBody(r, func(body []byte) response {
			if err := box.ReplaceState(body); errors.Is(err, ErrInvalid) || errors.Is(err, ErrLimit) {
				return adminFailure(err)
			} else if err != nil {
				return s.adminWriteFailed(err)
			}
			return adminJSON(http.StatusOK, map[string]any{"status": "replaced", "stages": box.Len()})
		})
	case "POST /__admin/snapshot":
		if err := s.SaveState(); err != nil {
			if !errors.Is(err, ErrNoStateFile) {
				s.opts.Logger.Error("snapshot failed", "error", err)
			}
			return adminFailure(err)
		}
		return adminJSON(http.StatusOK, map[string]any{"status": "saved", "file": s.opts.StateFile, "stages": s.Len()})
	case "GET /__admin/requests":
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
	case "DELETE /__admin/requests":
		box.ClearRequests()
		return response{status: http.StatusNoContent}
	case "GET /__admin/faults":
		return adminJSON(http.StatusOK, map[string]any{"faults": box.Faults()})
	case "POST /__admin/faults":
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
	case "DELETE /__admin/faults":
		box.ClearFaults()
		return response{status: http.StatusNoContent}
	case "GET /__admin/settings":
		return adminJSON(http.StatusOK, box.Settings())
	case "PATCH /__admin/settings":
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

// withBody reads an admin request's body, within maxAdminBody, and hands it to answer.
func withBody(r *http.Request, answer func([]byte) response) response {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAdminBody))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return adminError(http.StatusRequestEntityTooLarge, fmt.Sprintf("admin bodies are limited to %d bytes", maxAdminBody))
		}
		return adminError(http.StatusBadRequest, "the body could not be read")
	}
	return answer(body)
}

// adminFailure answers an error from a Sandbox method with the status that goes with
// it: 400 for bad input (naming the field) and for a full sandbox, 404 for an unknown
// rule, 409 for a missing state file, 500 for anything else.
func adminFailure(err error) response {
	switch {
	case errors.Is(err, ErrInvalid):
		body := map[string]string{"error": err.Error()}
		if ie, ok := errors.AsType[*InputError](err); ok {
			body["field"] = ie.Field
		}
		return adminJSON(http.StatusBadRequest, body)
	case errors.Is(err, ErrLimit):
		return adminError(http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		return adminError(http.StatusNotFound, err.Error())
	case errors.Is(err, ErrNoStateFile):
		return adminError(http.StatusConflict, err.Error())
	}
	return adminError(http.StatusInternalServerError, err.Error())
}

// adminJSON answers v as JSON, leaving &, < and > as they are: journal entries quote
// queries and form bodies, which read better unescaped.
func adminJSON(status int, v any) response {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return response{status: http.StatusInternalServerError, contentType: "application/json", body: []byte(`{"error":"encode"}`)}
	}
	return response{status: status, contentType: "application/json", body: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}
}

// requestLogAnswer answers a RequestLog exactly as adminJSON would, but writes it out an
// entry at a time as the journal makes them, in pieces of about streamPiece bytes: each
// reader of the journal holds one entry and one piece, not the whole answer, however many
// readers there are and however full the journal is.
func requestLogAnswer(entries iter.Seq[JournalEntry], evicted int) response {
	return response{status: http.StatusOK, contentType: "application/json", stream: func(w io.Writer) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		b.WriteString(`{"requests":[`)
		count := 0
		for e := range entries {
			if count > 0 {
				b.WriteByte(',')
			}
			if err := enc.Encode(e); err != nil {
				return // cannot happen: an entry's bodies are valid JSON; the answer ends cut short
			}
			b.Truncate(b.Len() - 1) // Encode's newline
			count++
			if b.Len() >= streamPiece {
				if _, err := w.Write(b.Bytes()); err != nil {
					return // the reader went away
				}
				b.Reset()
			}
		}
		fmt.Fprintf(&b, `],"count":%d,"evicted":%d}`, count, evicted)
		_, _ = w.Write(b.Bytes())
	}}
}

// streamPiece is about how much of a streamed answer is written at once.
const streamPiece = 32 << 10

func adminError(status int, msg string) response {
	return adminJSON(status, map[string]string{"error": msg})
}
