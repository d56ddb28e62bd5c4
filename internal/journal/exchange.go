package journal

import (
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"
)

// Exchange is one request and its answer as a server hands them to Add: the raw material
// of an Entry. Add copies the header values, which are few, and keeps the bodies without
// a copy: the caller gives them up and must not change them afterwards. Credentials are
// redacted, and bodies shaped, only when an entry is read, so that recording costs a
// request next to nothing.
type Exchange struct {
	Time        time.Time // when the request arrived
	Sandbox     string
	Method      string
	Path        string
	RawQuery    string
	OperationID string
	Status      int // 0 when the connection was dropped
	Duration    time.Duration
	Fault       string

	RequestHeader      http.Header
	RequestBody        []byte
	RequestContentType string
	// RequestBodyCut says the body did not arrive whole: it was over a limit, or broken off.
	RequestBodyCut bool

	// ResponseHeader is nil when no answer was sent (a dropped connection).
	ResponseHeader      http.Header
	ResponseBody        []byte
	ResponseContentType string
	// ResponseRendered marks a body the server rendered itself: valid JSON with no
	// credentials in it, kept as it is.
	ResponseRendered bool

	Violations []string
}

// record is an entry as the journal holds it: the fields a filter reads are set in entry;
// the query, headers and bodies are kept raw and turned into the entry's only when read.
type record struct {
	entry          Entry // RequestBody or ResponseBody set here: shaped when added (too long to keep raw)
	rawQuery       string
	requestHeader  []string // name, value, name, value, ...
	responseHeader []string // nil: no answer was sent
	requestBody    []byte
	responseBody   []byte
	requestType    string
	responseType   string
	rendered       bool // responseBody is the server's own JSON
	size           int  // what the record counts against a journal's byte budget
	bodyBytes      int  // the bodies' share of size
}

// entryOverhead approximates what an entry costs beyond its query, bodies and headers.
const entryOverhead = 256

// newRecord takes what the journal keeps of x.
func newRecord(x Exchange) record {
	rec := record{
		entry: Entry{Time: x.Time, Sandbox: x.Sandbox, Method: x.Method, Path: RedactPath(x.Path), OperationID: x.OperationID,
			Status: x.Status, DurationMS: float64(x.Duration.Microseconds()) / 1000, Fault: x.Fault,
			RequestBodyTruncated: x.RequestBodyCut, Violations: x.Violations},
		rawQuery:     x.RawQuery,
		requestBody:  x.RequestBody,
		responseBody: x.ResponseBody,
		requestType:  x.RequestContentType,
		responseType: x.ResponseContentType,
		rendered:     x.ResponseRendered,
	}
	if len(rec.requestBody) == 0 {
		rec.requestBody = nil
	}
	if len(rec.responseBody) == 0 {
		rec.responseBody = nil
	}
	// A body longer than an entry keeps is shaped (and cut) now, so that the rest of it is
	// not held until the entry is read.
	if len(rec.requestBody) > MaxBody {
		var cut bool
		rec.entry.RequestBody, cut = Body(rec.requestBody, rec.requestType)
		rec.entry.RequestBodyTruncated = rec.entry.RequestBodyTruncated || cut
		rec.requestBody = nil
	}
	if len(rec.responseBody) > MaxBody {
		rec.entry.ResponseBody, rec.entry.ResponseBodyTruncated = Body(rec.responseBody, rec.responseType)
		rec.responseBody = nil
	}
	var headerBytes int
	rec.requestHeader, rec.responseHeader, headerBytes = flatten(x.RequestHeader, x.ResponseHeader)
	// Raw bodies count what reading may make of them, not their own length, so that the
	// budget bounds what a read hands out too; the server's own JSON is kept as it is.
	responseBytes := len(rec.responseBody)
	if !rec.rendered {
		responseBytes = shapedSize(rec.responseBody)
	}
	rec.bodyBytes = shapedSize(rec.requestBody) + len(rec.entry.RequestBody) + responseBytes + len(rec.entry.ResponseBody)
	rec.size = entryOverhead + len(x.Path) + len(x.RawQuery) + headerBytes + rec.bodyBytes
	return rec
}

// shapedSize is what Body may make of raw, up to MaxBody of it, with every escape at its
// longest: its text as a JSON string, where a control character, an invalid byte or
// U+2028/U+2029 takes 6 bytes and a quote or a backslash 2, or a JSON document redacted
// and encoded again, which may also escape <, > and & in 6. (Redaction itself may lengthen
// a credential shorter than REDACTED by a few bytes.) Nothing (0) for no body.
func shapedSize(raw []byte) int {
	if len(raw) == 0 {
		return 0
	}
	n := 2 // the quotes
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				n += 2
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}

// dropBodies forgets the bodies of a record too large for a journal's whole budget.
func (rec *record) dropBodies() {
	if rec.requestBody != nil || rec.entry.RequestBody != nil {
		rec.requestBody, rec.entry.RequestBody, rec.entry.RequestBodyTruncated = nil, nil, true
	}
	if rec.responseBody != nil || rec.entry.ResponseBody != nil {
		rec.responseBody, rec.entry.ResponseBody, rec.entry.ResponseBodyTruncated = nil, nil, true
	}
	rec.size -= rec.bodyBytes
	rec.bodyBytes = 0
}

// read makes the entry a caller sees: credentials redacted, bodies shaped, nothing shared
// with the journal.
func (rec *record) read() Entry {
	e := rec.entry
	e.Query = RedactQuery(rec.rawQuery)
	e.RequestHeaders = RedactHeader(unflatten(rec.requestHeader))
	if rec.responseHeader != nil {
		e.ResponseHeaders = RedactHeader(unflatten(rec.responseHeader))
	}
	if rec.requestBody != nil {
		var cut bool
		e.RequestBody, cut = Body(rec.requestBody, rec.requestType)
		e.RequestBodyTruncated = e.RequestBodyTruncated || cut
	} else {
		e.RequestBody = cloneBytes(e.RequestBody)
	}
	switch {
	case rec.responseBody != nil && rec.rendered:
		e.ResponseBody = cloneBytes(rec.responseBody) // valid by construction, with no credentials
	case rec.responseBody != nil:
		e.ResponseBody, e.ResponseBodyTruncated = Body(rec.responseBody, rec.responseType)
	default:
		e.ResponseBody = cloneBytes(e.ResponseBody)
	}
	if e.Violations != nil {
		e.Violations = append([]string(nil), e.Violations...)
	}
	return e
}

// flatten copies the names and values of a request's and a response's headers into one
// slice, name before value, and counts their bytes. The response's part is nil when the
// response header is nil (no answer was sent).
func flatten(request, response http.Header) (requestFlat, responseFlat []string, size int) {
	// A header has about one value per name: room for that, and one pass over each map.
	flat := make([]string, 0, 2*(len(request)+len(response)))
	for k, vs := range request {
		for _, v := range vs {
			flat = append(flat, k, v)
			size += len(k) + len(v) + 4
		}
	}
	split := len(flat)
	for k, vs := range response {
		for _, v := range vs {
			flat = append(flat, k, v)
			size += len(k) + len(v) + 4
		}
	}
	requestFlat = flat[:split:split]
	if response != nil {
		responseFlat = flat[split:]
	}
	return requestFlat, responseFlat, size
}

// unflatten is the header flatten copied, with values in their order.
func unflatten(flat []string) http.Header {
	h := make(http.Header, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		h[flat[i]] = append(h[flat[i]], flat[i+1])
	}
	return h
}

func cloneBytes(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}
