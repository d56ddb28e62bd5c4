package mock

import (
	"strconv"
	"testing"
)

// The tokens rules expire are bounded per sandbox: beyond maxExpired the oldest is
// forgotten, and a clear forgets them all.
func TestExpiredSetIsBounded(t *testing.T) {
	var set expiredSet
	same := func(s string) string { return s }
	for i := range maxExpired + 1 {
		set.add(strconv.Itoa(i))
	}
	set.add("1") // again: no second place
	if set.has("0", same) || !set.has("1", same) || !set.has(strconv.Itoa(maxExpired), same) {
		t.Errorf("after %d: has 0 %v, 1 %v, %d %v; want the oldest forgotten only",
			maxExpired+1, set.has("0", same), set.has("1", same), maxExpired, set.has(strconv.Itoa(maxExpired), same))
	}
	if len(set.order) != maxExpired || len(set.hashes) != maxExpired {
		t.Errorf("holds %d (%d hashed), want %d", len(set.order), len(set.hashes), maxExpired)
	}
	set.clear()
	if set.has("1", same) || set.held.Load() != 0 {
		t.Error("a clear kept a token expired")
	}
	if set.has("", func(string) string { t.Fatal("hashed nothing"); return "" }) {
		t.Error("no credential is expired")
	}
}
