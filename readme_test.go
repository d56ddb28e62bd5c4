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

// TestREADME runs the shell examples of README.md and of the pages under docs/, README.md
// first, then the pages in the order README.md links them, so that every command a
// newcomer copies works as written.
//
// The conventions, which docs/development.md repeats for writers:
//
//   - Every block fenced as ```sh runs in its own `sh -e` (so every command in it must
//     succeed), in a scratch copy of the module, against one mockserver built from this
//     module and started with default flags. "8080" in a block becomes the port the test
//     serves that mock on. Blocks share the mock's state, in that order.
//   - 8081 to 8089 are the ports of the servers a block starts itself: each becomes a free
//     port of its own, and whatever a block leaves running is stopped when it ends.
//   - `go install` installs into a directory of the scratch copy that is first on PATH, so
//     blocks after the README's install run `mockserver` and `contract` as a reader would.
//   - A curl request answered with a status of 400 or more fails its block, unless the
//     request asked for an error (a Prefer header) or the block allows that status.
//   - `<!-- readme-test: skip REASON -->` directly above a fence skips the block: only for
//     blocks that cannot run here (the real API, a registry, a container runtime) or would
//     run for many minutes.
//   - `<!-- readme-test: allow-status 401 404 -->` directly above a fence lets curl
//     requests in that block get those statuses, for examples whose point is an error.
//   - Blocks fenced as bash, shell, zsh or console are an error: tag commands sh and
//     output text.
//
// A block that uses curl or make is skipped, saying so, when the tool is not installed.
// A failure names the file and the line of the block's fence.
func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README and docs/ command, building the commands they use; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH, and README commands use it")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to run the README's commands with")
	}
	blocks, err := docBlocks(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md and docs/ have no ```sh blocks; the README test would prove nothing")
	}

	work := t.TempDir()
	module := filepath.Join(work, "oppstages")
	if err := copyModule(".", module); err != nil {
		t.Fatal(err)
	}
	copied, err := moduleFiles(module)
	if err != nil {
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
	env := blockEnv(filepath.Join(work, "gobin"))

	tools := map[string]bool{}
	for _, tool := range []string{"curl", "make"} {
		_, err := exec.LookPath(tool)
		tools[tool] = err == nil
	}
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("%s: skipped: %s", b.where(), b.skip)
			continue
		}
		if missing := b.missingTool(tools); missing != "" {
			t.Logf("%s: skipped: %s is not installed", b.where(), missing)
			continue
		}
		rec.reset()
		script, err := b.script(port)
		if err != nil {
			t.Fatalf("%s: %v", b.where(), err)
		}
		began := time.Now()
		res := runBlock(t, module, script, env)
		t.Logf("%s: ran in %s", b.where(), time.Since(began).Round(time.Millisecond))
		if res.err != nil {
			t.Errorf("%s: ```sh block %s\n  last command: %s\n  output (last lines):\n%s\n  the block as run:\n%s\n  mock log (last lines):\n%s",
				b.where(), res.err, res.lastCommand, indent(tail(res.output, 30), "    "), indent(script, "    | "), indent(tail(mockLog.String(), 5), "    "))
			continue
		}
		for _, x := range rec.nonconforming() {
			t.Errorf("%s: curl sent %s %s and got %d, which breaks admin.yaml: %v\n    %s", b.where(), x.method, x.target, x.status, x.adminErr, clip.To(x.body, 400))
		}
		for _, x := range rec.unasked(b.allow) {
			t.Errorf("%s: curl sent %s %s and got %d, though it did not ask for an error (no Prefer header):\n    %s\n  If the error is the point of the example, put `<!-- readme-test: allow-status %d -->` directly above the fence.\n  The block as run:\n%s",
				b.where(), x.method, x.target, x.status, clip.To(x.body, 400), x.status, indent(script, "    | "))
		}
	}
	if resp, err := http.Get(front.URL + "/__admin/health"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the mock is not healthy after the README's commands: %v %v\n%s", resp, err, tail(mockLog.String(), 20))
	} else {
		resp.Body.Close()
	}
	for _, left := range unignoredLeftovers(t, module, copied) {
		t.Errorf("the commands of README.md and docs/ leave %s in a clone, and .gitignore does not cover it: add it, so that a reader's git status stays clean", left)
	}
}

