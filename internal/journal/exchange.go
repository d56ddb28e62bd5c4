package journal

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
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

	// What a client report rests on (see the fields of Entry with the same names). The
	// credential, the grant, the tokens issued and the cursors are given as sent; an entry
	// keeps only their keyed hashes.
	Answered          time.Time // zero: Time plus Duration is all that is known
	Credential        string    // the bearer token of an API request; the client_id of a token request
	Grant             string    // the code or refresh token a token request presented
	GrantType         string
	Issued            []string // the access and refresh tokens a token answer issued
	Cursors           []string // the page cursors the answer's links issued, decoded
	Injected          bool
	Dropped           Drop
	LostStatus        int
	CredentialExpired bool
	Forwarded         bool
}

// maxGrantType bounds the grant_type an entry keeps: the client chooses it.
const maxGrantType = 64

// record is an entry as the journal holds it: the fields a filter reads are set in entry;
// the query, headers and bodies are kept raw and turned into the entry's only when read.
type record struct {
	entry          Entry
	rawPath        string // the path as sent, when entry.Path had a credential redacted
	rawQuery       string
	requestHeader  []string // name, value, name, value, ...
	responseHeader []string // nil: no answer was sent
	requestBody    []byte
	responseBody   []byte
	requestType    string
	responseType   string
	requestCut     bool // the body was longer than MaxBody: what is kept is its start
	responseCut    bool
	rendered       bool // responseBody is the server's own JSON, whole
	size           int  // what the record counts against a journal's byte budget
	bodyBytes      int  // the bodies' share of size
	// The values an entry shows only as keyed hashes, hashed when it is read.
	credential string
	grant      string
	issued     []string
	cursors    []string
}

// entryOverhead approximates what an entry costs beyond its query, bodies and headers.
const entryOverhead = 256

// newRecord takes what the journal keeps of x.
func newRecord(x Exchange) record {
	rec := record{
		entry: Entry{Time: x.Time, Sandbox: x.Sandbox, Method: x.Method, Path: RedactPath(x.Path), OperationID: x.OperationID,
			Status: x.Status, DurationMS: float64(x.Duration.Microseconds()) / 1000, Fault: x.Fault,
			RequestBodyTruncated: x.RequestBodyCut, Violations: x.Violations,
			Answered: x.Answered, GrantType: x.GrantType, Injected: x.Injected, Dropped: x.Dropped,
			LostStatus: x.LostStatus, CredentialExpired: x.CredentialExpired, Forwarded: x.Forwarded},
		rawQuery:     x.RawQuery,
		requestType:  x.RequestContentType,
		responseType: x.ResponseContentType,
		credential:   x.Credential,
		grant:        x.Grant,
		issued:       slices.Clone(x.Issued),
		cursors:      slices.Clone(x.Cursors),
	}
	if len(rec.entry.GrantType) > maxGrantType {
		rec.entry.GrantType = strings.Clone(strings.ToValidUTF8(rec.entry.GrantType[:maxGrantType], ""))
	}
	if rec.entry.Path != x.Path {
		rec.rawPath = x.Path // for the credentials to mask when the entry is read
	}
	rec.requestBody, rec.requestCut = keepBody(x.RequestBody)
	rec.requestCut = rec.requestCut || x.RequestBodyCut
	rec.responseBody, rec.responseCut = keepBody(x.ResponseBody)
	rec.rendered = x.ResponseRendered && !rec.responseCut
	var headerBytes int
	rec.requestHeader, rec.responseHeader, headerBytes = flatten(x.RequestHeader, x.ResponseHeader)
	// Raw bodies count what reading may make of them, not their own length, so that the
	// budget bounds what a read hands out too; the server's own JSON is kept as it is.
	responseBytes := len(rec.responseBody)
	if !rec.rendered {
		responseBytes = shapedSize(rec.responseBody)
	}
	rec.bodyBytes = shapedSize(rec.requestBody) + responseBytes
	rec.size = entryOverhead + len(x.Path) + len(rec.rawPath) + len(x.RawQuery) + headerBytes + rec.bodyBytes +
		len(x.Credential) + len(x.Grant) + len(rec.entry.GrantType) + stringsSize(x.Issued) + stringsSize(x.Cursors)
	return rec
}

