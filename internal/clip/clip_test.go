package clip

import (
	"strings"
	"testing"
)

func TestTo(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 4, ""},
		{"abcd", 4, "abcd"},
		{"abcde", 4, "abcd..."},
		{"abcde", 0, "..."},
		{"abcde", -1, "..."},
		{"abcé", 4, "abc..."},                  // é is two bytes: cut before it, not within it
		{"ab€", 3, "ab..."},                    // € is three
		{"ab€", 4, "ab..."},                    // ... from either of its continuation bytes
		{"a😀b", 4, "a..."},                     // 😀 is four
		{"\x80\x80\x80\x80\x80", 4, "\x80..."}, // not UTF-8: backs off at most three bytes
	} {
		if got := To(tc.s, tc.n); got != tc.want {
			t.Errorf("To(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestStringQuotesSixtyFourBytes(t *testing.T) {
	long := strings.Repeat("x", 100)
	if got, want := String(long), strings.Repeat("x", Quoted)+"..."; got != want {
		t.Errorf("String(100 x) = %q, want %q", got, want)
	}
	if got := String(long[:Quoted]); got != long[:Quoted] {
		t.Errorf("String(64 x) = %q, want it whole", got)
	}
}
