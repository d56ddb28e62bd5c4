package main

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConnBound(t *testing.T) {
	cases := []struct {
		maxConns  int
		fileLimit uint64
		want      int
	}{
		{1024, 0, 1024},         // limit unknown
		{1024, 1 << 20, 1024},   // plenty of files
		{1024, 1024, 1024 - 64}, // a container's nofile=1024
		{100, 120, 56},
		{100, 64, 1}, // hardly any files: still serve one at a time
	}
	for _, c := range cases {
		if got := connBound(c.maxConns, c.fileLimit); got != c.want {
			t.Errorf("connBound(%d, %d) = %d, want %d", c.maxConns, c.fileLimit, got, c.want)
		}
	}
}

// serveLimited serves h on loopback with at most max connections.
func serveLimited(t *testing.T, max int, h http.Handler) (string, *connLimiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limiter := newConnLimiter(max)
	srv := &http.Server{Handler: h, ConnState: limiter.ConnState, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(limiter.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), limiter
}

// keepAlive opens a connection, sends one request on it and reads the answer, leaving the
// connection idle and open, as a keep-alive client does between requests.
func keepAlive(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c, r
}

// closedByServer waits (at most 10 s, a guard against a hang) for the server to close c.
func closedByServer(c net.Conn, r *bufio.Reader) bool {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := r.ReadByte()
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err)
}

// waitIdle waits (at most 10 s, a guard against a hang) until the limiter counts n idle
// connections.
func waitIdle(t *testing.T, l *connLimiter, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		idle := len(l.idle)
		l.mu.Unlock()
		if idle == n {
			return
		}
	}
	t.Fatalf("the server never marked %d connections idle", n)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func TestConnLimiterMakesRoomByClosingTheLongestIdle(t *testing.T) {
	addr, limiter := serveLimited(t, 3, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	// The client reads its answer before the server marks the connection idle: wait for
	// each mark, so that "idle longest" means the first connection opened.
	oldest, oldestReader := keepAlive(t, addr)
	waitIdle(t, limiter, 1)
	for i := range 2 {
		keepAlive(t, addr)
		waitIdle(t, limiter, i+2)
	}
	if n := limiter.open(); n != 3 {
		t.Fatalf("%d connections open, want 3", n)
	}
	// A fourth client still gets its answer...
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a new client at the bound: %v", err)
	}
	resp.Body.Close()
	// ...because the connection idle longest made room.
	if !closedByServer(oldest, oldestReader) {
		t.Error("the longest-idle connection is still open")
	}
	if n := limiter.open(); n > 3 {
		t.Errorf("%d connections open, bound is 3", n)
	}
}

func TestConnLimiterHoldsTheBoundUnderLoad(t *testing.T) {
	var active, most atomic.Int64
	addr, _ := serveLimited(t, 2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // long enough for the others to pile up
	}))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a request failed at the bound instead of waiting: %v", err)
	}
	if m := most.Load(); m > 2 {
		t.Errorf("%d requests served at once over 2 connections", m)
	}
}

// TestRunBoundsConnections: a client holding keep-alive connections by the hundred
// cannot crowd out the next one; the server sheds the idle ones.
func TestRunBoundsConnections(t *testing.T) {
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-max-conns", "8", "-quiet"}, nil)
	defer stop()
	first, firstReader := keepAlive(t, addr)
	for range 40 {
		keepAlive(t, addr)
	}
	if resp, _ := get(t, "http://"+addr+"/api/v2/opportunityStages/1", "t"); resp.StatusCode != http.StatusOK {
		t.Errorf("after the flood: %d", resp.StatusCode)
	}
	if !closedByServer(first, firstReader) {
		t.Error("the first idle connection is still held past -max-conns")
	}
}

// A connection counts as idle whether it speaks plain HTTP or TLS, which the server hands
// to ConnState around the connection the limiter made.
func TestConnLimiterSeesIdleTLSConnections(t *testing.T) {
	for _, name := range []string{"plain", "tls"} {
		t.Run(name, func(t *testing.T) {
			limiter := newConnLimiter(2)
			server, client := net.Pipe()
			defer client.Close()
			var c net.Conn = &limitedConn{Conn: server, limiter: limiter}
			if name == "tls" {
				c = tls.Server(c, &tls.Config{})
			}
			limiter.ConnState(c, http.StateIdle)
			waitIdle(t, limiter, 1)
			limiter.ConnState(c, http.StateActive)
			waitIdle(t, limiter, 0)
		})
	}
}
