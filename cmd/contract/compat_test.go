package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden outputs in testdata/compat")

// pairs holds the spec pairs: base.yaml and each of its variants with one change.
const pairs = "../../contract/compat/testdata/"

// Each pair of documents gets its verdict: the exit code, the summary on the last line
// and, in testdata/compat/NAME.golden, the whole output.
func TestCompatVerdicts(t *testing.T) {
	tests := []struct {
		name, old, new string
		code           int
		summary        string
	}{
		{"new-required-request-property", "base.yaml", "new-required-request-property.yaml", 1, "1 breaking, 0 other"},
		{"operation-removed", "base.yaml", "operation-removed.yaml", 1, "1 breaking, 0 other"},
		{"max-length-narrowed", "base.yaml", "max-length-narrowed.yaml", 1, "1 breaking, 3 other"},
		{"response-property-removed", "base.yaml", "response-property-removed.yaml", 1, "3 breaking, 0 other"},
		{"request-property-removed", "base.yaml", "request-property-removed.yaml", 1, "1 breaking, 3 other"},
		{"server-moved", "base.yaml", "server-moved.yaml", 1, "4 breaking, 4 other"},
		{"optional-request-property-added", "base.yaml", "optional-request-property-added.yaml", 0, "0 breaking, 4 other"},
		{"operation-added", "base.yaml", "operation-added.yaml", 0, "0 breaking, 1 other"},
		// The way back from a safe change is seldom safe.
		{"optional-request-property-removed", "optional-request-property-added.yaml", "base.yaml", 1, "1 breaking, 3 other"},
		{"identical", "base.yaml", "base.yaml", 0, "0 breaking, 0 other"},
		{"json-and-yaml", "base.json", "base.yaml", 0, "0 breaking, 0 other"},
		{"json-operation-removed", "base.json", "operation-removed.yaml", 1, "1 breaking, 0 other"},
		{"absolute-and-relative-server", "absolute-server.yaml", "base.yaml", 0, "0 breaking, 0 other"},
		{"parameters-moved", "base.yaml", "parameters-moved.yaml", 0, "0 breaking, 0 other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"compat", pairs + tt.old, pairs + tt.new}, nil, &stdout, &stderr)
			if code != tt.code || stderr.Len() > 0 {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if last := lastLine(stdout.String()); last != tt.summary {
				t.Errorf("last line %q, want %q", last, tt.summary)
			}
			checkGolden(t, filepath.Join("testdata", "compat", tt.name+".golden"), stdout.String())
		})
	}
}

// Breaking changes come first, and a line says its level, its operation and what changed.
func TestCompatLines(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"compat", pairs + "base.yaml", pairs + "max-length-narrowed.yaml"}, nil, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := "ERR  POST /api/v2/opportunityStages: the `data/attributes/name` request property's maxLength was decreased to `100`"
	if len(lines) < 2 || lines[0] != want {
		t.Fatalf("first line of:\n%s\nwant %q", stdout.String(), want)
	}
	for _, line := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(line, "INFO ") {
			t.Errorf("after the breaking change, %q", line)
		}
	}
}

func TestCompatRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the one line on stderr
	}{
		{"unreadable file", []string{pairs + "absent.yaml", pairs + "base.yaml"}, "OLD open " + pairs + "absent.yaml: no such file or directory"},
		{"directory", []string{pairs + "base.yaml", pairs}, "NEW read " + pairs + ": is a directory"},
		{"invalid YAML", []string{pairs + "invalid.yaml", pairs + "base.yaml"}, "OLD " + pairs + "invalid.yaml: failed to unmarshal data"},
		{"not OpenAPI", []string{pairs + "base.yaml", pairs + "not-openapi.yaml"}, "not an OpenAPI document"},
		{"invalid OpenAPI", []string{pairs + "base.yaml", pairs + "invalid-openapi.yaml"}, "invalid OpenAPI document: invalid paths"},
		{"a reference to another file", []string{pairs + "base.yaml", pairs + "external-ref.yaml"}, `disallowed external reference: "responses.yaml#/StageList"`},
		{"an alias bomb", []string{pairs + "base.yaml", "testdata/alias-bomb.yaml"}, "NEW testdata/alias-bomb.yaml: its aliases add more than 100000 YAML nodes to it"},
		{"two YAML documents", []string{pairs + "base.yaml", "testdata/two-documents.yaml"}, "NEW testdata/two-documents.yaml: more than one YAML document"},
		{"empty stdin", []string{"-", pairs + "base.yaml"}, "OLD stdin: empty"},
		{"stdin twice", []string{"-", "-"}, "only one of OLD and NEW can be -"},
		{"one document", []string{pairs + "base.yaml"}, `got ["` + pairs + `base.yaml"]; usage: contract compat OLD NEW`},
		{"three documents", []string{"a", "b", "c"}, `got ["a" "b" "c"]; usage: contract compat OLD NEW`},
		{"a flag", []string{"-x", "a", "b"}, "flag provided but not defined: -x; usage: contract compat OLD NEW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"compat"}, tt.args...), strings.NewReader(""), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
			msg := stderr.String()
			if !strings.HasPrefix(msg, "contract compat: ") || !strings.Contains(msg, tt.want) || strings.Count(msg, "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", msg, tt.want)
			}
		})
	}
}

// -h asks for the usage: it gets it on stderr, and exit 0.
func TestCompatHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"compat", "-h"}, nil, &stdout, &stderr)
	if code != 0 || stdout.Len() > 0 || !strings.HasPrefix(stderr.String(), "contract compat: usage: contract compat OLD NEW") {
		t.Errorf("exit %d; stdout %q; stderr %q", code, stdout.String(), stderr.String())
	}
}

// A signal ends a comparison at once, however long it would take: exit 2, and a line
// that says it was interrupted.
func TestCompatInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	// A pipe that is never written: reading it would wait for ever without the signal.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"compat", "-", pairs + "base.yaml"}, r, &stdout, &stderr) }()
	var code int
	select {
	case code = <-exit:
	case <-time.After(time.Minute):
		t.Fatal("still comparing a minute after the signal")
	}
	if code != 2 || stdout.Len() > 0 || stderr.String() != "contract compat: interrupted before the comparison ended\n" {
		t.Errorf("exit %d; stdout %q; stderr %q", code, stdout.String(), stderr.String())
	}
}

// Either document may come from stdin.
func TestCompatReadsStdin(t *testing.T) {
	base, err := os.ReadFile(pairs + "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-", pairs + "operation-removed.yaml"},
		{pairs + "operation-added.yaml", "-"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"compat"}, args...), bytes.NewReader(base), &stdout, &stderr)
		if code != 1 || lastLine(stdout.String()) != "1 breaking, 0 other" {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"compat", "-", pairs + "base.yaml"}, nil, &stdout, &stderr); code != 2 {
		t.Errorf("no stdin: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// A document may be a pipe that cannot seek, as bash's <(git show main:openapi.yaml) gives.
func TestCompatReadsAPipe(t *testing.T) {
	base, err := os.ReadFile(pairs + "base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	path := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no %s to name a pipe by: %v", path, err)
	}
	// More than a pipe's buffer holds, so that the writer waits for the reader.
	doc := bytes.Repeat([]byte("#\n"), 64<<10)
	doc = append(doc, base...)
	go func() {
		w.Write(doc)
		w.Close()
	}()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"compat", path, pairs + "operation-removed.yaml"}, nil, &stdout, &stderr)
	if code != 1 || lastLine(stdout.String()) != "1 breaking, 0 other" {
		t.Errorf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// checkGolden compares got with the golden file at path, or rewrites it under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestCompatVerdicts -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