// moduleFiles lists the files under dir, as paths relative to it.
func moduleFiles(dir string) (map[string]bool, error) {
	files := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = true
		return err
	})
	return files, err
}

// unignoredLeftovers are the files the blocks wrote into the scratch copy of the module
// that its .gitignore does not cover, as git itself reads .gitignore. Without git it
// checks nothing.
func unignoredLeftovers(t *testing.T, module string, copied map[string]bool) []string {
	t.Helper()
	gitTool, err := exec.LookPath("git")
	if err != nil {
		t.Log("git is not installed: whether .gitignore covers what the commands leave is not checked")
		return nil
	}
	now, err := moduleFiles(module)
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	for f := range now {
		if !copied[f] {
			written = append(written, f)
		}
	}
	if len(written) == 0 {
		return nil
	}
	slices.Sort(written)
	if out, err := exec.Command(gitTool, "-C", module, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init in the scratch copy: %v\n%s", err, out)
	}
	check := exec.Command(gitTool, "-C", module, "check-ignore", "--stdin")
	check.Stdin = strings.NewReader(strings.Join(written, "\n") + "\n")
	out, err := check.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: none is ignored
		t.Fatalf("git check-ignore: %v", err)
	}
	ignored := map[string]bool{}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		ignored[f] = true
	}
	var left []string
	for _, f := range written {
		if !ignored[f] {
			left = append(left, f)
		}
	}
	return left
}

// TestDocsPages checks, without running anything, what TestREADME needs of the pages:
// every page under docs/ is linked from README.md (so the README test runs it, in the
// order of the links), and every readme-test marker is well placed and spelt.
func TestDocsPages(t *testing.T) {
	blocks, err := docBlocks(".")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{}
	for _, b := range blocks {
		files[b.file]++
	}
	if files["README.md"] == 0 {
		t.Error("README.md has no ```sh block")
	}
}

// docFiles lists README.md, then the pages under docs/ in the order README.md first links
// them. A page that README.md does not link, or a link to a page that is not there, is an
// error: the first would never be run, the second is a broken link.
func docFiles(root string) ([]string, error) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return nil, err
	}
	files := []string{"README.md"}
	linked := map[string]bool{}
	var errs []error
	for _, m := range docsLink.FindAllStringSubmatch(string(readme), -1) {
		page := m[1]
		if linked[page] {
			continue
		}
		linked[page] = true
		if _, err := os.Stat(filepath.Join(root, page)); err != nil {
			errs = append(errs, fmt.Errorf("README.md links %s, which is not there", page))
			continue
		}
		files = append(files, page)
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		page := "docs/" + filepath.Base(p)
		if !linked[page] {
			errs = append(errs, fmt.Errorf("README.md does not link %s, so the README test would never run it: link it where a reader looks for it", page))
		}
	}
	return files, errors.Join(errs...)
}

// docsLink finds README.md's links to the pages under docs/.
var docsLink = regexp.MustCompile(`\]\((docs/[A-Za-z0-9._-]+\.md)(?:#[^)]*)?\)`)

// docBlocks parses the ```sh blocks of README.md and the docs/ pages, in docFiles' order.
func docBlocks(root string) ([]shellBlock, error) {
	files, err := docFiles(root)
	errs := []error{err}
	var blocks []shellBlock
	for _, f := range files {
		doc, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		bs, err := parseShellBlocks(f, string(doc))
		errs = append(errs, err)
		blocks = append(blocks, bs...)
	}
	return blocks, errors.Join(errs...)
}

// blockEnv is the environment blocks run in: the caller's, without MOCKSERVER_* (which
// would change every mockserver a block starts), with `go install` installing into gobin
// and gobin first on PATH.
func blockEnv(gobin string) []string {
	env := []string{"PS4=" + traceMark, "GOBIN=" + gobin}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "MOCKSERVER_"), name == "GOBIN", name == "PS4":
		case name == "PATH":
			env = append(env, "PATH="+gobin+string(os.PathListSeparator)+value)
		default:
			env = append(env, kv)
		}
	}
	return env
}

