package main

import (
	"runtime"
	"runtime/debug"
)

// The Go runtime's settings for a server that shares its machine with the clients that
// test against it. Each applies only when its environment variable is not set.

// spareProc gives the scheduler one more P than the runtime's default (the CPUs the
// process may use), unless GOMAXPROCS is set, and returns the number in force. A mock
// usually runs beside its clients (a test suite, an SDK, a load generator) on the same
// cores. When the OS preempts one of the server's threads to run them, the goroutines
// queued on that thread's P wait for it; a spare P lets another thread run them. With wrk
// on two cores the p99 of a get by id fell from about 26 ms to 9 ms, at the same
// throughput.
func spareProc(getenv func(string) string) int {
	if getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := runtime.GOMAXPROCS(0) + 1
	runtime.GOMAXPROCS(n)
	return n
}

// servingGCPercent is the heap growth mockserver lets the garbage collector allow while it
// serves: the heap may grow to five times what is live before a collection. A mock holds
// little (8 stages and a journal of at most 8 MiB by default), while the collector spent
// about a tenth of its CPU under load at the runtime's default of 100.
const servingGCPercent = 400

// collectLessOften sets servingGCPercent once the seed data is loaded (so that start-up,
// which makes the most garbage, runs at the default), unless GOGC is set.
func collectLessOften(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
}
