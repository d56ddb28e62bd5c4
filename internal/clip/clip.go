// Package clip shortens what a message quotes of a request or an answer, so that a long
// value cannot make the message long.
package clip

import "unicode/utf8"

// Quoted is how many bytes of a value an error message quotes.
const Quoted = 64

// String is s as an error message quotes it: its first Quoted bytes.
func String(s string) string { return To(s, Quoted) }

// To returns s cut to at most n bytes, ending where a character ends, with "..." after it
// when anything was cut.
func To(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 0)
	for back := 0; back < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(s[n]); back++ {
		n-- // not within a character
	}
	return s[:n] + "..."
}
