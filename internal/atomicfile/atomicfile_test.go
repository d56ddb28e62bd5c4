package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWholeAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := Write(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("read %q, want %q", got, content)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "f.json"), []byte("x")); err == nil {
		t.Error("no error for a missing directory")
	}
	for path, perm := range map[string]os.FileMode{path: 0o600, filepath.Join(dir, "report.json"): 0o644} {
		if err := WriteMode(path, []byte("x"), perm); err != nil {
			t.Fatal(err)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != perm {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), perm)
		}
	}
}

// Resolve follows every link to the file it names, whether that file exists yet or not,
// so that a Write to what it returns keeps the links as links.
func TestResolveFollowsLinksToTheFile(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real")
	if err := os.MkdirAll(filepath.Join(real, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "state.json"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{ // link -> target
		"to-file":             filepath.Join(real, "state.json"),
		"relative-to-file":    "real/state.json",
		"to-missing":          filepath.Join(real, "new.json"),
		"relative-to-missing": "real/new.json",
		"chain":               "relative-to-missing",
		"dir-link":            "real",
		"real/up-and-back":    "../real/state.json",
		"deep-link":           "real/sub",
		"real/sub/up":         "../new.json", // relative to real/sub, not to the link's name
		"loop-a":              "loop-b",
		"loop-b":              "loop-a",
	}
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	tests := []struct{ path, want string }{
		{"real/state.json", "real/state.json"},
		{"real/absent.json", "real/absent.json"},
		{"to-file", "real/state.json"},
		{"relative-to-file", "real/state.json"},
		{"to-missing", "real/new.json"},
		{"relative-to-missing", "real/new.json"},
		{"chain", "real/new.json"},
		{"dir-link/state.json", "real/state.json"},
		{"dir-link/absent.json", "real/absent.json"},
		{"dir-link/up-and-back", "real/state.json"},
		{"deep-link/up", "real/new.json"},
	}
	for _, tt := range tests {
		got, err := Resolve(filepath.Join(dir, tt.path))
		if want := filepath.Join(dir, tt.want); err != nil || got != want {
			t.Errorf("Resolve(%s) = %q, %v; want %q", tt.path, got, err, want)
		}
	}
	for _, bad := range []string{"loop-a", "missing-dir/state.json"} {
		if got, err := Resolve(filepath.Join(dir, bad)); err == nil {
			t.Errorf("Resolve(%s) = %q, want an error", bad, got)
		}
	}

	resolved, _ := Resolve(filepath.Join(dir, "to-missing"))
	if err := Write(resolved, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(filepath.Join(dir, "to-missing")); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer a link: %v %v", info, err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "to-missing")); string(got) != "new" {
		t.Errorf("read through the link: %q", got)
	}
}
