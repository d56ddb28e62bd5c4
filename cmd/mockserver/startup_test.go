package main

import (
	"bytes"
	"context"
	"errors"
	"io"
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
		{"client report directory missing", []string{"-client-report", "/no/such/dir/report.json"},
			[]string{"-client-report /no/such/dir/report.json", "directory /no/such/dir does not exist"}},
		{"client report is a directory", []string{"-client-report", dir},
			[]string{"-client-report " + dir, "is a directory"}},
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
		tests = append(tests, struct {
			name string
			args []string
			want []string
		}{"client report directory not writable", []string{"-client-report", readOnly + "/report.xml"},
			[]string{"-client-report " + readOnly + "/report.xml", "not writable"}})
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

// A second server on a state file another one holds stops at start-up, naming -state,
// also when it reaches the file through a symbolic link.
func TestStateFileHeldByAnotherServer(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	_, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-state", path}, nil)
	defer stop()
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("state.json", link); err != nil {
		t.Fatal(err)
	}
	for _, second := range []string{path, link} {
		args := []string{"-addr", "127.0.0.1:0", "-state", second}
		if err := startErr(t, args, nil); !strings.Contains(err.Error(), "-state "+second) || !strings.Contains(err.Error(), "in use") {
			t.Errorf("-state %s: %v, want an error naming -state and saying the file is in use", second, err)
		}
		wantOneLineExit2(t, args)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", info, err)
	}
}

// startErr runs mockserver in this process and returns the error that stopped its
// start-up; a server that starts serving instead fails the test, and is stopped.
func startErr(t *testing.T, args []string, env map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, environList(env), io.Discard, io.Discard, ready) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("mockserver %s returned without an error before serving", strings.Join(args, " "))
		}
		return err
	case <-ready:
		cancel()
		<-done
		t.Fatalf("mockserver %s started, want it refused", strings.Join(args, " "))
		return nil
	}
}

// wantOneLineExit2 runs mockserver with args in a child process, which must stop at
// start-up as a user sees it: exit code 2, one line on stderr, nothing on stdout. Call it
// once startErr has shown that start-up stops, or the child would serve until killed.
func wantOneLineExit2(t *testing.T, args []string) string {
	t.Helper()
	cmd := mainCommand(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want code 2\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	line := stderr.String()
	if strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "mockserver: ") || stdout.Len() != 0 {
		t.Errorf("want one line on stderr and nothing on stdout; stderr:\n%s\nstdout:\n%s", line, stdout.String())
	}
	return line
}
