package main

import "runtime/debug"

// servingGCPercent is the heap growth mockserver lets the garbage collector allow while it
// serves: the heap may grow to five times what is live before a collection. A mock's live
// heap is mostly its journals (8 MiB per sandbox, 64 MiB for all of them together) and
// its records, while at the runtime's default of 100 the collector took about a tenth of
// the server's CPU under load. GOGC or GOMEMLIMIT bound the heap more tightly.
const servingGCPercent = 400

// collectLessOften sets servingGCPercent, unless GOGC is set. main calls it once the
// server is serving, so that start-up (which makes the most garbage, e.g. with -generate)
// runs at the runtime's default.
func collectLessOften(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
}
