//go:build !unix

package devcert

import "io/fs"

// ownedByOther reports whether another user owns the file; where the platform does not say
// in a form this package reads, it answers false and the mode checks stand alone.
func ownedByOther(fs.FileInfo) bool { return false }
