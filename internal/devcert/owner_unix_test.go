//go:build unix

package devcert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nobody is a user id that is not the test's own.
const nobody = 65534

// A key another user owns is not reused, and a directory another user owns is refused.
// Giving a file away takes root; without it the test skips.
func TestEnsureTrustsNoFileOfAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user takes root")
	}
	dir := t.TempDir()
	first, err := Ensure(dir, Hosts(), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, KeyFile), nobody, nobody); err != nil {
		t.Fatal(err)
	}
	again, err := Ensure(dir, Hosts(), now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again.Made, "belongs to another user") || again.Leaf.Equal(first.Leaf) {
		t.Errorf("Made %q; want a new pair, made because another user owns the key", again.Made)
	}

	theirs := filepath.Join(t.TempDir(), "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if _, err := Ensure(theirs, Hosts(), now); !errors.Is(err, ErrUnsafeDir) || !strings.Contains(err.Error(), theirs) {
		t.Errorf("err = %v, want ErrUnsafeDir naming %s", err, theirs)
	}
}
