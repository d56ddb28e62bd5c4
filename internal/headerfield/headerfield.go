// Package headerfield says which header names and values HTTP can carry, for what the mock
// sends from users' input: fault rules and error fixtures.
package headerfield

import "net/http"

// ValidName reports whether name is a header field name as RFC 9110 defines it: a
// token, one or more of the characters below.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

// isTokenChar reports whether c may appear in a token: a letter, a digit or one of
// !#$%&'*+-.^_`|~.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// ValidValue reports whether value can be sent as a header field value: no control
// character but the horizontal tab (so no CR, LF or NUL), and no DEL. Bytes from 0x80 up
// are allowed as the obsolete text RFC 9110 still accepts.
func ValidValue(value string) bool {
	for i := range len(value) {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Framing reports whether name is one of the headers that frame an answer's body,
// which net/http and the mock set from the body itself.
func Framing(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding":
		return true
	}
	return false
}
