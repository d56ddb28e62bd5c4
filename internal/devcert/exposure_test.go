package devcert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A kept key that other users may read is not served again: the pair is made anew, its
// key readable by its owner only, and Made says why.
func TestEnsureRemakesAKeyOthersCanRead(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		dir := t.TempDir()
		hosts := Hosts()
		first, err := Ensure(dir, hosts, now)
		if err != nil {
			t.Fatal(err)
		}
		key := filepath.Join(dir, KeyFile)
		if err := os.Chmod(key, mode); err != nil {
			t.Fatal(err)
		}
		again, err := Ensure(dir, hosts, now)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(again.Made, "could be read by other users") || again.Leaf.Equal(first.Leaf) {
			t.Errorf("key mode %04o: Made %q, same certificate %v; want a new pair, made because others could read the key", mode, again.Made, again.Leaf.Equal(first.Leaf))
		}
		if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("key mode %04o: the new key is %v (%v), want 0600", mode, info.Mode().Perm(), err)
		}
	}
}

// A directory other users may write to is refused, naming it: whoever can write there
// could plant a key, which the next start would serve.
func TestEnsureRefusesADirectoryOthersCanWrite(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o775, 0o757} {
		dir := filepath.Join(t.TempDir(), "certs")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Ensure(dir, Hosts(), now)
		if !errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), dir) {
			t.Errorf("directory mode %04o: err = %v, want ErrUnsafeDir naming %s", mode, err, dir)
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
			t.Errorf("directory mode %04o: a key was written there", mode)
		}
	}
}
