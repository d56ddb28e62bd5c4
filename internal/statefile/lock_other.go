//go:build !unix

package statefile

import "os"

// lock does nothing where advisory file locks are not available.
func lock(*os.File) error { return nil }
