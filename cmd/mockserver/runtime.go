package main

import "runtime/debug"

// The Go runtime's settings for a server that shares its machine with the clients that
// test against it. Each applies only when its environment variable is not set.

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
