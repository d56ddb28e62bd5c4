package journal

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxBody is the most of one body an entry keeps.
const MaxBody = 64 << 10

// Body turns a message body into what an entry keeps: its JSON value when it is valid
// JSON of at most MaxBody bytes, else a JSON string holding its text, cut at MaxBody bytes
// (truncated then says so). Members, form and multipart fields, name: value pairs and XML
// elements with credential-like names are redacted; a multipart body is kept only as far
// as it parses. It never keeps a reference to raw.
func Body(raw []byte, contentType string) (body json.RawMessage, truncated bool) {
	if len(raw) == 0 {
		return nil, false
	}
	if len(raw) > MaxBody {
		raw, truncated = raw[:MaxBody], true
		for range utf8.UTFMax - 1 { // do not split a character
			if r, n := utf8.DecodeLastRune(raw); r != utf8.RuneError || n != 1 {
				break
			}
			raw = raw[:len(raw)-1]
		}
	}
	if !truncated && json.Valid(raw) {
		if mayHoldSecret(raw) {
			return redactJSON(raw), false
		}
		return append(json.RawMessage(nil), raw...), false
	}
	// Text may be multipart, a form, JSON cut short or some other text: redact what looks
	// like a credential in each shape, whatever the content type claims.
	if text, ok := redactMultipart(raw, contentType); ok {
		return quote(text), truncated
	}
	return quote(redactText(string(raw))), truncated
}

// jsonMember finds "name": "value" pairs in text that is not (or no longer) valid JSON.
var jsonMember = regexp.MustCompile(`"([^"\\]{1,64})"\s*:\s*"((?:[^"\\]|\\.)*)`)

// redactMembers replaces the values of credential-like members of cut-off JSON.
func redactMembers(text string) string {
	if !mayHoldSecret([]byte(text)) {
		return text
	}
	return jsonMember.ReplaceAllStringFunc(text, func(m string) string {
		sub := jsonMember.FindStringSubmatch(m)
		if !Secret(sub[1]) {
			return m
		}
		return m[:len(m)-len(sub[2])] + Redacted
	})
}

// quote writes text as a JSON string, leaving &, < and > as they are so that form
// bodies and queries stay readable.
func quote(text string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(text) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// secretHints are fragments of every credential-like name as it appears in a JSON body
// (any case of its first letter); a body with none of them needs no decoding.
var secretHints = [][]byte{[]byte("oken"), []byte("ecret"), []byte("asswor"), []byte("asswd"),
	[]byte("ookie"), []byte("ession"), []byte("redential"), []byte("ignature"), []byte("rivate"),
	[]byte("uthorization"), []byte("piKey"), []byte("pikey"), []byte("pi_key"), []byte("pi-key"),
	[]byte(`"code"`), []byte("ssertion"), []byte(`"key"`), []byte(`"auth"`)}

// mayHoldSecret is a cheap test that rules out most bodies before a full decode.
func mayHoldSecret(raw []byte) bool {
	for _, h := range secretHints {
		if bytes.Contains(raw, h) {
			return true
		}
	}
	return false
}

// redactJSON replaces the values of credential-like members at any depth; a body with
// none is kept byte for byte.
func redactJSON(raw []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || !redactValue(v) {
		return append(json.RawMessage(nil), raw...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	return out
}

// redactValue redacts v in place and reports whether it changed anything.
func redactValue(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if Secret(k) {
				v[k], changed = Redacted, true
			} else if redactValue(m) {
				changed = true
			}
		}
	case []any:
		for _, m := range v {
			if redactValue(m) {
				changed = true
			}
		}
	}
	return changed
}

// RedactQuery replaces the values of credential-like parameters in a raw query or
// form body, keeping the order and encoding of everything else.
func RedactQuery(raw string) string {
	if !querySecret(raw) {
		return raw // most queries hold no credential: nothing to split or join
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		key, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if hasValue && Secret(name) {
			parts[i] = key + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// querySecret reports whether a raw query names a credential-like parameter with a value.
func querySecret(raw string) bool {
	for raw != "" {
		var p string
		p, raw, _ = strings.Cut(raw, "&")
		key, _, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		if strings.ContainsAny(key, "%+") {
			if name, err := url.QueryUnescape(key); err == nil {
				key = name
			}
		}
		if Secret(key) {
			return true
		}
	}
	return false
}
