// Package smallfile reads the small files a command line names (tokens, an admin token, a
// certificate and its key) whole, refusing what could not be one: a device, a FIFO or a
// directory, which could hang start-up or never end, and a file larger than a bound.
package smallfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Limit is the bound callers use unless they have their own: far above any token file,
// key or certificate chain, far below what a mistake could make the process hold.
const Limit = 1 << 20

// ErrNotRegular and ErrTooLarge are what Read refuses.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("too large")
)

// Read returns the content of path, a regular file (a symbolic link to one is followed) of
// at most limit bytes. It looks at the file before opening it, so that a FIFO, which would
// block the open, is refused without waiting; and it reads at most limit+1 bytes, so that
// a file that grows or lied about its size is refused too.
func Read(path string, limit int64) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, typeName(info.Mode()))
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, info.Size(), limit)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return nil, err
	} else if !info.Mode().IsRegular() { // replaced between the look and the open
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, typeName(info.Mode()))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// typeName says what kind of file mode describes, for a refusal.
func typeName(mode os.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&os.ModeNamedPipe != 0:
		return "a FIFO"
	case mode&os.ModeCharDevice != 0, mode&os.ModeDevice != 0:
		return "a device"
	case mode&os.ModeSocket != 0:
		return "a socket"
	}
	return mode.Type().String()
}
