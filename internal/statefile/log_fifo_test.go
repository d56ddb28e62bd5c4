//go:build unix

package statefile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A repair whose set-aside name is taken by a FIFO refuses at once: reading the FIFO to
// compare it would wait forever, deaf to SIGTERM. The log is left as it was.
func TestRepairRefusesAnAsideThatIsNoFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.log")
	_, damaged, starts := damageSecondRecord(t, path, "kept", "damaged", "after")
	if err := syscall.Mkfifo(fmt.Sprintf("%s.damaged-%d", path, starts[1]), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		l, _, err := openLog(path, true)
		if err == nil {
			l.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("openLog with repair: %v, want a refusal naming the FIFO", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("openLog with repair still waits on the FIFO after 10 s")
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
		t.Error("a refused repair changed the log")
	}
}
