package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The repository's documents, by the names the tools are given.
const (
	apiDoc   = "openapi.yaml"
	oauthDoc = "oauth.yaml"
	adminDoc = "admin.yaml"
)

// env is what every tool run shares: the repository, a scratch directory, the mockserver
// binary once built, and where output goes.
type env struct {
	repo       string // absolute path of the repository's root
	dir        string // scratch directory, kept when a tool fails
	mockserver string // the binary built from ./cmd/mockserver; "" until a tool needs it
	verbose    bool
	stderr     io.Writer
}

// output is what a command printed: stdout alone, and stdout and stderr together.
type output struct{ stdout, all string }

// logName is a tool's name as a file name.
func logName(tool string) string { return strings.ReplaceAll(tool, " ", "-") }

// openLog opens the log file of a tool for appending.
func (e *env) openLog(tool string) (*os.File, error) {
	return os.OpenFile(filepath.Join(e.dir, logName(tool)+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

// exec runs a command to completion in workdir, writing its output to the tool's log
// (and to stderr with -v), and returns the output. A non-zero exit is returned as the
// error.
func (e *env) exec(ctx context.Context, tool, workdir string, extraEnv []string, name string, args ...string) (output, error) {
	f, err := e.openLog(tool)
	if err != nil {
		return output{}, err
	}
	defer f.Close()
	fmt.Fprintf(f, "$ cd %s && %s %q\n", workdir, name, args)
	var stdout, all bytes.Buffer
	w := io.MultiWriter(&all, f)
	if e.verbose {
		w = io.MultiWriter(w, e.stderr)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = workdir
	cmd.Env = append(os.Environ(), extraEnv...)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(w, &stdout), w
	ownProcessGroup(cmd)
	cmd.Cancel = func() error { endProcessGroup(cmd); return nil }
	err = cmd.Run()
	return output{stdout: stdout.String(), all: all.String()}, err
}

// start runs a long-lived command (a proxy) in its own process group, its output in the
// tool's log; stop ends the group.
func (e *env) start(tool string, name string, args ...string) (stop func(), err error) {
	f, err := e.openLog(tool)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "$ %s %q\n", name, args)
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return func() {
		endProcessGroup(cmd)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		f.Close()
	}, nil
}

// liveMock is a mockserver process listening on a loopback port.
type liveMock struct {
	URL  string // the root it listens on, http://127.0.0.1:PORT
	stop func()
}

func (m *liveMock) Close() { m.stop() }

// listening matches the start-up line, which names the port the system chose.
var listening = regexp.MustCompile(`mockserver listening on (http://127\.0\.0\.1:\d+)`)

// startMock starts the mockserver binary as make run starts it, on -addr 127.0.0.1:0 and
// with the flags given, none from the environment (MOCKSERVER_*), and reads its address
// from the start-up line. Its output goes to the tool's own mockserver log.
func (e *env) startMock(ctx context.Context, tool string, flags ...string) (*liveMock, error) {
	bin, err := e.mockBinary(ctx)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(e.dir, logName(tool)+".mockserver.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := append([]string{"-addr", "127.0.0.1:0"}, flags...)
	fmt.Fprintf(f, "$ %s %q\n", bin, args)
	cmd := exec.Command(bin, args...)
	cmd.Env = withoutMockserverSettings(os.Environ())
	cmd.Stderr = f
	out, err := cmd.StdoutPipe()
	if err != nil {
		f.Close()
		return nil, err
	}
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	url := make(chan string, 1)
	copied := make(chan struct{})
	go func() { // copy the log, and hand over the address once it is printed
		defer close(copied)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(f, sc.Text())
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case url <- m[1]:
				default:
				}
			}
		}
		io.Copy(f, out) // a line too long for the scanner: keep the rest
	}()
	exited := make(chan struct{})
	go func() { <-copied; cmd.Wait(); close(exited) }()
	stop := func() {
		endProcessGroup(cmd)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
		f.Close()
	}
	select {
	case u := <-url:
		return &liveMock{URL: u, stop: stop}, nil
	case <-exited:
		stop()
		return nil, errors.New("mockserver exited before it listened; see its log")
	case <-time.After(30 * time.Second):
		stop()
		return nil, errors.New("mockserver printed no start-up line in 30s")
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
}

// mockBinary builds ./cmd/mockserver into the scratch directory, once.
func (e *env) mockBinary(ctx context.Context) (string, error) {
	if e.mockserver != "" {
		return e.mockserver, nil
	}
	bin := filepath.Join(e.dir, "mockserver")
	if _, err := e.exec(ctx, "build-mockserver", e.repo, nil, "go", "build", "-o", bin, "./cmd/mockserver"); err != nil {
		return "", fmt.Errorf("build ./cmd/mockserver: %w (see %s)", err, filepath.Join(e.dir, "build-mockserver.log"))
	}
	e.mockserver = bin
	return bin, nil
}

// withoutMockserverSettings is environ without the MOCKSERVER_ variables, which would
// change the mock's defaults.
func withoutMockserverSettings(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "MOCKSERVER_") {
			out = append(out, kv)
		}
	}
	return out
}

// freePort finds a loopback port nobody listens on, for a tool that must be told its port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until something accepts connections on addr.
func waitListening(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %s", addr, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// need reports a missing program with the reason it is needed.
func need(program, why string) error {
	if _, err := exec.LookPath(program); err != nil {
		return fmt.Errorf("%s not found on PATH: %s", program, why)
	}
	return nil
}

// exitCode is the exit status of a finished command, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err == nil {
		return 0
	}
	return -1
}
