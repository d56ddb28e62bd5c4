package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/oppstages/oppstages/mock"
)

// env is what every tool run shares: the document, a scratch directory, and where output goes.
type env struct {
	spec    string // absolute path of the OpenAPI document
	dir     string // scratch directory, kept when a tool fails
	verbose bool
	stderr  io.Writer
}

// output is what a command printed: stdout alone, and stdout and stderr together.
type output struct{ stdout, all string }

// exec runs a command to completion, writing its output to dir/log.log (and to stderr with
// -v), and returns the output. A non-zero exit is returned as the error.
func (e *env) exec(ctx context.Context, log, workdir string, extraEnv []string, name string, args ...string) (output, error) {
	f, err := os.OpenFile(filepath.Join(e.dir, log+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return output{}, err
	}
	defer f.Close()
	fmt.Fprintf(f, "$ %s %q\n", name, args)
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

// start runs a long-lived command (a proxy) in its own process group; stop ends the group.
func (e *env) start(log string, name string, args ...string) (stop func(), err error) {
	f, err := os.OpenFile(filepath.Join(e.dir, log+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
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

// liveMock is a mock server on a free loopback port, with the default seed.
type liveMock struct {
	URL string
	srv *http.Server
}

// startMock serves a fresh mock; baseURL, when set, is the root its links point at; wrap,
// when set, stands in front of it.
func startMock(baseURL string, wrap func(http.Handler) http.Handler) (*liveMock, error) {
	m, err := mock.New(mock.Options{Seed: 1, BaseURL: baseURL})
	if err != nil {
		return nil, err
	}
	h := m.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	return startHandler(h)
}

// startHandler serves h on a free loopback port.
func startHandler(h http.Handler) (*liveMock, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return &liveMock{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

func (m *liveMock) Close() { m.srv.Close() }

// oauthAtRoot serves h with /api/v2/oauth/... answered as /oauth/...: the OAuth endpoints
// sit at the root (a path-level server in openapi.yaml), and Dredd and Specmatic put
// every path below the one base URL they are given.
func oauthAtRoot(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v2/oauth/"); ok {
			r = r.Clone(r.Context())
			r.URL.Path, r.URL.RawPath = "/oauth/"+rest, ""
		}
		h.ServeHTTP(w, r)
	})
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
