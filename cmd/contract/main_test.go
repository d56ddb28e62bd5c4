package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

func TestRunAgainstTheMock(t *testing.T) {
	m, err := mock.New(mock.Options{Generate: 10})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-target", srv.URL, "-token", "t", "-mode", "full", "-junit", junit, "-json", js}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, " passed, 0 failed") || !strings.HasPrefix(lines[0], "PASS ") {
		t.Errorf("output:\n%s", stdout.String())
	}
	// The coverage figure comes just before the last line: every pair drawn.
	var covered, pairs int
	if n, err := fmt.Sscanf(lines[len(lines)-2], "pairwise coverage: %d/%d pairs", &covered, &pairs); n != 2 || err != nil || covered != pairs || pairs < 100 {
		t.Errorf("the line before the last is %q, want every pair of the pairwise coverage", lines[len(lines)-2])
	}
	if data, err := os.ReadFile(junit); err != nil || !strings.Contains(string(data), "<testsuite") ||
		!strings.Contains(string(data), fmt.Sprintf(`<property name="pairwiseCoverage" value="%d/%d">`, pairs, pairs)) {
		t.Errorf("JUnit report: %v %.400s", err, data)
	}
	var report struct {
		Failed   *int
		Coverage struct{ Covered, Pairs int } `json:"pairwiseCoverage"`
	}
	if data, err := os.ReadFile(js); err != nil || json.Unmarshal(data, &report) != nil || report.Failed == nil || *report.Failed != 0 ||
		report.Coverage.Covered != pairs || report.Coverage.Pairs != pairs {
		t.Errorf("JSON report: %v %.200s", err, data)
	}
}

func TestExitCodes(t *testing.T) {
	m, err := mock.New(mock.Options{SKUDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	broken := httptest.NewServer(m.Handler())
	defer broken.Close()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // what stderr must hold, when it matters
	}{
		{"no target", nil, 2, "contract: -target is required"},
		{"help", []string{"-h"}, 0, "-target string"},
		{"help names compat", []string{"-h"}, 0, "contract compat OLD NEW"},
		{"bad flag", []string{"-nope"}, 2, ""},
		{"bad mode", []string{"-target", broken.URL, "-mode", "sometimes"}, 2, ""},
		{"no cases", []string{"-target", broken.URL, "-cases", "0"}, 2, ""},
		{"unreachable", []string{"-target", "http://127.0.0.1:1"}, 2, "contract: "},
		{"missing spec", []string{"-target", broken.URL, "-spec", "/does/not/exist"}, 2, ""},
		{"failing checks", []string{"-target", broken.URL, "-run", "^list/conforms$", "-token", "t"}, 1, ""},
		{"no token", []string{"-target", broken.URL}, 2, ""},
		{"a -run that matches no check", []string{"-target", broken.URL, "-token", "t", "-run", "^lsit/"}, 2, "contract: no check matches -run ^lsit/\n"},
		{"a -run that matches only writes, read-only", []string{"-target", broken.URL, "-token", "t", "-run", "^errors/over-long-name$"}, 2,
			"contract: no check matches -run ^errors/over-long-name$ in readonly mode: the checks it matches write, and only -mode full runs them\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, nil, &stdout, &stderr); code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to hold %q", stderr.String(), tt.stderr)
			}
			if tt.code == 1 && !strings.HasSuffix(strings.TrimSpace(stdout.String()), "0 passed, 1 failed") {
				t.Errorf("last line of:\n%s", stdout.String())
			}
		})
	}
}

// -spec takes a document whose servers are absolute, and the messages name its file.
func TestSpecFlagNamesTheFile(t *testing.T) {
	spec, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vendor-like.yaml")
	absolute := strings.Replace(string(spec), "\n  - url: /api/v2\n", "\n  - url: https://api.outreach.io/api/v2\n", 1)
	if err := os.WriteFile(path, []byte(absolute), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := mock.New(mock.Options{Generate: 10})
	if err != nil {
		t.Fatal(err)
	}
	clean := httptest.NewServer(m.Handler())
	defer clean.Close()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-target", clean.URL, "-token", "t", "-spec", path, "-run", "^list/conforms$"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	noHeaders := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			if !strings.HasPrefix(k, "X-Ratelimit-") {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer noHeaders.Close()
	stdout.Reset()
	if code := run(context.Background(), []string{"-target", noHeaders.URL, "-token", "t", "-spec", path, "-run", "^list/conforms$"}, nil, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout.String(), stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "breaks "+path+": header X-RateLimit-Limit is missing") || strings.Contains(out, "openapi.yaml") {
		t.Errorf("output:\n%s", out)
	}
}
