package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oppstages/oppstages/contract/compat"
)

// maxDocument bounds what compat reads of one document; openapi.yaml is under 100 KB.
const maxDocument = 32 << 20

// runCompat is "contract compat OLD NEW": it prints one line per change from OLD to NEW,
// breaking ones first, then "N breaking, N other", and exits 1 when any change breaks
// clients, 0 when none does and 2 on unreadable input or wrong usage. OLD or NEW may be
// "-" for stdin, or a path that is a pipe, such as bash's <(git show main:openapi.yaml).
// When ctx ends first (SIGINT or SIGTERM), it says so and exits 2 at once.
func runCompat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	const usage = "usage: contract compat OLD NEW, two OpenAPI documents (YAML or JSON files; one may be - for stdin)"
	fs := flag.NewFlagSet("contract compat", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // every refusal is one line, below
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "contract compat: %s\n", usage)
		return 0 // -h asked for the usage, and got it
	case err != nil:
		fmt.Fprintf(stderr, "contract compat: %v; %s\n", err, usage)
		return 2
	case fs.NArg() != 2:
		fmt.Fprintf(stderr, "contract compat: got %q; %s\n", fs.Args(), usage)
		return 2
	}
	oldPath, newPath := fs.Arg(0), fs.Arg(1)
	if oldPath == "-" && newPath == "-" {
		fmt.Fprintln(stderr, "contract compat: only one of OLD and NEW can be - (stdin)")
		return 2
	}
	// The comparison runs aside, so that a signal ends it at once: oasdiff takes time
	// that grows with the square of the number of paths, and cannot be told to stop.
	done := make(chan comparison, 1)
	go func() { done <- compareFiles(oldPath, newPath, stdin) }()
	var result comparison
	select {
	case <-ctx.Done():
		fmt.Fprintln(stderr, "contract compat: interrupted before the comparison ended")
		return 2
	case result = <-done:
	}
	if result.err != "" {
		fmt.Fprintf(stderr, "contract compat: %s\n", result.err)
		return 2
	}
	report := result.report
	for _, c := range report.Changes {
		fmt.Fprintln(stdout, c)
	}
	fmt.Fprintln(stdout, report.Summary())
	if report.Breaking() > 0 {
		return 1
	}
	return 0
}

// comparison is what compareFiles found: a report, or the one-line reason it has none.
type comparison struct {
	report compat.Report
	err    string
}

// compareFiles reads, parses and compares the documents at oldPath and newPath.
func compareFiles(oldPath, newPath string, stdin io.Reader) comparison {
	oldDoc, err := readDocument(oldPath, stdin)
	if err != nil {
		return comparison{err: "OLD " + oneLine(err)}
	}
	newDoc, err := readDocument(newPath, stdin)
	if err != nil {
		return comparison{err: "NEW " + oneLine(err)}
	}
	report, err := compat.Compare(oldDoc, newDoc)
	if err != nil {
		return comparison{err: oneLine(err)}
	}
	return comparison{report: report}
}

// readDocument reads and parses the document at path, or stdin for "-". It reads to the
// end without seeking, so a pipe works as well as a file.
func readDocument(path string, stdin io.Reader) (*compat.Document, error) {
	name, r := path, stdin
	if path == "-" {
		name = "stdin"
		if stdin == nil {
			return nil, errors.New("stdin: none to read")
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil && path == "-" {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	if err != nil {
		return nil, err // an *fs.PathError, which names the file
	}
	if len(data) > maxDocument {
		return nil, fmt.Errorf("%s: larger than %d MiB", name, maxDocument>>20)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, errors.New(name + ": empty")
	}
	return compat.Parse(name, data)
}

// oneLine folds a multi-line error message onto one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
