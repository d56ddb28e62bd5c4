package smallfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 11)), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    string
		want    string
		wantErr error
	}{
		{"a small file", small, "token\n", nil},
		{"a link to one", link, "token\n", nil},
		{"over the bound", big, "", ErrTooLarge},
		{"a directory", dir, "", ErrNotRegular},
		{"a device that never ends", os.DevNull, "", ErrNotRegular},
		{"missing", filepath.Join(dir, "none"), "", os.ErrNotExist},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, struct {
			name    string
			path    string
			want    string
			wantErr error
		}{"/dev/zero", "/dev/zero", "", ErrNotRegular})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.path, 10)
			if !errors.Is(err, tc.wantErr) || string(got) != tc.want {
				t.Errorf("Read(%s) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
