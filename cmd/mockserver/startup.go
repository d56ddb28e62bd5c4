package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
)

// The checks below run before the server serves anything, so that a mistake in the flags
// stops start-up with one line naming the flag, instead of surfacing later (an admin API
// reachable from the network). mock.New checks the rest, the state file's place among
// them.

// checkFixtures fails unless dir is a directory that can be read and holds the two files
// every fixtures directory has.
func checkFixtures(dir string) error {
	if dir == "" {
		return nil
	}
	if _, err := os.ReadDir(dir); err != nil {
		return fmt.Errorf("-fixtures %s: cannot read the directory: %v", dir, cause(err))
	}
	for _, name := range []string{"stages.json", "users.json"} {
		path := filepath.Join(dir, name)
		if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() { // a FIFO would block the open, a device never end
			return fmt.Errorf("-fixtures %s: %s is not a regular file (%s)", dir, name, info.Mode().Type())
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("-fixtures %s: cannot read %s (a fixtures directory holds stages.json and users.json): %v", dir, name, cause(err))
		}
		f.Close()
	}
	return nil
}

// listen opens the listening socket, naming -addr when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %s: cannot listen: %v", addr, cause(err))
	}
	return ln, nil
}

// adminExposure reports whether the admin API is reachable from other machines without a
// token, and refuses that unless -admin-open allows it.
func adminExposure(c config, bound net.Addr) (open bool, err error) {
	if tcp, ok := bound.(*net.TCPAddr); (ok && tcp.IP.IsLoopback()) || c.adminToken != "" {
		return false, nil
	}
	if !c.adminOpen {
		return false, fmt.Errorf("-addr %s is reachable from other machines and -admin-token is not set: "+
			"anyone could reset, replace or break the mock through /__admin/; set -admin-token, or -admin-open to allow it", c.addr)
	}
	return true, nil
}

// cause is the innermost reason of a file or network error, without the operation and
// path that the message around it already names.
func cause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		if se, ok := errors.AsType[*os.SyscallError](oe.Err); ok {
			return se.Err
		}
		return oe.Err
	}
	return err
}
