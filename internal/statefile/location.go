package statefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/oppstages/oppstages/internal/atomicfile"
)

// checkLocation fails unless a state file can be written at path: its directory exists
// and takes new files. For a symbolic link that is the directory of the file it points
// to, which the snapshot replaces. The messages leave out path, which the caller names.
func checkLocation(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return errors.New("the state file is a directory; name a file in it")
	}
	target, err := atomicfile.Resolve(path)
	if err != nil {
		if info, lerr := os.Lstat(path); lerr == nil && info.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("the state file is a symbolic link that cannot be followed to a file: %v", err)
		}
		target = path // the checks below say what is missing
	}
	dir := filepath.Dir(target)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("the state file's directory %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("the state file's directory %s: %v", dir, cause(err))
	case !info.IsDir():
		return fmt.Errorf("%s, where the state file would be, is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".state-probe-*")
	if err != nil {
		return fmt.Errorf("the state file's directory %s is not writable: %v", dir, cause(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// cause is the reason of a file error, without the operation and path that the message
// around it already names.
func cause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
