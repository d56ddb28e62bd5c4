package journal

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxBody is the most of one body an entry keeps.
const MaxBody = 64 << 10

// Body turns a message body into what an entry keeps: its JSON value when it is valid
// JSON of at most MaxBody bytes, else a JSON string holding its text, cut at MaxBody bytes
// (truncated then says so). Members, form and multipart fields, name: value pairs and XML
// elements with credentials' names (see Secret) are redacted; a multipart body is kept
// only as far as it parses. It never keeps a reference to raw.
func Body(raw []byte, contentType string) (body json.RawMessage, truncated bool) {
	return shapeBody(raw, contentType, false, nil, nil)
}

// shapeBody is Body for a body that may have been cut short already (cut), that also
// masks each of secrets wherever the body repeats it, and adds the values of the
// credentials it redacts to found.
func shapeBody(raw []byte, contentType string, cut bool, secrets []string, found *secretSet) (body json.RawMessage, truncated bool) {
	if len(raw) == 0 {
		return nil, false
	}
	if len(raw) > MaxBody {
		raw, cut = raw[:MaxBody], true
	}
	if cut {
		for range utf8.UTFMax - 1 { // do not split a character
			if r, n := utf8.DecodeLastRune(raw); r != utf8.RuneError || n != 1 {
				break
			}
			raw = raw[:len(raw)-1]
		}
	}
	if !cut && json.Valid(raw) {
		if hasSecretMember(raw) {
			body = redactJSON(raw, found) // a copy
		} else {
			body = bytes.Clone(raw)
		}
		body, _ = mask(body, secrets, true, false)
		return body, false
	}
	// Text may be multipart, a form, JSON cut short or some other text: redact what looks
	// like a credential in each shape, whatever the content type claims.
	raw, _ = mask(raw, secrets, false, cut)
	if text, ok := redactMultipart(raw, contentType, found); ok {
		return quote(text), cut
	}
	return quote(redactText(string(raw), found)), cut
}

// redactMembers replaces the values of credential members ("name": "value") in text
// that is not (or no longer) valid JSON; a value cut short is replaced to its end.
func redactMembers(text string, found *secretSet) string {
	var b strings.Builder
	kept := 0 // text before it is in b, or needs no change
	for i := 0; ; {
		open := strings.IndexByte(text[i:], '"')
		if open < 0 {
			break
		}
		open += i
		close := strings.IndexByte(text[open+1:], '"')
		if close < 0 {
			break
		}
		close += open + 1
		name := text[open+1 : close]
		i = close // the closing quote may open the next string
		if name == "" || len(name) > 64 || strings.IndexByte(name, '\\') >= 0 {
			continue
		}
		value := strings.TrimLeft(text[close+1:], " \t\r\n")
		if !strings.HasPrefix(value, ":") {
			continue
		}
		value = strings.TrimLeft(value[1:], " \t\r\n")
		if !strings.HasPrefix(value, `"`) {
			continue
		}
		start := len(text) - len(value) + 1
		end := stringEnd(text, start)
		if !Secret(name) {
			continue
		}
		found.add(unquoteJSON(text[start:end]))
		b.WriteString(text[kept:start])
		b.WriteString(Redacted)
		kept, i = end, end
	}
	if kept == 0 {
		return text
	}
	b.WriteString(text[kept:])
	return b.String()
}

// stringEnd is where the JSON string whose contents start at text[start] ends: at its
// closing quote, or at the end of text.
func stringEnd[T string | []byte](text T, start int) int {
	for i := start; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(text)
}

// unquoteJSON is the value of the contents of a JSON string, as far as it decodes.
func unquoteJSON(contents string) string {
	if strings.IndexByte(contents, '\\') < 0 {
		return contents
	}
	var s string
	if json.Unmarshal([]byte(`"`+contents+`"`), &s) != nil {
		return contents
	}
	return s
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

// hasSecretMember reports whether a valid JSON document has a member with a credential's
// name anywhere: most bodies have none, and need no decoding.
func hasSecretMember(raw []byte) bool {
	for i := 0; ; {
		open := bytes.IndexByte(raw[i:], '"')
		if open < 0 {
			return false
		}
		open += i
		close := stringEnd(raw, open+1)
		i = close + 1
		rest := bytes.TrimLeft(raw[i:], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			continue // a value, not a member's name
		}
		name := raw[open+1 : close]
		if bytes.IndexByte(name, '\\') >= 0 {
			if Secret(unquoteJSON(string(name))) {
				return true
			}
			continue
		}
		if Secret(string(name)) {
			return true
		}
	}
}

// redactJSON replaces the values of credential members at any depth, adding them to
// found; a body with none is kept byte for byte.
func redactJSON(raw []byte, found *secretSet) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || !redactValue(v, found) {
		return bytes.Clone(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`"` + Redacted + `"`)
	}
	return out
}

// redactValue redacts v in place, adding what it removes to found, and reports whether
// it changed anything.
func redactValue(v any, found *secretSet) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if Secret(k) {
				addLeaves(m, found)
				v[k], changed = Redacted, true
			} else if redactValue(m, found) {
				changed = true
			}
		}
	case []any:
		for _, m := range v {
			if redactValue(m, found) {
				changed = true
			}
		}
	}
	return changed
}

// addLeaves adds the strings and numbers in v to found.
func addLeaves(v any, found *secretSet) {
	switch v := v.(type) {
	case string:
		found.add(v)
	case json.Number:
		found.add(string(v))
	case map[string]any:
		for _, m := range v {
			addLeaves(m, found)
		}
	case []any:
		for _, m := range v {
			addLeaves(m, found)
		}
	}
}

// RedactQuery replaces the values of credential parameters (see Secret), and of any
// parameter holding a JSON Web Token, in a raw query or form body, keeping the order and
// encoding of everything else.
func RedactQuery(raw string) string {
	return redactQuery(raw, nil)
}

func redactQuery(raw string, found *secretSet) string {
	if !querySecret(raw) {
		return raw // most queries hold no credential: nothing to split or join
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		key, value, hasValue := strings.Cut(p, "=")
		if hasValue && secretParameter(key, value) {
			found.addUnquoted(value)
			parts[i] = key + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

// querySecret reports whether a raw query has a credential parameter with a value.
func querySecret(raw string) bool {
	for raw != "" {
		var p string
		p, raw, _ = strings.Cut(raw, "&")
		if key, value, hasValue := strings.Cut(p, "="); hasValue && secretParameter(key, value) {
			return true
		}
	}
	return false
}

// secretParameter reports whether a query or form parameter, its name and value as they
// were sent, is a credential: by its name, or because its value holds a JSON Web Token.
func secretParameter(key, value string) bool {
	if strings.ContainsAny(key, "%+") {
		if name, err := url.QueryUnescape(key); err == nil {
			key = name
		}
	}
	return Secret(key) || hasJWT(value)
}
