package mock

import (
	"context"
	"net/http"
	"net/http/httptest"
)

// Client returns an HTTP client whose requests go straight to the server's handler, with
// no socket: point a Go SDK or test at any URL (the host is ignored) and it talks to this
// mock in memory.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: handlerTransport{h: s.Handler()}}
}

// handlerTransport is a RoundTripper that serves each request with a handler, in a
// sandbox when one is named.
type handlerTransport struct {
	h       http.Handler
	sandbox string
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	// Give the handler a request as a server would: a body that is never nil, a host.
	in := r.Clone(context.WithValue(r.Context(), inMemoryKey{}, true))
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	in.Host = r.URL.Host
	if t.sandbox != "" {
		in.Header.Set("X-Mock-Sandbox", t.sandbox)
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// inMemoryKey marks a request's context as made by Client(), never by a browser.
type inMemoryKey struct{}

// inMemory reports whether r came through Client() rather than a socket.
func inMemory(r *http.Request) bool {
	v, _ := r.Context().Value(inMemoryKey{}).(bool)
	return v
}