// blockPort finds the ports a block names: 8080, the README test's mock, and 8081 to
// 8089, servers the block starts itself.
var blockPort = regexp.MustCompile(`\b808[0-9]\b`)

// script is the block as it runs: 8080 becomes mockPort, and each of 8081 to 8089 a free
// port of its own.
func (b shellBlock) script(mockPort int) (string, error) {
	ports := map[string]string{"8080": strconv.Itoa(mockPort)}
	for _, p := range blockPort.FindAllString(b.text, -1) {
		if _, ok := ports[p]; ok {
			continue
		}
		free, err := freePort()
		if err != nil {
			return "", fmt.Errorf("a free port for %s: %w", p, err)
		}
		ports[p] = strconv.Itoa(free)
	}
	return blockPort.ReplaceAllStringFunc(b.text, func(p string) string { return ports[p] }), nil
}

// freePort asks the system for a loopback port no one holds now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// shellBlock is one ```sh block of README.md or a docs/ page, and what its markers say.
type shellBlock struct {
	file  string // README.md or docs/NAME.md
	line  int    // the fence's line number
	text  string // the commands
	skip  string // the reason to skip it, if any
	allow []int  // statuses curl may get without asking
}

// where names the block as an editor opens it: file:line.
func (b shellBlock) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var (
	markerLine = regexp.MustCompile(`^<!--\s*readme-test:\s*(\S+)\s*(.*?)\s*-->$`)
	fenceLine  = regexp.MustCompile("^```+\\s*(\\S*)")
	curlUse    = regexp.MustCompile(`(^|[\s;&|(])curl\s`)
	makeUse    = regexp.MustCompile(`(^|[;&|(]\s*)make(\s|$)`)
)

// parseShellBlocks finds the ```sh blocks of a Markdown document, named file in messages,
// and the readme-test markers directly above them. A malformed or misplaced marker is an
// error, so that a typo cannot silently run or skip a block.
func parseShellBlocks(file, doc string) ([]shellBlock, error) {
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
			errs = append(errs, fmt.Errorf("%s:%d: %q is not a readme-test marker; write <!-- readme-test: skip REASON --> or <!-- readme-test: allow-status CODE... -->", file, i+1, line))
		}
		m := fenceLine.FindStringSubmatch(line)
		if m == nil {
			if len(pending) > 0 {
				errs = append(errs, fmt.Errorf("%s:%d: readme-test marker not directly above a ```sh fence", file, pendingAt))
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
			errs = append(errs, fmt.Errorf("%s:%d: a ```%s block is never run; tag commands ```sh (and output ```text)", file, start, tag))
			pending = nil
			continue
		default:
			if len(pending) > 0 {
				errs = append(errs, fmt.Errorf("%s:%d: readme-test marker above a ```%s block, which is not run anyway", file, pendingAt, tag))
			}
			pending = nil
			continue
		}
		b := shellBlock{file: file, line: start, text: strings.Join(body, "\n") + "\n"}
		for _, marker := range pending {
			mm := markerLine.FindStringSubmatch(marker)
			switch mm[1] {
			case "skip":
				if mm[2] == "" {
					errs = append(errs, fmt.Errorf("%s:%d: a skipped block needs a reason: <!-- readme-test: skip REASON -->", file, start))
				}
				b.skip = mm[2]
			case "allow-status":
				for _, f := range strings.FieldsFunc(mm[2], func(r rune) bool { return r == ' ' || r == ',' }) {
					code, err := strconv.Atoi(f)
					if err != nil || code < 400 || code > 599 {
						errs = append(errs, fmt.Errorf("%s:%d: allow-status takes error statuses (400 to 599), not %q", file, start, f))
						continue
					}
					b.allow = append(b.allow, code)
				}
			default:
				errs = append(errs, fmt.Errorf("%s:%d: unknown readme-test marker %q; the markers are skip and allow-status", file, start, mm[1]))
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

// runBlock runs a script under sh -e -x in dir with env, in its own process group, which is
// killed when the script ends or times out, so no server a block starts outlives it.
func runBlock(t *testing.T, dir, script string, env []string) blockResult {
	t.Helper()
	const timeout = 5 * time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-e", "-x", "-c", script)
	cmd.Dir = dir
	cmd.Env = env
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
