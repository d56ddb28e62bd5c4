package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A -state that is a symbolic link is checked where it leads: a link into a missing
// directory, or one that cannot be written, stops start-up with one line naming -state.
func TestStateLinkFailsFast(t *testing.T) {
	dir := t.TempDir()
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink("/no/such/dir/state.json", dangling); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want []string // each must be in the one line
	}{
		{"into a missing directory", dangling, []string{"-state " + dangling, "symbolic link", "/no/such/dir"}},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		readOnly := filepath.Join(dir, "read-only")
		if err := os.Mkdir(readOnly, 0o555); err != nil {
			t.Fatal(err)
		}
		intoReadOnly := filepath.Join(dir, "into-read-only.json")
		if err := os.Symlink(filepath.Join(readOnly, "state.json"), intoReadOnly); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name string
			path string
			want []string
		}{"into a directory not writable", intoReadOnly, []string{"-state " + intoReadOnly, "is not writable"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-addr", "127.0.0.1:0", "-state", tt.path}
			startErr(t, args, nil)
			line := wantOneLineExit2(t, args)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("stderr %q does not mention %q", line, w)
				}
			}
		})
	}
}
