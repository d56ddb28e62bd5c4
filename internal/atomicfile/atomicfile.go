// Package atomicfile replaces files whole (state files, recordings): a reader, or the next
// start after a crash, sees either the old content or the new one, never a mix.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write replaces path with data, readable and writable by its owner only: it writes a
// temporary file beside it, syncs it, renames it over path and syncs the directory where
// the platform allows.
func Write(path string, data []byte) error { return WriteMode(path, data, 0o600) }

// WriteMode is Write for a file that others may read as perm allows: a report a CI step
// run as another user reads, say. Nothing that holds a secret is written with it.
func WriteMode(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Resolve returns the file path names once every symbolic link on the way is followed,
// also when the last link points to a file that does not exist yet (its directory must).
// Write replaces what it is given, so writing to a link replaces the link with a file;
// writing to the resolved path replaces the file the link points to, and the link stays.
func Resolve(path string) (string, error) {
	const maxLinks = 255 // as many as Linux follows; a loop ends here
	for range maxLinks {
		resolved, err := filepath.EvalSymlinks(path)
		if err == nil {
			return resolved, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("resolve %s: %w", path, err)
		}
		// Something on the way does not exist: the file itself, or the target of a link.
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", path, err)
		}
		target, err := os.Readlink(path)
		if err != nil {
			return filepath.Join(dir, filepath.Base(path)), nil // not a link: a new file
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		path = target
	}
	return "", fmt.Errorf("resolve %s: more than %d symbolic links", path, maxLinks)
}
