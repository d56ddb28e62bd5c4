package main

import (
	"io"
	"sync"
	"time"
)

// batchWriter gathers log lines and writes them in batches: a busy server makes one write
// per batch instead of one system call per request. A line waits at most the interval;
// Flush writes what is pending at once.
type batchWriter struct {
	out      io.Writer
	interval time.Duration

	mu      sync.Mutex
	pending []byte
	armed   bool // a flush is scheduled
}

// maxPending is where a batch is written without waiting for its interval.
const maxPending = 64 << 10

func newBatchWriter(out io.Writer, interval time.Duration) *batchWriter {
	return &batchWriter{out: out, interval: interval}
}

// Write keeps a copy of p for the next batch. Like the log it serves, it reports no
// error: a failed write of the log must not fail a request.
func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, p...)
	switch {
	case len(w.pending) >= maxPending:
		w.writeLocked()
	case !w.armed:
		w.armed = true
		time.AfterFunc(w.interval, w.Flush)
	}
	return len(p), nil
}

// Flush writes the pending lines.
func (w *batchWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	w.writeLocked()
}

func (w *batchWriter) writeLocked() {
	if len(w.pending) > 0 {
		_, _ = w.out.Write(w.pending)
		w.pending = w.pending[:0]
	}
}
