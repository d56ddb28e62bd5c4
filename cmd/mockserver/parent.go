package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"
)

// whileGoRunLives returns a context that is also cancelled when the `go run` that started
// this process exits. go run does not pass SIGTERM on to the program it runs, so killing
// it (or the make above it, which passes SIGTERM to go run) would otherwise leave the
// server running, holding its port. Only a parent named "go" is watched, and only where
// /proc tells the parent's name: a server started by a shell, a supervisor or nohup keeps
// running when its parent goes.
func whileGoRunLives(ctx context.Context, stderr *os.File) context.Context {
	ppid := os.Getppid()
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if os.Getppid() != ppid {
					fmt.Fprintln(stderr, "mockserver: the go run that started it has exited; stopping")
					cancel()
					return
				}
			}
		}
	}()
	return ctx
}
