//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every flag that names a file to read whole refuses, at once and naming itself, a file
// that is not a regular one (a device that never ends, a FIFO that would block start-up
// deaf to SIGTERM) and one over the 1 MiB bound, instead of reading it.
func TestFlagFilesMustBeSmallRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 1<<20+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	fixtures := filepath.Join(dir, "fixtures")
	if err := os.Mkdir(fixtures, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(fixtures, "stages.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixtures, "users.json"), []byte(`{"data":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join("testdata", "none.pem") // never read: the certificate is refused first
	cases := []struct {
		name string
		args []string
		flag string
		want string
	}{
		{"tokens from a device", []string{"-tokens", "/dev/zero"}, "-tokens", "not a regular file"},
		{"tokens from a FIFO", []string{"-tokens", fifo}, "-tokens", "not a regular file"},
		{"tokens too large", []string{"-tokens", big}, "-tokens", "too large"},
		{"admin token from a device", []string{"-admin-token-file", "/dev/zero"}, "-admin-token-file", "not a regular file"},
		{"admin token from a FIFO", []string{"-admin-token-file", fifo}, "-admin-token-file", "not a regular file"},
		{"admin token too large", []string{"-admin-token-file", big}, "-admin-token-file", "too large"},
		{"certificate from a device", []string{"-tls-cert", "/dev/zero", "-tls-key", key}, "-tls-cert", "not a regular file"},
		{"certificate from a FIFO", []string{"-tls-cert", fifo, "-tls-key", key}, "-tls-cert", "not a regular file"},
		{"certificate too large", []string{"-tls-cert", big, "-tls-key", key}, "-tls-cert", "too large"},
		{"fixtures file a FIFO", []string{"-fixtures", fixtures}, "-fixtures", "not a regular file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- startErr(t, append([]string{"-addr", "127.0.0.1:0"}, tc.args...), nil) }()
			select {
			case err := <-done:
				if err == nil || !strings.HasPrefix(err.Error(), tc.flag+" ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("err = %v, want it to begin with %s and say %q", err, tc.flag, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("start-up still reads after 10 s")
			}
		})
	}
}

// The key, too: a -tls-key that is a device is refused, naming -tls-key.
func TestTLSKeyMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := startErr(t, []string{"-addr", "127.0.0.1:0", "-tls-cert", cert, "-tls-key", "/dev/zero"}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "-tls-key ") || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("err = %v, want it to begin with -tls-key and say not a regular file", err)
	}
}
