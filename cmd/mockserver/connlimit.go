package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// defaultMaxConns is -max-conns' default: far more than a test suite or a load tool opens,
// far fewer than the file descriptors a process may usually hold.
const defaultMaxConns = 1024

// idleTimeout is how long a keep-alive connection may wait for its next request. Clients
// that reuse connections do so within seconds; past this the connection is only held.
const idleTimeout = 30 * time.Second

// spareFiles are the file descriptors kept free of connections for the process's own
// files: the state file and its log, recordings, fixtures.
const spareFiles = 64

// connBound is the connection bound for -max-conns under the process's limit on open
// files (0 when unknown), so that the bound is met before the process runs out of them.
func connBound(maxConns int, fileLimit uint64) int {
	switch {
	case fileLimit == 0:
		return maxConns
	case fileLimit <= spareFiles:
		return 1
	case fileLimit-spareFiles < uint64(maxConns):
		return int(fileLimit - spareFiles)
	}
	return maxConns
}

// connLimiter bounds the connections a server holds open at once, so that one local
// client opening keep-alive connections by the thousand cannot run the process out of
// file descriptors and starve everyone else.
//
// At the bound, a new connection first takes the place of the connection that has been
// idle longest (it is closed, as the idle timeout would close it later); when none is
// idle, Accept waits until one closes, and the kernel's backlog holds the newcomer
// meanwhile. A slow client cannot hold its place for long either: the server's header
// and read timeouts close it.
//
// Wrap the listener with Listener and pass ConnState to the http.Server.
type connLimiter struct {
	slots chan struct{} // one token per open connection
	done  chan struct{} // closed with the listener

	mu   sync.Mutex
	idle map[*limitedConn]time.Time // connections between requests, and since when
}

func newConnLimiter(max int) *connLimiter {
	return &connLimiter{
		slots: make(chan struct{}, max),
		done:  make(chan struct{}),
		idle:  map[*limitedConn]time.Time{},
	}
}

// Listener returns ln, bounded.
func (l *connLimiter) Listener(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, limiter: l}
}

// ConnState keeps track of which connections are idle; it is the http.Server's hook.
func (l *connLimiter) ConnState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if state == http.StateIdle {
		l.idle[lc] = time.Now()
	} else {
		delete(l.idle, lc)
	}
}

// open counts the connections held now.
func (l *connLimiter) open() int { return len(l.slots) }

// acquire takes a slot for a new connection, making room by closing the connection idle
// longest when every slot is taken. It reports false once the listener is closed.
func (l *connLimiter) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	l.closeOldestIdle()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-l.done:
		return false
	}
}

func (l *connLimiter) closeOldestIdle() {
	l.mu.Lock()
	var oldest *limitedConn
	var since time.Time
	for c, t := range l.idle {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	delete(l.idle, oldest)
	l.mu.Unlock()
	if oldest != nil {
		oldest.Close()
	}
}

func (l *connLimiter) release(c *limitedConn) {
	l.mu.Lock()
	delete(l.idle, c)
	l.mu.Unlock()
	<-l.slots
}

type limitedListener struct {
	net.Listener
	limiter   *connLimiter
	closeOnce sync.Once
}

func (ln *limitedListener) Accept() (net.Conn, error) {
	if !ln.limiter.acquire() {
		return nil, net.ErrClosed
	}
	c, err := ln.Listener.Accept()
	if err != nil {
		<-ln.limiter.slots
		return nil, err
	}
	return &limitedConn{Conn: c, limiter: ln.limiter}, nil
}

func (ln *limitedListener) Close() error {
	ln.closeOnce.Do(func() { close(ln.limiter.done) })
	return ln.Listener.Close()
}

// limitedConn gives its slot back when it is closed, once, whoever closes it first.
type limitedConn struct {
	net.Conn
	limiter *connLimiter
	once    sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limiter.release(c) })
	return err
}
