package mock

import (
	"errors"
	"io"
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
	// stream, when set, writes the body instead of body: an answer too large to build
	// whole first, sent without Content-Length.
	stream func(w io.Writer)
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
	resp.writeCounted(w, rateCount{}, make([]string, 0, headerValues))
}

// headerValues is how many header values writeCounted sets at most.
const headerValues = 5

// writeCounted writes the answer with the rate-limit headers of count (none for a zero
// count) under it. The headers' values share values, empty with room for headerValues,
// and their digits one string, set under keys already in canonical form.
func (resp response) writeCounted(w http.ResponseWriter, count rateCount, values []string) {
	h := w.Header()
	hasLength := resp.status != http.StatusNoContent && resp.stream == nil
	length := int64(len(resp.body))
	switch {
	case count.limit > 0 && hasLength:
		values = decimals(values, int64(count.limit), int64(count.remaining), count.reset, length)
	case count.limit > 0:
		values = decimals(values, int64(count.limit), int64(count.remaining), count.reset)
	case hasLength:
		values = decimals(values, length)
	}
	if count.limit > 0 {
		setRateLimitHeaders(h, values)
	}
	for k, vs := range resp.header {
		h[k] = vs
	}
	if hasLength {
		n := len(values)
		h["Content-Length"] = values[n-1 : n : n]
	}
	if resp.contentType != "" {
		values = append(values, resp.contentType)
		n := len(values)
		h["Content-Type"] = values[n-1 : n : n]
	}
	w.WriteHeader(resp.status)
	switch {
	case resp.stream != nil:
		resp.stream(w)
	case len(resp.body) > 0:
		_, _ = w.Write(resp.body)
	}
}

// stateBudgetError answers a write that MaxStateBytesTotal has no room for.
func (s *Server) stateBudgetError() *oppstages.Error {
	return oppstages.Errorf(oppstages.CodeValidationError,
		"This mock's named sandboxes together hold at most %d bytes of stages beyond the seed (MaxStateBytesTotal); delete some or reset a sandbox.",
		s.opts.MaxStateBytesTotal).AtPointer("/data")
}

// failWrite answers a failed write. A write that could not be made durable is logged and
// answered 500, so that it is never acknowledged.
func (s *Server) failWrite(err error) response {
	if _, ok := errors.AsType[*oppstages.Error](err); !ok {
		s.opts.Logger.Error("write failed", "error", err)
	}
	return failWith(err)
}

// failWith answers a store error: its own code when it has one, else a 500.
func failWith(err error) response {
	if e, ok := errors.AsType[*oppstages.Error](err); ok {
		return fail(e)
	}
	return fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
}
