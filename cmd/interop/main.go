// Command interop runs the contract tools that teams bring to CI on the repository's
// documents, each the way its own documentation says to run it, pinned to one version and
// fetched through npx or go run, against a mockserver process started as make run starts
// it (the binary built from ./cmd/mockserver, on a free loopback port, default seed):
//
//   - Dredd on openapi.yaml, which it cannot run (its line says why), and on oauth.yaml
//     with the hooks in examples/dredd-hooks.js;
//   - Specmatic on openapi.yaml, and on oauth.yaml, whose token exchange it cannot pass
//     (its line says why);
//   - Prism, as a validating proxy, checks every exchange of the contract suite in full mode;
//   - Spectral (with .spectral.yaml) and Redocly (with .redocly.lint-ignore.yaml) lint the
//     documents with their recommended rules;
//   - oapi-codegen generates a Go client that must build and round-trip a stage;
//   - admin.yaml is linted the same way, and oapi-codegen generates a client from it that
//     must add a fault rule, find what it did in the journal, remove it.
//
// Nothing is adapted for a tool: each reads the committed files, and each mock where state
// matters is a fresh process. It prints one line per tool: PASS, FAIL, or EXPECTED-FAIL
// for a failure that the tool cannot avoid on a faithful document, with the reason; then
// "N passed, N failed as documented, N failed". It exits 1 when any tool fails otherwise
// than documented. It needs Node (npx), Java 17 for Specmatic, and network access to the
// npm registry and the Go module proxy the first time.
//
//	go run ./cmd/interop [-repo DIR] [-run REGEX] [-v]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var failed errFailed
	switch {
	case errors.As(err, &failed):
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(2)
	}
}

// errFailed reports that at least one tool failed otherwise than documented; its lines
// are already printed.
type errFailed int

func (e errFailed) Error() string { return fmt.Sprintf("%d tools failed", int(e)) }

// toolTimeout bounds one tool's run, downloads included.
const toolTimeout = 15 * time.Minute

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("interop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "the repository: its documents, examples/dredd-hooks.js, the linters' files and ./cmd/mockserver")
	only := fs.String("run", "", "run only the tools whose names match this regular expression")
	verbose := fs.Bool("v", false, "stream each tool's output to stderr as it runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	filter, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	root, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	for _, name := range []string{apiDoc, oauthDoc, adminDoc} {
		if _, err := os.Stat(filepath.Join(root, name)); err != nil {
			return fmt.Errorf("-repo: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "oppstages-interop-")
	if err != nil {
		return err
	}
	e := &env{repo: root, dir: dir, verbose: *verbose, stderr: stderr}
	var selected []tool
	for _, t := range tools {
		if filter.MatchString(t.name) {
			selected = append(selected, t)
		}
	}
	tally, err := e.runTools(ctx, selected, stdout)
	if err != nil {
		return err
	}
	if tally.failed > 0 {
		return errFailed(tally.failed)
	}
	return os.RemoveAll(dir)
}

// runTools runs each tool in turn, printing its line as it ends, then the summary.
func (e *env) runTools(ctx context.Context, list []tool, stdout io.Writer) (summary, error) {
	var tally summary
	for _, t := range list {
		if ctx.Err() != nil {
			return tally, ctx.Err()
		}
		start := time.Now()
		tctx, cancel := context.WithTimeout(ctx, toolTimeout)
		out, err := t.run(tctx, e)
		cancel()
		if err != nil {
			out.verdict = fail
			out.counts = fmt.Sprintf("%s (%v)", out.counts, err)
		}
		tally.add(out.verdict)
		fmt.Fprintln(stdout, out.line(t.name, time.Since(start), filepath.Join(e.dir, logName(t.name)+".log")))
	}
	fmt.Fprintln(stdout, tally)
	return tally, nil
}

// verdict is how a tool's run ended.
type verdict int

const (
	pass verdict = iota
	// failedAsDocumented: the tool cannot pass on a faithful document, for the reason its
	// outcome gives, and failed exactly that way.
	failedAsDocumented
	fail
)

func (v verdict) String() string {
	switch v {
	case pass:
		return "PASS"
	case failedAsDocumented:
		return "EXPECTED-FAIL"
	}
	return "FAIL"
}

// outcome is what one tool said: how it ended, its counts in a few words, and, for a
// failure as documented, why the tool cannot pass.
type outcome struct {
	verdict verdict
	counts  string
	why     string
}

// line is the tool's line of the report, with the reason of a documented failure and the
// log of a failure on lines of their own.
func (o outcome) line(name string, took time.Duration, log string) string {
	line := fmt.Sprintf("%-13s %-22s %s (%s)", o.verdict, name, o.counts, took.Round(time.Second))
	switch o.verdict {
	case failedAsDocumented:
		line += "\n    why: " + o.why
	case fail:
		line += "\n    log: " + log
	}
	return line
}

// summary counts the tools by verdict.
type summary struct{ passed, asDocumented, failed int }

func (s *summary) add(v verdict) {
	switch v {
	case pass:
		s.passed++
	case failedAsDocumented:
		s.asDocumented++
	default:
		s.failed++
	}
}

func (s summary) String() string {
	return fmt.Sprintf("%d passed, %d failed as documented, %d failed", s.passed, s.asDocumented, s.failed)
}
