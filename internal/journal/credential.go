package journal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
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

// hasher hashes values one after another with one HMAC, for one entry's read.
type hasher struct {
	mac hash.Hash
	sum []byte
}

func (k *keys) hasher() *hasher { return &hasher{mac: hmac.New(sha256.New, k.key)} }

// hash is the keyed hash of the parts, each length-prefixed so that no two lists of parts
// hash alike; "" for no parts or one empty part (nothing was presented).
func (h *hasher) hash(parts ...string) string {
	if len(parts) == 0 || len(parts) == 1 && parts[0] == "" {
		return ""
	}
	h.mac.Reset()
	var n [8]byte
	for _, p := range parts {
		l := len(p)
		for i := range n {
			n[i] = byte(l >> (8 * i))
		}
		h.mac.Write(n[:])
		h.mac.Write([]byte(p))
	}
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
