package mock

import (
	"net/http"
	"strconv"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// response is what a handler answers; serveHTTP checks and writes it, so every response
// leaves through one place.
type response struct {
	status      int
	contentType string
	body        []byte
	header      http.Header // extra headers, e.g. Retry-After
	drop        bool        // close the connection without answering
	sent        bool        // already written: the upstream's answer, passed on
	rendered    bool        // body is a document the mock built, kept by the journal as is
}

func document(status int, body []byte) response {
	return response{status: status, contentType: jsonapi.MediaType, body: body, rendered: true}
}

// fail answers with the errors; they must share one status, the first's.
func fail(errs ...*oppstages.Error) response {
	return document(errs[0].Code.Status(), jsonapi.ErrorDocument(nil, errs))
}

func unauthorized(g jsonapi.GatewayError) response {
	return response{status: http.StatusUnauthorized, contentType: "application/json", body: jsonapi.AppendGatewayError(nil, g)}
}

func noContent() response { return response{status: http.StatusNoContent} }

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func (resp response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	// One slice holds both values, set under keys already in canonical form.
	values := make([]string, 0, 2)
	if resp.contentType != "" {
		values = append(values, resp.contentType)
		h["Content-Type"] = values[0:1:1]
	}
	if resp.status != http.StatusNoContent {
		values = append(values, strconv.Itoa(len(resp.body)))
		h["Content-Length"] = values[len(values)-1 : len(values) : len(values)]
	}
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 {
		_, _ = w.Write(resp.body)
	}
}
