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

// journalEntry records the exchange as it was answered: status 0 for a dropped
// connection, the response headers as written.
func (x *exchange) journalEntry(arrived time.Time, elapsed time.Duration, status int, resp response, written http.Header) journal.Entry {
	r := x.r
	e := journal.Entry{
		Time:           arrived,
		Sandbox:        x.box.name,
		Method:         r.Method,
		Path:           r.URL.Path,
		Query:          journal.RedactQuery(r.URL.RawQuery),
		Status:         status,
		DurationMS:     float64(elapsed.Microseconds()) / 1000,
		Fault:          x.fault,
		RequestHeaders: journal.RedactHeader(r.Header),
		Violations:     x.violations,
	}
	if x.match != nil {
		e.OperationID = x.match.OperationID()
	}
	e.RequestBody, e.RequestBodyTruncated = journal.Body(x.body, r.Header.Get("Content-Type"))
	if _, cut := errors.AsType[*http.MaxBytesError](x.bodyErr); cut {
		e.RequestBodyTruncated = true
	}
	if !resp.drop {
		e.ResponseHeaders = journal.RedactHeader(written)
		if resp.rendered {
			e.ResponseBody, e.ResponseBodyTruncated = journal.OwnJSON(resp.body)
		} else {
			e.ResponseBody, e.ResponseBodyTruncated = journal.Body(resp.body, resp.contentType)
		}
	}
	return e
}
