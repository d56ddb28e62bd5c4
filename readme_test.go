//go:build unix

package oppstages_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/clip"
)

// TestREADME runs the shell examples of README.md, in order, so that every command a
// newcomer copies works as written.
//
// The conventions, which README.md's Development section repeats for writers:
//
//   - Every block fenced as ```sh runs in its own `sh -e` (so every command in it must
//     succeed), in a scratch copy of the module, against one mockserver built from this
//     module and started with default flags. "8080" in a block becomes the port the test
//     serves that mock on. Blocks share the mock's state, in README order.
//   - A curl request answered with a status of 400 or more fails its block, unless the
//     request asked for an error (a Prefer header) or the block allows that status.
//   - `<!-- readme-test: skip REASON -->` directly above a fence skips the block: for
//     blocks that start their own server, need the network, npm or Java, or take long.
//   - `<!-- readme-test: allow-status 401 404 -->` directly above a fence lets curl
//     requests in that block get those statuses, for examples whose point is an error.
//   - Blocks fenced as bash, shell, zsh or console are an error: tag commands sh and
//     output text.
//
// A block that uses curl or make is skipped, saying so, when the tool is not installed.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README command, building the commands it uses; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH, and README commands use it")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run the README's commands with")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseShellBlocks(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```sh blocks; the README test would prove nothing")
	}

	work := t.TempDir()
	module := filepath.Join(work, "oppstages")
	if err := copyModule(".", module); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "mockserver")
	if out, err := exec.Command(goTool, "build", "-o", bin, "./cmd/mockserver").CombinedOutput(); err != nil {
		t.Fatalf("build mockserver: %v\n%s", err, out)
	}
	mockURL, mockLog := startMockserver(t, bin)
	rec := &recorder{admin: apitest.New(t, http.NotFoundHandler())}
	front := httptest.NewServer(rec.proxy(t, mockURL))
	defer front.Close()
	port := front.Listener.Addr().(*net.TCPAddr).Port
	t.Logf("README blocks run against the mock at %s (8080 in a block becomes %d)", front.URL, port)

	tools := map[string]bool{}
	for _, tool := range []string{"curl", "make"} {
		_, err := exec.LookPath(tool)
		tools[tool] = err == nil
	}
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("README.md:%d: skipped: %s", b.line, b.skip)
			continue
		}
		if missing := b.missingTool(tools); missing != "" {
			t.Logf("README.md:%d: skipped: %s is not installed", b.line, missing)
			continue
		}
		rec.reset()
		script := strings.ReplaceAll(b.text, "8080", strconv.Itoa(port))
		began := time.Now()
		res := runBlock(t, module, script)
		t.Logf("README.md:%d: ran in %s", b.line, time.Since(began).Round(time.Millisecond))
		if res.err != nil {
			t.Errorf("README.md:%d: ```sh block %s\n  last command: %s\n  output (last lines):\n%s\n  the block as run:\n%s\n  mock log (last lines):\n%s",
				b.line, res.err, res.lastCommand, indent(tail(res.output, 30), "    "), indent(script, "    | "), indent(tail(mockLog.String(), 5), "    "))
			continue
		}
		for _, x := range rec.nonconforming() {
			t.Errorf("README.md:%d: curl sent %s %s and got %d, which breaks admin.yaml: %v\n    %s", b.line, x.method, x.target, x.status, x.adminErr, clip.To(x.body, 400))
		}
		for _, x := range rec.unasked(b.allow) {
			t.Errorf("README.md:%d: curl sent %s %s and got %d, though it did not ask for an error (no Prefer header):\n    %s\n  If the error is the point of the example, put `<!-- readme-test: allow-status %d -->` directly above the fence.\n  The block as run:\n%s",
				b.line, x.method, x.target, x.status, clip.To(x.body, 400), x.status, indent(script, "    | "))
		}
	}
	if resp, err := http.Get(front.URL + "/__admin/health"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the mock is not healthy after the README's commands: %v %v\n%s", resp, err, tail(mockLog.String(), 20))
	} else {
		resp.Body.Close()
	}
}

// shellBlock is one ```sh block of the README and what its markers say.
type shellBlock struct {
	line  int    // the fence's line number
	text  string // the commands
	skip  string // the reason to skip it, if any
	allow []int  // statuses curl may get without asking
}

