package main

import (
	"strings"
	"testing"
	"time"
)

func TestBatchWriterWritesEveryLineInOrder(t *testing.T) {
	out := &syncBuffer{}
	w := newBatchWriter(out, 20*time.Millisecond)
	w.Write([]byte("one\n"))
	w.Write([]byte("two\n"))
	if out.String() != "" {
		t.Errorf("written before the interval: %q", out.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "one\ntwo\n" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if out.String() != "one\ntwo\n" {
		t.Fatalf("after the interval: %q", out.String())
	}
	w.Write([]byte("three\n"))
	w.Flush()
	if out.String() != "one\ntwo\nthree\n" {
		t.Errorf("after Flush: %q", out.String())
	}
	big := strings.Repeat("x", maxPending)
	w.Write([]byte(big))
	if !strings.HasSuffix(out.String(), big) {
		t.Error("a full batch waited for its interval")
	}
}
