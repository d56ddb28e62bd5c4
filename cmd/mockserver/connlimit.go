package main

import (
	"crypto/tls"
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
// At the bound, a new connection takes the place of the connection that has been idle
// longest (it is closed, as the idle timeout would close it later); when none is idle,
// the newcomer waits, accepted but unread, until one closes or goes idle, and the kernel's
// backlog holds the clients behind it. So the process holds at most the bound plus that
// one newcomer. A slow client cannot hold its place for long either: the server's header
// and read timeouts close it.
//
// Wrap the listener with Listener and pass ConnState to the http.Server.
type connLimiter struct {
	slots chan struct{} // one token per open connection
	done  chan struct{} // closed with the listener

	mu   sync.Mutex
	idle map[*limitedConn]time.Time // connections between requests, and since when

	wentIdle chan struct{} // signalled when a connection goes idle, for a waiting newcomer
}

func newConnLimiter(max int) *connLimiter {
	return &connLimiter{
		slots: make(chan struct{}, max),
		done:  make(chan struct{}),
		idle:  map[*limitedConn]time.Time{},

		wentIdle: make(chan struct{}, 1),
	}
}

// Listener returns ln, bounded.
func (l *connLimiter) Listener(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, limiter: l}
}

// ConnState keeps track of which connections are idle; it is the http.Server's hook. Over
// https the server hands it the TLS connection around the one Listener made.
func (l *connLimiter) ConnState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if state != http.StateIdle {
		delete(l.idle, lc)
		return
	}
	l.idle[lc] = time.Now()
	select {
	case l.wentIdle <- struct{}{}:
	default:
	}
}

// open counts the connections held now.
func (l *connLimiter) open() int { return len(l.slots) }

// acquire takes a slot for a connection just accepted, making room by closing the
// connection idle longest when every slot is taken, and waiting for one to close or go
// idle when none is. It reports false once the listener is closed.
func (l *connLimiter) acquire() bool {
	for {
		select {
		case l.slots <- struct{}{}:
			return true
		default:
		}
		l.closeOldestIdle()
		select {
		case l.slots <- struct{}{}:
			return true
		case <-l.wentIdle:
		case <-l.done:
			return false
		}
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

// Accept takes a slot only once a client has arrived: taking it ahead would close an idle
// connection at the bound with no newcomer to make room for.
func (ln *limitedListener) Accept() (net.Conn, error) {
	c, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if !ln.limiter.acquire() {
		c.Close()
		return nil, net.ErrClosed
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