// stringsSize is what a list of strings counts against a journal's byte budget.
func stringsSize(list []string) int {
	n := 0
	for _, s := range list {
		n += len(s) + 16
	}
	return n
}

// keepBody is what a record keeps of a body: nothing of an empty one, and a copy of the
// first MaxBody bytes of a longer one (cut), so that the rest is not held until the entry
// is read.
func keepBody(b []byte) (kept []byte, cut bool) {
	switch {
	case len(b) == 0:
		return nil, false
	case len(b) > MaxBody:
		return bytes.Clone(b[:MaxBody]), true
	}
	return b, false
}

// shapedSize is what Body may make of raw, up to MaxBody of it, with every escape at its
// longest: its text as a JSON string, where a control character, an invalid byte or
// U+2028/U+2029 takes 6 bytes and a quote or a backslash 2, or a JSON document redacted
// and encoded again, which may also escape <, > and & in 6. (Redaction and masking may
// lengthen by a few bytes a credential shorter than REDACTED: a number that holds one, the
// start of one that ends a body cut short.) Nothing (0) for no body.
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
	if rec.requestBody != nil {
		rec.requestBody, rec.entry.RequestBodyTruncated = nil, true
	}
	if rec.responseBody != nil {
		rec.responseBody, rec.entry.ResponseBodyTruncated = nil, true
	}
	rec.size -= rec.bodyBytes
	rec.bodyBytes = 0
}

// read makes the entry a caller sees: credentials redacted wherever a name says what they
// are, every credential the request carried masked wherever the entry repeats it, the
// values kept as hashes hashed with h, bodies shaped, nothing shared with the journal.
func (rec *record) read(h *hasher) Entry {
	e := rec.entry
	rec.hashInto(&e, h)
	requestHeader := unflatten(rec.requestHeader)
	var secrets secretSet
	secrets.add(rec.grant)
	for _, t := range rec.issued {
		secrets.add(t)
	}
	secrets.fromHeader(requestHeader)
	secrets.fromQuery(rec.rawQuery)
	if rec.rawPath != "" {
		secrets.fromPath(rec.rawPath)
	}
	var cut bool
	e.RequestBody, cut = shapeBody(rec.requestBody, rec.requestType, rec.requestCut, secrets.list, &secrets)
	e.RequestBodyTruncated = e.RequestBodyTruncated || cut
	known := secrets.list // now with those the request's body named
	e.Path = MaskString(e.Path, known)
	e.Query = MaskString(RedactQuery(rec.rawQuery), known)
	e.RequestHeaders = redactHeader(requestHeader, known)
	if rec.responseHeader != nil {
		e.ResponseHeaders = redactHeader(unflatten(rec.responseHeader), known)
	}
	if rec.rendered {
		// Valid by construction, with no credentials of its own; it may still repeat one
		// the request sent.
		var masked bool
		if e.ResponseBody, masked = mask(rec.responseBody, known, true, false); !masked {
			e.ResponseBody = bytes.Clone(rec.responseBody)
		}
	} else {
		e.ResponseBody, cut = shapeBody(rec.responseBody, rec.responseType, rec.responseCut, known, nil)
		e.ResponseBodyTruncated = e.ResponseBodyTruncated || cut
	}
	if e.Violations != nil {
		e.Violations = slices.Clone(e.Violations)
		for i, v := range e.Violations {
			e.Violations[i] = MaskString(v, known)
		}
	}
	return e
}

// hashInto sets the entry's keyed hashes: of the credential, the grant, the tokens issued,
// the cursors sent and issued, and of the request as a whole unless its body was not kept
// whole.
func (rec *record) hashInto(e *Entry, h *hasher) {
	e.Credential = h.hash(rec.credential)
	e.Grant = h.hash(rec.grant)
	e.Issued = h.hashAll(rec.issued)
	e.CursorsIssued = h.hashAll(rec.cursors)
	e.CursorsSent = h.hashAll(PageCursors(rec.rawQuery))
	if !rec.requestCut && !rec.entry.RequestBodyTruncated {
		path := rec.rawPath
		if path == "" {
			path = rec.entry.Path
		}
		e.Fingerprint = h.hashRequest(rec.entry.Method, path, rec.rawQuery, rec.requestBody, rec.credential, rec.requestHeader)
	}
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
