package main

import (
	"runtime/debug"
	"testing"
)

// env is a getenv that knows one variable.
func env(name, value string) func(string) string {
	return func(n string) string {
		if n == name {
			return value
		}
		return ""
	}
}

// The collector's setting is the process's: mockserver raises it once serving, and leaves
// it to GOGC when that is set.
func TestCollectLessOftenUnlessGOGCIsSet(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		gogc string
		want int
	}{
		{"", servingGCPercent},
		{"50", 100}, // the runtime read GOGC itself; mockserver leaves it
		{"off", 100},
	} {
		debug.SetGCPercent(100)
		collectLessOften(env("GOGC", c.gogc))
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", c.gogc, got, c.want)
		}
	}
}