var (
	markerLine = regexp.MustCompile(`^<!--\s*readme-test:\s*(\S+)\s*(.*?)\s*-->$`)
	fenceLine  = regexp.MustCompile("^```+\\s*(\\S*)")
	curlUse    = regexp.MustCompile(`(^|[\s;&|(])curl\s`)
	makeUse    = regexp.MustCompile(`(^|[;&|(]\s*)make(\s|$)`)
)

// parseShellBlocks finds the ```sh blocks of a Markdown document and the readme-test
// markers directly above them. A malformed or misplaced marker is an error, so that a
// typo cannot silently run or skip a block.
func parseShellBlocks(doc string) ([]shellBlock, error) {
	lines := strings.Split(doc, "\n")
	var blocks []shellBlock
	var pending []string // marker lines directly above the current line
	pendingAt := 0
	var errs []error
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := markerLine.FindStringSubmatch(line); m != nil {
			if len(pending) == 0 {
				pendingAt = i + 1
			}
			pending = append(pending, line)
			continue
		}
		if strings.HasPrefix(line, "<!--") && strings.Contains(line, "readme-test") {
			errs = append(errs, fmt.Errorf("README.md:%d: %q is not a readme-test marker; write <!-- readme-test: skip REASON --> or <!-- readme-test: allow-status CODE... -->", i+1, line))
		}
		m := fenceLine.FindStringSubmatch(line)
		if m == nil {
			if len(pending) > 0 {
				errs = append(errs, fmt.Errorf("README.md:%d: readme-test marker not directly above a ```sh fence", pendingAt))
				pending = nil
			}
			continue
		}
		tag := m[1]
		fence := strings.TrimRight(line[:len(line)-len(strings.TrimLeft(line, "`"))], " ")
		start := i + 1
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), fence); i++ {
			body = append(body, lines[i])
		}
		switch tag {
		case "sh":
		case "bash", "shell", "zsh", "console", "shell-session":
			errs = append(errs, fmt.Errorf("README.md:%d: a ```%s block is never run; tag commands ```sh (and output ```text)", start, tag))
			pending = nil
			continue
		default:
			if len(pending) > 0 {
				errs = append(errs, fmt.Errorf("README.md:%d: readme-test marker above a ```%s block, which is not run anyway", pendingAt, tag))
			}
			pending = nil
			continue
		}
		b := shellBlock{line: start, text: strings.Join(body, "\n") + "\n"}
		for _, marker := range pending {
			mm := markerLine.FindStringSubmatch(marker)
			switch mm[1] {
			case "skip":
				if mm[2] == "" {
					errs = append(errs, fmt.Errorf("README.md:%d: a skipped block needs a reason: <!-- readme-test: skip REASON -->", start))
				}
				b.skip = mm[2]
			case "allow-status":
				for _, f := range strings.FieldsFunc(mm[2], func(r rune) bool { return r == ' ' || r == ',' }) {
					code, err := strconv.Atoi(f)
					if err != nil || code < 400 || code > 599 {
						errs = append(errs, fmt.Errorf("README.md:%d: allow-status takes error statuses (400 to 599), not %q", start, f))
						continue
					}
					b.allow = append(b.allow, code)
				}
			default:
				errs = append(errs, fmt.Errorf("README.md:%d: unknown readme-test marker %q; the markers are skip and allow-status", start, mm[1]))
			}
		}
		pending = nil
		blocks = append(blocks, b)
	}
	return blocks, errors.Join(errs...)
}

// missingTool names a tool the block uses that is not installed, or "".
func (b shellBlock) missingTool(installed map[string]bool) string {
	for _, line := range strings.Split(b.text, "\n") {
		if code, _, _ := strings.Cut(line, "#"); curlUse.MatchString(code) && !installed["curl"] {
			return "curl"
		} else if makeUse.MatchString(code) && !installed["make"] {
			return "make"
		}
	}
	return ""
}

// blockResult is how one block ran.
type blockResult struct {
	err         error  // nil when the block succeeded
	output      string // stdout and stderr, without the shell's trace
	lastCommand string // the last command the shell started
}

// traceMark starts the shell's trace lines, so they can be told from the commands' output.
const traceMark = "+readme-test+ "

// runBlock runs a script under sh -e -x in dir, in its own process group, which is
// killed when the script ends or times out, so no server a block starts outlives it.
func runBlock(t *testing.T, dir, script string) blockResult {
	t.Helper()
	const timeout = 5 * time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-e", "-x", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PS4="+traceMark)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever the block left running
	}
	var res blockResult
	var output []string
	for _, line := range strings.Split(out.String(), "\n") {
		if cmdLine, ok := strings.CutPrefix(line, traceMark); ok {
			res.lastCommand = cmdLine
			continue
		}
		output = append(output, line)
	}
	res.output = strings.Join(output, "\n")
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		res.err = fmt.Errorf("did not finish within %s (a command that serves forever needs & and a way to stop it, or a skip marker)", timeout)
	case err != nil:
		res.err = fmt.Errorf("failed: %v", err)
	}
	return res
}

