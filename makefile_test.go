//go:build unix

package oppstages_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeTestSaysWhatItSkips: go test shows a skipped test only with -v, so make test
// says itself when the dashboard's browser tests will skip for want of Chromium, and
// stays quiet when a browser is on PATH. The go command is a stub that does nothing, so
// only make's own lines run.
func TestMakeTestSaysWhatItSkips(t *testing.T) {
	makeTool, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	const line = "make test: Chromium is not on PATH, so the dashboard's browser tests skip"
	for _, browser := range []string{"", "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		name := "with " + browser
		if browser == "" {
			name = "without a browser"
		}
		t.Run(name, func(t *testing.T) {
			bin := t.TempDir()
			for _, stub := range []string{"go", browser} {
				if stub == "" {
					continue
				}
				if err := os.WriteFile(filepath.Join(bin, stub), []byte("#!/bin/sh\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(makeTool, "-s", "test")
			cmd.Env = []string{"PATH=" + bin}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("make test with go stubbed out: %v\n%s", err, out)
			}
			said := strings.Contains(string(out), line)
			if browser == "" && !said {
				t.Errorf("without a browser on PATH, make test did not say the browser tests skip:\n%s", out)
			}
			if browser != "" && said {
				t.Errorf("with %s on PATH, make test said the browser tests skip:\n%s", browser, out)
			}
		})
	}
}
