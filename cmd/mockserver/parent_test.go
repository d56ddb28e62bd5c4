package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A mockserver whose `go run` parent is killed shuts down by itself. The parent here is a
// copy of sh named go, which is what the server looks at.
func TestStopsWhenGoRunIsKilled(t *testing.T) {
	if _, err := os.Stat("/proc/self/comm"); err != nil {
		t.Skip("no /proc to tell a parent's name")
	}
	shell, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to act as the parent")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mockserver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sh, err := os.ReadFile(shell)
	if err != nil {
		t.Fatal(err)
	}
	fakeGo := filepath.Join(dir, "go")
	if err := os.WriteFile(fakeGo, sh, 0o755); err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(fakeGo, "-c", `"$0" -addr 127.0.0.1:0 -quiet 2>&1 & echo "server pid $!"; wait`, bin)
	out, w, err := os.Pipe() // not StdoutPipe: the server outlives the parent's Wait
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	parent.Stdout = w
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	await := func(want string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("output ended before %q", want)
				}
				if strings.Contains(line, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q within 10s", want)
			}
		}
	}
	pidLine := ""
	select {
	case pidLine = <-lines:
	case <-time.After(10 * time.Second):
	}
	if pid, err := strconv.Atoi(strings.TrimPrefix(pidLine, "server pid ")); err == nil {
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // should it outlive the test
	} else {
		t.Fatalf("no server pid, got %q", pidLine)
	}
	await("listening on")
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	await("mockserver stopped")
}
