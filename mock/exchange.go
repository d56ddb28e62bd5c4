package mock

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/oppstages/oppstages/internal/journal"
)

// readBody reads a request body up to limit bytes. Beyond it, it returns what it read
// and an *http.MaxBytesError, which the checks answer with a 413 in the vendor's order.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody { // nil: only a request that did not come through a server
		return nil, nil
	}
	if n := r.ContentLength; n > 0 && n <= limit { // the server's reader stops at ContentLength
		body := make([]byte, n)
		read, err := io.ReadFull(r.Body, body)
		return body[:read], err
	}
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
}

// journalExchange is what the journal keeps of the exchange as it was answered: status 0
// and no response for a dropped connection, the response headers as written. The journal
// takes the bodies as they are: neither is changed once the answer is sent.
func (x *exchange) journalExchange(arrived time.Time, elapsed time.Duration, status int, resp response, written http.Header) journal.Exchange {
	r, sent := x.r, x.sent
	e := journal.Exchange{
		Time:               arrived,
		Sandbox:            x.box.name,
		Method:             r.Method,
		Path:               sent.URL.Path, // as the client sent them
		RawQuery:           sent.URL.RawQuery,
		Status:             status,
		Duration:           elapsed,
		Fault:              x.fault,
		RequestHeader:      r.Header,
		RequestBody:        x.body,
		RequestContentType: r.Header.Get("Content-Type"),
		Violations:         x.violations,
	}
	if x.match != nil {
		e.OperationID = x.match.OperationID()
	}
	if _, cut := errors.AsType[*http.MaxBytesError](x.bodyErr); cut {
		e.RequestBodyCut = true
	}
	if !resp.drop {
		e.ResponseHeader = written
		e.ResponseBody, e.ResponseContentType, e.ResponseRendered = resp.body, resp.contentType, resp.rendered
	}
	return e
}
