package devcert

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// files reads the three files Ensure keeps.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{CertFile, KeyFile, CAFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	return out
}

// trustingOnly verifies leaf for host at a time with ca.pem as the only root.
func trustingOnly(t *testing.T, dir string, leaf *x509.Certificate, host string, at time.Time) error {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no certificate", CAFile)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: at})
	return err
}

func TestEnsureMakesAPairTheCAFileVouchesFor(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls") // made by Ensure
	pair, err := Ensure(dir, Hosts("stages.test"), now)
	if err != nil {
		t.Fatal(err)
	}
	if pair.Made != "none was kept" {
		t.Errorf("Made = %q, want none was kept", pair.Made)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "stages.test"} {
		if err := trustingOnly(t, dir, pair.Leaf, host, now); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if err := trustingOnly(t, dir, pair.Leaf, "other.test", now); err == nil {
		t.Error("the certificate covers other.test, a host it was not made for")
	}
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), DNSName: "localhost", CurrentTime: now}); err == nil {
		t.Error("the certificate verifies without its CA")
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]os.FileMode{KeyFile: 0o600, CertFile: 0o644, CAFile: 0o644}[e.Name()]
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", e.Name(), info.Mode().Perm(), want)
		}
	}
	if want := []string{CAFile, CertFile, KeyFile}; !slices.Equal(names, want) {
		t.Errorf("%s holds %v, want only %v (the CA's key is not kept)", dir, names, want)
	}
	for name, data := range files(t, dir) {
		if strings.Contains(string(data), "PRIVATE KEY") != (name == KeyFile) {
			t.Errorf("%s: a private key where none belongs, or none where one does:\n%s", name, data)
		}
	}
}

func TestEnsureReusesTheKeptPair(t *testing.T) {
	dir := t.TempDir()
	first, err := Ensure(dir, Hosts(), now)
	if err != nil {
		t.Fatal(err)
	}
	before := files(t, dir)
	second, err := Ensure(dir, Hosts("127.0.0.1"), now.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if second.Made != "" {
		t.Errorf("made a new pair: %s", second.Made)
	}
	if !bytes.Equal(first.Leaf.Raw, second.Leaf.Raw) {
		t.Error("the second start serves another certificate")
	}
	for name, data := range files(t, dir) {
		if !bytes.Equal(data, before[name]) {
			t.Errorf("%s was rewritten", name)
		}
	}
}

// A kept pair that no longer fits is made again, for each reason, and the new one is then
// kept.
func TestEnsureRemakesAPairThatNoLongerFits(t *testing.T) {
	other := t.TempDir()
	if _, err := Ensure(other, Hosts(), now); err != nil {
		t.Fatal(err)
	}
	copyFrom := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			data, err := os.ReadFile(filepath.Join(other, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		hosts  []string
		at     time.Time
		want   string
	}{
		{"another host", nil, Hosts("stages.test"), now, "does not cover stages.test"},
		{"expired", nil, Hosts(), now.Add(Lifetime + time.Hour), "expired at"},
		{"expires within a day", nil, Hosts(), now.Add(Lifetime - time.Hour), "in less than a day"},
		{"CA file gone", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, CAFile)) }, Hosts(), now, "ca.pem could not be read"},
		{"another CA", copyFrom(CAFile), Hosts(), now, "not valid under ca.pem"},
		{"CA file empty", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, CAFile), nil, 0o644) }, Hosts(), now, "holds no certificate"},
		{"another key", copyFrom(KeyFile), Hosts(), now, "no pair"},
		{"certificate damaged", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, CertFile), []byte("-----BEGIN"), 0o644)
		}, Hosts(), now, "no pair"},
		{"key gone", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, KeyFile)) }, Hosts(), now, "key.pem could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Ensure(dir, Hosts(), now); err != nil {
				t.Fatal(err)
			}
			if tt.change != nil {
				tt.change(t, dir)
			}
			before, _ := os.ReadFile(filepath.Join(dir, CertFile))
			pair, err := Ensure(dir, tt.hosts, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(pair.Made, tt.want) {
				t.Errorf("Made = %q, want it to say %q", pair.Made, tt.want)
			}
			if bytes.Equal(files(t, dir)[CertFile], before) {
				t.Error("cert.pem is unchanged")
			}
			if err := trustingOnly(t, dir, pair.Leaf, tt.hosts[len(tt.hosts)-1], tt.at); err != nil {
				t.Errorf("the new pair: %v", err)
			}
			again, err := Ensure(dir, tt.hosts, tt.at)
			if err != nil || again.Made != "" {
				t.Errorf("the new pair is not kept: %v %q", err, again.Made)
			}
		})
	}
}

func TestEnsureNamesTheDirectoryItCannotUse(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Ensure(filepath.Join(file, "tls"), Hosts(), now)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(file, "tls")) {
		t.Errorf("err = %v, want one naming the directory", err)
	}
}

func TestHosts(t *testing.T) {
	base := []string{"localhost", "127.0.0.1", "::1"}
	tests := []struct {
		extra []string
		want  []string
	}{
		{nil, base},
		{[]string{""}, base},
		{[]string{"0.0.0.0", "::", "[::]"}, base},
		{[]string{"LOCALHOST", "[::1]", "0:0:0:0:0:0:0:1", "127.0.0.1"}, base},
		{[]string{"stages.test", "stages.test"}, append(slices.Clone(base), "stages.test")},
		{[]string{"192.0.2.7", "fe80::1%eth0"}, append(slices.Clone(base), "192.0.2.7", "fe80::1")},
	}
	for _, tt := range tests {
		if got := Hosts(tt.extra...); !slices.Equal(got, tt.want) {
			t.Errorf("Hosts(%q) = %q, want %q", tt.extra, got, tt.want)
		}
	}
}
