// Command contract checks a server against openapi.yaml: every exchange against the
// contract, then the behaviour of the opportunity stages API.
//
//	contract -target URL [-token T] [-mode full|readonly] [-run REGEX] [-junit FILE] [-json FILE] [-spec FILE] [-seed N] [-cases N]
//
// It prints a line per check, then how many pairs of list-parameter levels the generated
// queries drew ("pairwise coverage: 339/339 pairs"), and "N passed, N failed" last,
// followed by how many failures rest only on inferred facts and how many checks were
// skipped, when any. It exits 0 when
// every check passes or is skipped, 1 when any fails (on inferred facts too) or a created
// record could not be deleted, and 2 when the target cannot be reached, the flags are
// wrong or -run leaves no check to run.
//
//	contract compat OLD NEW
//
// compares two versions of an OpenAPI document (files, or - for stdin): a line per change,
// breaking ones first, then "N breaking, N other". It exits 1 when any change breaks
// clients, 0 when none does, and 2 on unreadable or invalid input, or when SIGINT or
// SIGTERM ends the comparison.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/oppstages/oppstages/contract"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "compat" {
		return runCompat(ctx, args[1:], stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("contract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: contract -target URL [flags]   check a server against openapi.yaml
       contract compat OLD NEW        list the changes from one version of an OpenAPI document to the next (contract compat -h)

flags:
`)
		fs.PrintDefaults()
	}
	var cfg contract.Config
	var mode, junitPath, jsonPath, specPath string
	fs.StringVar(&cfg.Target, "target", "", "server root, e.g. https://api.outreach.io or http://127.0.0.1:8080 (required)")
	fs.StringVar(&cfg.Token, "token", "", "bearer token")
	fs.StringVar(&mode, "mode", "readonly", "readonly (GETs only, safe against production) or full")
	fs.StringVar(&cfg.Run, "run", "", "run only checks whose names match this regular expression")
	fs.StringVar(&junitPath, "junit", "", "write a JUnit XML report to this file")
	fs.StringVar(&jsonPath, "json", "", "write a JSON report to this file")
	fs.StringVar(&specPath, "spec", "", "check against this OpenAPI file instead of the embedded openapi.yaml (only the path of its servers is used)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed for generated request bodies and list queries")
	fs.IntVar(&cfg.Cases, "cases", contract.DefaultCases, "generated list queries the property checks walk, at least one per row of the pairwise array; more dig deeper")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h asked for the flags, and got them
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "contract: unexpected arguments %v\n", fs.Args())
		return 2
	}
	if cfg.Target == "" {
		fmt.Fprintln(stderr, "contract: -target is required: the server's root, e.g. -target http://127.0.0.1:8080 (contract -h lists every flag)")
		return 2
	}
	cfg.Mode = contract.Mode(mode)
	if cfg.Cases < 1 {
		fmt.Fprintf(stderr, "contract: -cases %d must be at least 1\n", cfg.Cases)
		return 2
	}
	if specPath != "" {
		spec, err := os.ReadFile(specPath)
		if err != nil {
			fmt.Fprintf(stderr, "contract: %v\n", err)
			return 2
		}
		cfg.Spec, cfg.SpecName = spec, specPath
	}
	cfg.Progress = func(r contract.Result) { fmt.Fprintln(stdout, contract.Line(r)) }
	report, err := contract.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "contract: %v\n", err)
		return 2
	}
	for _, left := range report.Leftovers {
		fmt.Fprintf(stdout, "LEFT BEHIND %s\n", left)
	}
	for path, write := range map[string]func(io.Writer, contract.Report) error{junitPath: contract.WriteJUnit, jsonPath: contract.WriteJSON} {
		if path == "" {
			continue
		}
		if err := writeFile(path, report, write); err != nil {
			fmt.Fprintf(stderr, "contract: %v\n", err)
			return 2
		}
	}
	if report.Coverage.Pairs > 0 {
		fmt.Fprintln(stdout, report.Coverage)
	}
	fmt.Fprintln(stdout, report.Summary())
	if !report.OK() {
		return 1
	}
	return 0
}

func writeFile(path string, report contract.Report, write func(io.Writer, contract.Report) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := write(f, report); err != nil {
		f.Close()
		return fmt.Errorf("report %s: %w", path, err)
	}
	return errors.Join(f.Close())
}
