package main

import "runtime/debug"

// servingGCPercent is the heap growth mockserver lets the garbage collector allow while it
// serves: the heap may grow to five times what is live before a collection. A mock's live
// heap is mostly its journals (8 MiB per sandbox, 64 MiB for all of them together) and
// its records, while at the runtime's default of 100 the collector took about a tenth of
// the server's CPU under load. GOGC or GOMEMLIMIT bound the heap more tightly.
const servingGCPercent = 400

// servingMemoryLimit is the soft limit on the heap mockserver sets while it serves: above
// it the collector runs as often as it must, whatever servingGCPercent allows. What the
// mock holds is bounded (journals 64 MiB, fault rules 64 MiB, named sandboxes' records
// 256 MiB beyond the seed, all together), but a heap five times that would not be, and
// a 64 MiB state import makes garbage several times its size.
const servingMemoryLimit = 1 << 30

// collectLessOften sets servingGCPercent, unless GOGC is set, and servingMemoryLimit,
// unless GOMEMLIMIT is set. main calls it once the server is serving, so that start-up
// (which makes the most garbage, e.g. with -generate) runs at the runtime's default.
func collectLessOften(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(servingMemoryLimit)
	}
}