// exchange is one request a block sent to the mock.
type exchange struct {
	method, target, userAgent string
	askedForError             bool
	status                    int
	body                      string
	adminErr                  error // how an admin answer breaks admin.yaml
}

// recorder is a reverse proxy in front of the mock that remembers what each block sent.
type recorder struct {
	admin     *apitest.Client // validates admin answers against admin.yaml
	mu        sync.Mutex
	exchanges []exchange
}

// nonconforming are the admin answers that break admin.yaml.
func (rec *recorder) nonconforming() []exchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []exchange
	for _, x := range rec.exchanges {
		if x.adminErr != nil {
			out = append(out, x)
		}
	}
	return out
}

func (rec *recorder) reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.exchanges = nil
}

// unasked are the curl requests that got an error status without asking for one.
func (rec *recorder) unasked(allowed []int) []exchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []exchange
	for _, x := range rec.exchanges {
		if x.status >= 400 && strings.HasPrefix(x.userAgent, "curl/") && !x.askedForError && !slices.Contains(allowed, x.status) {
			out = append(out, x)
		}
	}
	return out
}

func (rec *recorder) proxy(t *testing.T, mockURL *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(mockURL)
			r.Out.Host = r.In.Host // links in answers name the address the block used
			if strings.HasPrefix(r.In.URL.Path, "/__admin/") && r.In.Body != nil {
				sent, _ := io.ReadAll(r.In.Body) // kept to validate the answer with; an unread body sends short
				r.Out.Body = io.NopCloser(bytes.NewReader(sent))
				r.Out = r.Out.WithContext(context.WithValue(r.Out.Context(), sentBody{}, sent))
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			x := exchange{
				method:        resp.Request.Method,
				target:        resp.Request.URL.RequestURI(),
				userAgent:     resp.Request.Header.Get("User-Agent"),
				askedForError: resp.Request.Header.Get("Prefer") != "",
				status:        resp.StatusCode,
			}
			if resp.StatusCode >= 400 || strings.HasPrefix(resp.Request.URL.Path, "/__admin/") {
				body, err := readAll(resp)
				if err != nil {
					return err
				}
				x.body = body
			}
			if strings.HasPrefix(resp.Request.URL.Path, "/__admin/") {
				sent, _ := resp.Request.Context().Value(sentBody{}).([]byte)
				check := httptest.NewRequest(resp.Request.Method, resp.Request.URL.RequestURI(), bytes.NewReader(sent))
				check.Header, check.Host = resp.Request.Header.Clone(), resp.Request.Host
				x.adminErr = rec.admin.Validate(check, &apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: []byte(x.body)})
			}
			rec.mu.Lock()
			rec.exchanges = append(rec.exchanges, x)
			rec.mu.Unlock()
			return nil
		},
		// The mock dropped the connection (a fault rule): drop the client's too.
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) { panic(http.ErrAbortHandler) },
	}
}

// sentBody keys the body of an admin request in its context.
type sentBody struct{}

// readAll reads a body for the report (an error's, an admin answer's) and puts it back for
// the client.
func readAll(resp *http.Response) (string, error) {
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		return "", err
	}
	resp.Body.Close()
	resp.Body = readCloser{bytes.NewReader(b.Bytes())}
	return b.String(), nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// startMockserver starts the built mockserver with default flags on a free port and
// returns its URL and its log.
func startMockserver(t *testing.T, bin string) (*url.URL, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no MOCKSERVER_* from the caller
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	found := make(chan string, 1)
	go func() {
		listening := regexp.MustCompile(`listening on (http://\S+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			log.Write(append(sc.Bytes(), '\n'))
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case raw := <-found:
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u, &log
	case <-time.After(30 * time.Second):
		t.Fatalf("mockserver printed no start-up line:\n%s", log.String())
	}
	return nil, nil
}

// copyModule copies the module's files, without .git, so that files the README's
// commands write stay out of the worktree.
func copyModule(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		target := filepath.Join(to, path)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil // .git as a file (a worktree), symlinks
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[%d lines before]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}
