//go:build unix

package statefile

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on the log file, which the system releases when
// the file is closed or the process dies, however it dies.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrInUse
	}
	return err
}
