package journal

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Mask replaces every occurrence of each secret in b with Redacted, however it is
// written: each of its characters as it is, JSON-escaped (\/, \u002f, \n, a surrogate
// pair) or percent-encoded (%2F, %2f, once or twice over, + for a space), in any mix. In
// valid JSON only the contents of strings are searched, and a number holding a secret
// becomes the string "REDACTED", so that b stays valid. Secrets shorter than
// MinSecretLen are left alone. b itself comes back when nothing is masked.
func Mask(b []byte, secrets []string) []byte {
	if len(secrets) == 0 {
		return b
	}
	masked, _ := mask(b, secrets, json.Valid(b), false)
	return masked
}

// MaskString is Mask for text of any shape.
func MaskString(s string, secrets []string) string {
	if !mayHold(s, secrets) {
		return s
	}
	if masked, changed := mask([]byte(s), secrets, false, false); changed {
		return string(masked)
	}
	return s
}

// mayHold is a quick test that rules out most texts: one that holds none of the secrets
// as they are, and no character that may encode one, holds none.
func mayHold(text string, secrets []string) bool {
	if len(secrets) == 0 {
		return false
	}
	if strings.ContainsAny(text, `\%+`) {
		return true
	}
	for _, s := range secrets {
		if len(s) >= MinSecretLen && strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// partialSecret is how much of a secret the end of a text cut short must hold for that
// end to be masked: the start of a token is part of the token.
const partialSecret = 4

// matchStepsPerByte bounds the work of one attempt to match a secret, per byte of the
// secret: a match takes one step a byte, and only a secret with many percent signs,
// against a text with as many encoded ones, tries more than one way.
const matchStepsPerByte = 8

// span is a part of a text to replace with Redacted: a JSON number is replaced by the
// string "REDACTED".
type span struct {
	start, end int
	number     bool
}

// mask is Mask with the shape given: inJSON says b is valid JSON, cut that b was cut short,
// so that an end of b that starts a secret is masked too. It reports whether it changed
// anything; b itself comes back when not.
func mask(b []byte, secrets []string, inJSON, cut bool) (masked []byte, changed bool) {
	if len(secrets) == 0 {
		return b, false // no scan of b for escapes that could hide nothing
	}
	var spans []span
	escapes := bytes.ContainsAny(b, `\%+`)
	for _, s := range secrets {
		if len(s) < MinSecretLen {
			continue
		}
		if !escapes && !bytes.Contains(b, []byte(s)) && !(cut && endsWithStartOf(b, s)) {
			continue
		}
		spans = findSecret(spans, b, s, inJSON, cut)
	}
	if len(spans) == 0 {
		return b, false
	}
	slices.SortFunc(spans, func(x, y span) int { return x.start - y.start })
	out := make([]byte, 0, len(b))
	at := 0
	for i := 0; i < len(spans); i++ {
		sp := spans[i]
		for i+1 < len(spans) && spans[i+1].start < sp.end { // overlapping matches of two secrets
			i++
			sp.end = max(sp.end, spans[i].end)
		}
		if sp.start < at {
			continue
		}
		out = append(out, b[at:sp.start]...)
		if sp.number {
			out = append(out, `"`+Redacted+`"`...)
		} else {
			out = append(out, Redacted...)
		}
		at = sp.end
	}
	return append(out, b[at:]...), true
}

// endsWithStartOf reports whether b ends with at least partialSecret bytes of the start of s.
func endsWithStartOf(b []byte, s string) bool {
	for n := min(len(s)-1, len(b)); n >= partialSecret; n-- {
		if bytes.HasSuffix(b, []byte(s[:n])) {
			return true
		}
	}
	return false
}

// findSecret appends the spans of b that encode s. In JSON, matches start in strings
// only, and cannot leave them; numbers are compared as they are.
func findSecret(spans []span, b []byte, s string, inJSON, cut bool) []span {
	m := matcher{b: b, s: s, inJSON: inJSON, cut: cut}
	// Where a match may start: the secret's first byte as it is, or an escape; in JSON,
	// a quote ends the string too.
	starts := newNextOf(b, s[0], '\\', '%', '+', '"')
	if !inJSON {
		starts.n--
	}
	inString := !inJSON
	for p := 0; p < len(b); {
		if !inString {
			switch c := b[p]; {
			case c == '"':
				inString = true
				p++
			case c == '-' || c >= '0' && c <= '9':
				q := p + 1
				for q < len(b) && strings.IndexByte("0123456789+-.eE", b[q]) >= 0 {
					q++
				}
				if bytes.Contains(b[p:q], []byte(s)) {
					spans = append(spans, span{start: p, end: q, number: true})
				}
				p = q
			default:
				p++
			}
			continue
		}
		if p = starts.from(p); p == len(b) {
			break
		}
		if inJSON && b[p] == '"' {
			inString = false
			p++
			continue
		}
		if !m.cannotStart(p) {
			if end := m.matchFrom(p); end > p {
				spans = append(spans, span{start: p, end: end})
				p = end
				continue
			}
		}
		if inJSON && b[p] == '\\' { // past the whole escape: \" does not end the string, nor
			p += 2 // does a match start in the digits of \u0030
			if p < len(b) && b[p-1] == 'u' {
				p += 4
			}
			continue
		}
		p++
	}
	return spans
}

// nextOf finds the next of a few bytes in b with bytes.IndexByte, remembering where each
// is next so that b is read about once for each.
type nextOf struct {
	b     []byte
	bytes [5]byte
	n     int    // how many of bytes are looked for
	at    [5]int // where each is next, as last found; -1 before the first look
}

func newNextOf(b []byte, c0, c1, c2, c3, c4 byte) nextOf {
	return nextOf{b: b, bytes: [5]byte{c0, c1, c2, c3, c4}, n: 5, at: [5]int{-1, -1, -1, -1, -1}}
}

// from is the position of the first of the bytes at p or after it, or len(b).
func (n *nextOf) from(p int) int {
	first := len(n.b)
	for k, c := range n.bytes[:n.n] {
		if n.at[k] < p {
			if i := bytes.IndexByte(n.b[p:], c); i >= 0 {
				n.at[k] = p + i
			} else {
				n.at[k] = len(n.b)
			}
		}
		first = min(first, n.at[k])
	}
	return first
}

// matcher matches one secret against encodings of it in b.
type matcher struct {
	b      []byte
	s      string
	inJSON bool
	cut    bool
	steps  int
}

// cannotStart is a quick look at b[p], and the byte after it, that rules out most
// places a match cannot start at before matchFrom looks properly.
func (m *matcher) cannotStart(p int) bool {
	switch c := m.b[p]; {
	case c == '\\':
		return false
	case c == '%' && p+2 < len(m.b) && isHex(m.b[p+1]) && isHex(m.b[p+2]):
		decoded := unhex(m.b[p+1])<<4 | unhex(m.b[p+2])
		return !m.starts(decoded, 0) && decoded != '%' && m.s[0] != '%'
	case !m.starts(c, 0):
		return true
	}
	if p+1 == len(m.b) || len(m.s) == 1 {
		return false
	}
	next := m.b[p+1]
	return !m.starts(next, 1) && next != '\\' && next != '%'
}

// starts reports whether c, as it is in text, may be the secret's j-th byte.
func (m *matcher) starts(c byte, j int) bool {
	return c == m.s[j] || c == '+' && m.s[j] == ' '
}

// matchFrom reports where an encoding of the secret that starts at b[p] ends, or -1.
func (m *matcher) matchFrom(p int) int {
	m.steps = 0
	return m.match(p, 0)
}

// match matches the secret from its j-th byte on against b from p on.
func (m *matcher) match(p, j int) int {
	for j < len(m.s) {
		if m.steps++; m.steps > matchStepsPerByte*len(m.s) {
			return -1
		}
		c, n := m.char(p)
		switch {
		case n < 0: // the end of b, or of a character at the end of b
			if m.cut && j >= partialSecret {
				return len(m.b)
			}
			return -1
		case n == 0: // the end of a JSON string
			return -1
		case c.is('+') && m.s[j] == ' ':
			p, j = p+n, j+1
			continue
		case c.is('%'):
			ends, found, ended := m.percentEscapes(p+n, m.s[j])
			switch {
			case ended && m.cut && j >= partialSecret:
				return len(m.b)
			case found == 1 && m.s[j] != '%':
				p, j = ends[0], j+1
				continue
			}
			// More than one reading (%2525 once or twice decoded, or the secret's own %
			// against %25): try each.
			for _, end := range ends[:found] {
				if end := m.match(end, j+1); end >= 0 {
					return end
				}
			}
		}
		if c.len > len(m.s)-j || string(c.bytes[:c.len]) != m.s[j:j+c.len] {
			return -1
		}
		p, j = p+n, j+c.len
	}
	return p
}

// percentEscapes reads the two hexadecimal digits after a % at b[p] (each as a JSON
// string may write it) and returns where they end if they encode want; and, if they
// encode a % followed by two more digits that encode want (encoded twice), where those
// end. A + so encoded stands for a space, as one written plainly does. ended says b
// ends first.
func (m *matcher) percentEscapes(p int, want byte) (ends [2]int, found int, ended bool) {
	for range 2 {
		var digits [2]byte
		for i := range digits {
			c, n := m.char(p)
			if n < 0 {
				return ends, found, true
			}
			if n == 0 || c.len != 1 || !isHex(c.bytes[0]) {
				return ends, found, false
			}
			digits[i] = c.bytes[0]
			p += n
		}
		decoded := unhex(digits[0])<<4 | unhex(digits[1])
		if decoded == want || decoded == '+' && want == ' ' {
			ends[found] = p
			found++
		}
		if decoded != '%' {
			break
		}
	}
	return ends, found, false
}

// char is one character as decoded from b: its UTF-8 bytes.
type char struct {
	bytes [utf8.UTFMax]byte
	len   int
}

func (c char) is(b byte) bool { return c.len == 1 && c.bytes[0] == b }

func oneByte(b byte) char { return char{bytes: [utf8.UTFMax]byte{b}, len: 1} }

// char decodes the character at b[p] as a JSON string may write it: an escape (\n, \/,
// \u00e9, a surrogate pair) or one byte as it is. n is the bytes it takes in b: 0 at the
// end of a JSON string, -1 at the end of b or of an escape b cuts short.
func (m *matcher) char(p int) (c char, n int) {
	if p >= len(m.b) {
		return char{}, -1
	}
	first := m.b[p]
	switch {
	case first == '"' && m.inJSON:
		return char{}, 0
	case first != '\\':
		return oneByte(first), 1
	case p+1 >= len(m.b):
		return char{}, -1
	}
	switch e := m.b[p+1]; e {
	case '"', '\\', '/':
		return oneByte(e), 2
	case 'b', 'f', 'n', 'r', 't':
		return oneByte(controlEscapes[e]), 2
	case 'u':
		r, ok := hex4(m.b, p+2)
		switch {
		case !ok && p+6 > len(m.b):
			return char{}, -1
		case !ok:
			return oneByte(first), 1 // not an escape: a backslash in text
		}
		n = 6
		if utf16.IsSurrogate(r) {
			if low, ok := hex4(m.b, p+8); ok && m.b[p+6] == '\\' && m.b[p+7] == 'u' {
				r, n = utf16.DecodeRune(r, low), 12
			} else {
				r = utf8.RuneError
			}
		}
		c.len = utf8.EncodeRune(c.bytes[:], r)
		return c, n
	}
	return oneByte(first), 1 // not an escape: a backslash in text
}

// controlEscapes are the characters JSON writes as \b, \f, \n, \r and \t.
var controlEscapes = [256]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads four hexadecimal digits at b[p].
func hex4(b []byte, p int) (rune, bool) {
	if p+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		if !isHex(c) {
			return 0, false
		}
		r = r<<4 | rune(unhex(c))
	}
	return r, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
