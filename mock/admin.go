package mock

import (
	"encoding/json"
	"net/http"

	"github.com/oppstages/oppstages/internal/jsonapi"
)

// admin serves the control plane under /__admin/. It answers plain JSON and is never
// validated against openapi.yaml.
func (s *Server) admin(r *http.Request) response {
	switch r.Method + " " + r.URL.Path {
	case "GET /__admin/health":
		return adminJSON(http.StatusOK, map[string]any{"status": "ok", "stages": s.Stages()})
	case "POST /__admin/reset":
		s.Reset()
		return adminJSON(http.StatusOK, map[string]any{"status": "reset", "stages": s.Stages()})
	case "GET /__admin/state":
		stages, users, _ := s.store().Snapshot()
		body := jsonapi.AppendRecords(nil, s.baseURL(r), jsonapi.Records{Stages: stages, Users: users})
		return response{status: http.StatusOK, contentType: jsonapi.MediaType, body: body}
	}
	return adminJSON(http.StatusNotFound, map[string]any{"error": "no admin endpoint " + r.Method + " " + r.URL.Path})
}

func adminJSON(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		return response{status: http.StatusInternalServerError, contentType: "application/json", body: []byte(`{"error":"encode"}`)}
	}
	return response{status: status, contentType: "application/json", body: body}
}
