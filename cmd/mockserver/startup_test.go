package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test run the real main in a child process (see mainCommand), to see its
// exit code and output as a user does.
func TestMain(m *testing.M) {
	if os.Getenv("OPPSTAGES_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// mainCommand runs mockserver with args in a child process.
func mainCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "OPPSTAGES_RUN_MAIN=1")
	return cmd
}

// Each mistake stops start-up at once: exit 2 and one line on stderr naming the flag and
// the path or address.
func TestStartupFailsFast(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	tests := []struct {
		name string
		args []string
		want []string // each must be in the one line
	}{
		{"state directory missing", []string{"-state", "/no/such/dir/state.json"},
			[]string{"-state /no/such/dir/state.json", "directory /no/such/dir does not exist"}},
		{"state directory is a file", []string{"-state", aFile + "/state.json"},
			[]string{"-state " + aFile + "/state.json", "not a directory"}},
		{"state is a directory", []string{"-state", dir},
			[]string{"-state " + dir, "is a directory"}},
		{"fixtures unreadable", []string{"-fixtures", "/no/such/fixtures"},
			[]string{"-fixtures /no/such/fixtures", "no such file or directory"}},
		{"fixtures without stages.json", []string{"-fixtures", dir},
			[]string{"-fixtures " + dir, "stages.json"}},
		{"port in use", []string{"-addr", busy},
			[]string{"-addr " + busy, "address already in use"}},
		{"admin open to the network", []string{"-addr", "0.0.0.0:0"},
			[]string{"-addr 0.0.0.0:0", "-admin-token", "-admin-open"}},
		{"all interfaces", []string{"-addr", ":0"},
			[]string{"-addr :0", "-admin-token", "-admin-open"}},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		readOnly := filepath.Join(dir, "read-only")
		if err := os.Mkdir(readOnly, 0o555); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name string
			args []string
			want []string
		}{"state directory not writable", []string{"-state", readOnly + "/state.json"},
			[]string{"-state " + readOnly + "/state.json", "not writable"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := mainCommand(append([]string{"-addr", "127.0.0.1:0"}, tt.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			exit, ok := errors.AsType[*exec.ExitError](err)
			if !ok || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want code 2\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "mockserver: ") {
				t.Errorf("stderr is not one line:\n%s", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("stderr %q does not mention %q", line, w)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("it printed before failing: %s", stdout.String())
			}
		})
	}
}

// With -admin-open, or with -admin-token, a non-loopback address is allowed; the start-up
// line says when the admin API is open to the network.
func TestAdminOnTheNetwork(t *testing.T) {
	tests := []struct {
		args     []string
		wantOpen bool
	}{
		{[]string{"-addr", "0.0.0.0:0", "-admin-open"}, true},
		{[]string{"-addr", "0.0.0.0:0", "-admin-token", "secret"}, false},
		{[]string{"-addr", "127.0.0.1:0"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, stdout, stop := start(t, tt.args, nil)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(stdout.String(), "\n")
			if open := strings.Contains(first, "the admin API is open to the network"); open != tt.wantOpen {
				t.Errorf("start-up line %q: says open %v, want %v", first, open, tt.wantOpen)
			}
		})
	}
	_, _, stop := start(t, nil, map[string]string{"MOCKSERVER_ADDR": "0.0.0.0:0", "MOCKSERVER_ADMIN_OPEN": "true"})
	if err := stop(); err != nil {
		t.Errorf("-admin-open from the environment: %v", err)
	}
}

// A second server on a state file another one holds stops at start-up, naming -state.
func TestStateFileHeldByAnotherServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	_, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-state", path}, nil)
	defer stop()
	var stderr bytes.Buffer
	cmd := mainCommand("-addr", "127.0.0.1:0", "-state", path)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want code 2", err)
	}
	if line := stderr.String(); strings.Count(line, "\n") != 1 || !strings.Contains(line, "-state "+path) || !strings.Contains(line, "in use") {
		t.Errorf("stderr %q, want one line naming -state and saying the file is in use", line)
	}
}
