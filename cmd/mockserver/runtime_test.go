package main

import (
	"runtime"
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

func TestSpareProcUnlessGOMAXPROCSIsSet(t *testing.T) {
	base := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(base)
	if got := spareProc(env("GOMAXPROCS", "")); got != base+1 || runtime.GOMAXPROCS(0) != base+1 {
		t.Errorf("spareProc gave %d and the runtime has %d, want %d", got, runtime.GOMAXPROCS(0), base+1)
	}
	runtime.GOMAXPROCS(base)
	if got := spareProc(env("GOMAXPROCS", "1")); got != base || runtime.GOMAXPROCS(0) != base {
		t.Errorf("with GOMAXPROCS set, spareProc gave %d and the runtime has %d, want %d unchanged", got, runtime.GOMAXPROCS(0), base)
	}
}
