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

// The soft memory limit bounds the heap GOGC=400 would let grow: mockserver sets one once
// serving, and leaves it to GOMEMLIMIT when that is set.
func TestMemoryLimitUnlessGOMEMLIMITIsSet(t *testing.T) {
	const unset = int64(1<<63 - 1) // the runtime's "no limit"
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(unset))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		gomemlimit string
		want       int64
	}{
		{"", servingMemoryLimit},
		{"512MiB", unset}, // the runtime read GOMEMLIMIT itself; mockserver leaves it
	} {
		debug.SetMemoryLimit(unset)
		collectLessOften(env("GOMEMLIMIT", c.gomemlimit))
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("GOMEMLIMIT=%q: memory limit %d, want %d", c.gomemlimit, got, c.want)
		}
	}
}
