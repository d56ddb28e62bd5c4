//go:build race

package mock_test

// raceEnabled reports whether the tests run under the race detector, which allocates on
// its own account and so changes allocation counts.
const raceEnabled = true
