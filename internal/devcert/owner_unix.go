//go:build unix

package devcert

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByOther reports whether another user than the one running owns the file info
// describes.
func ownedByOther(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) != os.Geteuid()
}
