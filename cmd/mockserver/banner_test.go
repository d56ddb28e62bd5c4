package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestStartupLine(t *testing.T) {
	tests := []struct {
		name          string
		listen, base  string
		adminToken    string
		openToNetwork bool
		want          string
	}{
		{"defaults", "http://127.0.0.1:8080", "", "", false,
			"mockserver listening on http://127.0.0.1:8080 with 8 stages (seed 1); the admin API is open to this machine only (loopback, no -admin-token)"},
		{"a public URL", "http://127.0.0.1:41234", "https://stages.example.test/", "", false,
			"mockserver listening on http://127.0.0.1:41234, public URL https://stages.example.test, with 8 stages (seed 1); the admin API is open to this machine only (loopback, no -admin-token)"},
		{"the public URL is the address", "http://127.0.0.1:8080", "http://127.0.0.1:8080/", "", false,
			"mockserver listening on http://127.0.0.1:8080 with 8 stages (seed 1); the admin API is open to this machine only (loopback, no -admin-token)"},
		{"admin token", "https://0.0.0.0:8443", "", "secret", false,
			"mockserver listening on https://0.0.0.0:8443 with 8 stages (seed 1); the admin API wants the admin token"},
		{"admin open", "http://0.0.0.0:8080", "", "", true,
			"mockserver listening on http://0.0.0.0:8080 with 8 stages (seed 1); the admin API is open to the network (-admin-open without -admin-token)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := startupLine(tt.listen, tt.base, 8, 1, adminAccess(config{adminToken: tt.adminToken}, tt.openToNetwork))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The start-up line names the port the system chose for -addr HOST:0 also when -base-url
// is set, and says https when the server speaks it.
func TestStartupLineNamesTheRealAddress(t *testing.T) {
	tests := []struct {
		args []string
		want func(addr string) string
	}{
		{[]string{"-addr", "127.0.0.1:0", "-seed", "7", "-generate", "2"},
			func(addr string) string {
				return "mockserver listening on http://" + addr + " with 10 stages (seed 7); the admin API is open to this machine only"
			}},
		{[]string{"-addr", "127.0.0.1:0", "-base-url", "https://stages.example.test"},
			func(addr string) string {
				return "mockserver listening on http://" + addr + ", public URL https://stages.example.test, with 8 stages (seed 1)"
			}},
		{[]string{"-addr", "127.0.0.1:0", "-admin-token", "secret", "-tls-generate", filepath.Join(t.TempDir(), "tls")},
			func(addr string) string {
				return "mockserver listening on https://" + addr + " with 8 stages (seed 1); the admin API wants the admin token"
			}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			addr, stdout, stop := start(t, tt.args, nil)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(stdout.String(), "\n")
			if want := tt.want(addr); !strings.Contains(first, want) {
				t.Errorf("start-up line %q\ndoes not say %q", first, want)
			}
		})
	}
}

// -h prints the usage, with the environment variables, to stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		t.Run(arg, func(t *testing.T) {
			cmd := mainCommand(arg)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v, want exit 0\nstderr: %s", err, stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr: %q, want nothing", stderr.String())
			}
			out := stdout.String()
			for _, want := range []string{"Usage: mockserver [flags]", "MOCKSERVER_<FLAG>", "MOCKSERVER_ADMIN_TOKEN", "-tls-generate", "-addr string", "-client-report FILE", "JUnit XML when FILE ends in .xml"} {
				if !strings.Contains(out, want) {
					t.Errorf("the usage does not mention %q:\n%s", want, out)
				}
			}
		})
	}
}

// A mistake on the command line is one line that points at -h, not the whole usage.
func TestFlagMistakeIsOneLine(t *testing.T) {
	line := wantOneLineExit2(t, []string{"-no-such-flag"})
	for _, want := range []string{"flag provided but not defined: -no-such-flag", "mockserver -h"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q does not mention %q", line, want)
		}
	}
}
