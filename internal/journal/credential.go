package journal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// hashLen is how many hex digits of a keyed hash an entry keeps: 64 bits, enough that two
// credentials of one journal never share one.
const hashLen = 16

// keys makes the keyed hashes an entry keeps in place of a credential, so that entries can
// be compared (did these two requests present the same token?) without the credential
// itself being kept or shown. The key is random and never leaves the process: a hash
// from one process means nothing in another, and no one can test a guessed token
// against it.
type keys struct {
	key []byte
}

func newKeys() *keys {
	k := make([]byte, sha256.Size)
	_, _ = rand.Read(k) // crypto/rand never fails
	return &keys{key: k}
}

// hasher hashes values one after another with one HMAC, for the entries of one read. It
// is not safe for concurrent use.
type hasher struct {
	mac hash.Hash
	buf []byte // the message being hashed: each part length-prefixed
	sum []byte
}

func (k *keys) hasher() *hasher { return &hasher{mac: hmac.New(sha256.New, k.key)} }

// hash is the keyed hash of one value; "" for "" (nothing was presented).
func (h *hasher) hash(v string) string {
	if v == "" {
		return ""
	}
	h.buf = appendPart(h.buf[:0], v)
	return h.done()
}

// hashRequest is the keyed hash of a request's parts: its method, path, query, body,
// credential, and the headers that decide its answer (decisive), given as a flat list of
// names and values.
func (h *hasher) hashRequest(method, path, rawQuery string, body []byte, credential string, header []string) string {
	b := appendPart(h.buf[:0], method)
	b = appendPart(b, path)
	b = appendPart(b, rawQuery)
	b = appendPart(b, body)
	b = appendPart(b, credential)
	for _, kv := range decisive(header) {
		b = appendPart(b, kv)
	}
	h.buf = b
	return h.done()
}

// decisive are the request headers that may decide an answer, besides the credential:
// Content-Type, Content-Encoding, Accept, Prefer, and the mock's own X-Mock-* headers
// (X-Mock-Sandbox, X-Mock-Delay, ...). It returns them as "name: value" (name in
// canonical form), sorted, so that their order makes no difference. Headers that only
// describe the client or the moment (User-Agent, Date, tracing) are left out: a request
// sent again with only those changed is the same request.
func decisive(header []string) []string {
	var out []string
	for i := 0; i+1 < len(header); i += 2 {
		name := http.CanonicalHeaderKey(header[i])
		switch {
		case name == "Content-Type", name == "Content-Encoding", name == "Accept", name == "Prefer",
			strings.HasPrefix(name, "X-Mock-"):
			out = append(out, name+": "+header[i+1])
		}
	}
	slices.Sort(out)
	return out
}

// appendPart appends a part, prefixed with its length so that no two lists of parts
// make the same message.
func appendPart[S string | []byte](b []byte, part S) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
	return append(b, part...)
}

// done hashes the message in buf, in hex, cut to hashLen digits.
func (h *hasher) done() string {
	h.mac.Reset()
	h.mac.Write(h.buf)
	h.sum = h.mac.Sum(h.sum[:0])
	return hex.EncodeToString(h.sum[:hashLen/2])
}

// hashAll hashes each value; nil for none.
func (h *hasher) hashAll(values []string) []string {
	if len(values) == 0 {
		return nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, h.hash(v))
		}
	}
	return out
}

// PageCursors are the page cursors a raw query carries: the values of page[after] and
// page[before], however the names and values are percent-encoded, decoded as a server
// decodes them. Use it on a request's query and on the queries of the links an answer
// issues, so that both sides are read alike.
func PageCursors(rawQuery string) []string {
	var cursors []string
	for rawQuery != "" {
		var p string
		p, rawQuery, _ = strings.Cut(rawQuery, "&")
		key, value, hasValue := strings.Cut(p, "=")
		if !hasValue || !strings.HasPrefix(key, "page") {
			continue
		}
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if key != "page[after]" && key != "page[before]" {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		if value != "" {
			cursors = append(cursors, value)
		}
	}
	return cursors
}

// LinkCursors are the page cursors in the top-level links member of a JSON:API document:
// those of each link's query, whether the link is a string or an object with an href.
// Nothing for a body that is no such document.
func LinkCursors(body []byte) []string {
	var doc struct {
		Links map[string]json.RawMessage `json:"links"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var cursors []string
	for _, raw := range doc.Links {
		var link struct {
			Href string `json:"href"`
		}
		if json.Unmarshal(raw, &link.Href) != nil && json.Unmarshal(raw, &link) != nil {
			continue
		}
		if _, query, ok := strings.Cut(link.Href, "?"); ok {
			query, _, _ = strings.Cut(query, "#")
			cursors = append(cursors, PageCursors(query)...)
		}
	}
	slices.Sort(cursors) // links come in no order
	return cursors
}
