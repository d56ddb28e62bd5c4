//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A -state, or its log, that is a FIFO would block start-up forever on the first read,
// deaf to SIGTERM: start-up refuses it at once instead.
func TestStateThatIsNotARegularFileFailsFast(t *testing.T) {
	for _, which := range []string{"state", "log"} {
		t.Run(which, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state.json")
			fifo := state
			if which == "log" {
				fifo += ".log"
			}
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			done := make(chan error, 1)
			go func() { done <- startErr(t, []string{"-addr", "127.0.0.1:0", "-state", state}, nil) }()
			select {
			case err := <-done:
				if !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("err = %v, want it to name %s as not a regular file", err, fifo)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("start-up still waits on the FIFO %s after 10 s", fifo)
			}
		})
	}
}
