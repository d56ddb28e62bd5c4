// Command interop runs the contract tools that teams bring to CI against openapi.yaml and
// a freshly started mock, each pinned to one version and fetched through npx or go run:
//
//   - Dredd sends each operation's example request and checks every documented answer;
//   - Specmatic runs the named example scenarios (path parameter, body and response
//     examples that share a name);
//   - Prism, as a validating proxy, checks every exchange of the contract suite in full mode;
//   - Spectral and Redocly lint the document with their recommended rules;
//   - oapi-codegen generates a Go client that must build and round-trip a stage;
//   - admin.yaml, beside the document, is linted the same way, and oapi-codegen generates a
//     client from it that must add a fault rule, find what it did in the journal, remove it.
//
// Each tool gets its own mock, listening on a free loopback port with the default seed. It
// prints one line per tool with its counts, then "N passed, N failed" over the tools, and
// exits 1 when any tool fails. It needs Node (npx), Java 17 for Specmatic, and network
// access to the npm registry and the Go module proxy the first time.
//
//	go run ./cmd/interop [-spec openapi.yaml] [-run REGEX] [-v]
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

// errFailed reports that at least one tool failed; its lines are already printed.
type errFailed int

func (e errFailed) Error() string { return fmt.Sprintf("%d tools failed", int(e)) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("interop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("spec", "openapi.yaml", "the OpenAPI document to check")
	only := fs.String("run", "", "run only the tools whose names match this regular expression")
	verbose := fs.Bool("v", false, "stream each tool's output to stderr as it runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	filter, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	specPath, err := filepath.Abs(*spec)
	if err != nil {
		return err
	}
	if _, err := os.Stat(specPath); err != nil {
		return fmt.Errorf("-spec: %w", err)
	}
	dir, err := os.MkdirTemp("", "oppstages-interop-")
	if err != nil {
		return err
	}
	e := &env{spec: specPath, dir: dir, verbose: *verbose, stderr: stderr}
	var passed, failed int
	for _, t := range tools {
		if !filter.MatchString(t.name) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		out, err := t.run(ctx, e)
		if err != nil {
			out.ok = false
			out.counts = fmt.Sprintf("%s (%v)", out.counts, err)
		}
		status := "PASS"
		if out.ok {
			passed++
		} else {
			status = "FAIL"
			failed++
		}
		line := fmt.Sprintf("%s %-12s %s (%s)", status, t.name, out.counts, time.Since(start).Round(time.Second))
		if !out.ok {
			line += "\n    log: " + filepath.Join(dir, t.name+".log")
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return errFailed(failed)
	}
	return os.RemoveAll(dir)
}
