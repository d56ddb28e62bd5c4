package wal

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// write appends and syncs each payload, then closes the log.
func write(t *testing.T, path string, payloads ...string) {
	t.Helper()
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range payloads {
		seq, err := l.Append([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// reopen opens the log and returns its records as strings.
func reopen(t *testing.T, path string) ([]string, Recovered) {
	t.Helper()
	l, rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := []string{}
	for _, r := range rec.Records {
		got = append(got, string(r))
	}
	return got, rec
}

func TestRecordsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.log")
	write(t, path, "one", "two")
	write(t, path, "three")
	got, rec := reopen(t, path)
	if diff := cmp.Diff([]string{"one", "two", "three"}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if rec.TornBytes != 0 {
		t.Errorf("TornBytes = %d in a log that ended cleanly", rec.TornBytes)
	}
}

// Cutting the file anywhere inside its last record, as a crash mid-write does, loses that
// record and only that record, and the log takes new records after the ones kept.
func TestTornTailAtEveryOffset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.log")
	first := []string{"alpha", `{"put":{"type":"opportunityStage","id":9}}`, "gamma"}
	write(t, path, append(first, `{"last":"the record torn at every offset"}`)...)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lastStart := len(whole) - frameSize - len(`{"last":"the record torn at every offset"}`)
	for cut := lastStart; cut < len(whole); cut++ {
		torn := filepath.Join(dir, fmt.Sprintf("torn-%d.log", cut))
		if err := os.WriteFile(torn, whole[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		got, rec := reopen(t, torn)
		if diff := cmp.Diff(first, got); diff != "" {
			t.Fatalf("cut at %d: records (-want +got):\n%s", cut, diff)
		}
		if rec.TornBytes != int64(cut-lastStart) {
			t.Errorf("cut at %d: TornBytes = %d, want %d", cut, rec.TornBytes, cut-lastStart)
		}
		write(t, torn, "after")
		if got, _ := reopen(t, torn); !cmp.Equal(append(first, "after"), got) {
			t.Fatalf("cut at %d: after a new append the records are %q", cut, got)
		}
	}
}

// A last record that is complete in length but damaged (a sector that never reached the
// disk, zeros the file system left) is dropped; the records before it are kept.
func TestDamagedLastRecordIsDropped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.log")
	write(t, path, "kept", "damaged")
	whole, _ := os.ReadFile(path)
	damage := map[string]func([]byte){
		"payload bit flip": func(b []byte) { b[len(b)-1] ^= 0x01 },
		"crc bit flip":     func(b []byte) { b[len(b)-len("damaged")-1] ^= 0x80 },
		"zeroed":           func(b []byte) { clear(b[len(b)-frameSize-len("damaged"):]) },
		"huge length":      func(b []byte) { copy(b[len(b)-frameSize-len("damaged"):], []byte{0xff, 0xff, 0xff, 0x7f}) },
		"zeros after":      func(b []byte) {},
	}
	for name, mutate := range damage {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(whole)
			mutate(b)
			if name == "zeros after" {
				b = append(b, make([]byte, 4096)...)
			}
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".log")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			want := []string{"kept"}
			if name == "zeros after" {
				want = []string{"kept", "damaged"}
			}
			if got, _ := reopen(t, p); !cmp.Equal(want, got) {
				t.Errorf("records %q, want %q", got, want)
			}
		})
	}
}

func TestTornHeaderStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	for cut := range len(Header) {
		path := filepath.Join(dir, fmt.Sprintf("h%d.log", cut))
		if err := os.WriteFile(path, []byte(Header[:cut]), 0o644); err != nil {
			t.Fatal(err)
		}
		write(t, path, "x")
		if got, _ := reopen(t, path); !cmp.Equal([]string{"x"}, got) {
			t.Fatalf("header cut at %d: records %q", cut, got)
		}
	}
}

func TestOneWriterAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open: %v, want it refused while the first is open", err)
	}
	l.Close()
	write(t, path, "after the first closed")
}

func TestNotALog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	content := []byte(`{"data":[]}`)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path); err == nil || !strings.Contains(err.Error(), "not an oppstages write log") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Error("a file that is not a log was changed")
	}
}

// Concurrent writers each see their own record durable; all of them are there on reopen.
func TestConcurrentWritersShareSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				seq, err := l.Append(fmt.Appendf(nil, "w%d-%d", w, i))
				if err == nil {
					err = l.Sync(seq)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := reopen(t, path)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r] = true
	}
	for w := range writers {
		for i := range each {
			if !seen[fmt.Sprintf("w%d-%d", w, i)] {
				t.Errorf("record w%d-%d lost", w, i)
			}
		}
	}
	if len(got) != writers*each {
		t.Errorf("%d records, want %d", len(got), writers*each)
	}
}

// A failed write fails its writer and every later one, until a Reset succeeds: later
// records are refused at once, so that nothing piles up behind the failure.
func TestFailedWriteIsStickyUntilReset(t *testing.T) {
	l, writable, readOnly := openWithReadOnlyTwin(t)
	kept, _ := l.Append([]byte("kept"))
	if err := l.Sync(kept); err != nil {
		t.Fatal(err)
	}
	l.f = readOnly
	seq, _ := l.Append([]byte("lost"))
	if err := l.Sync(seq); err == nil {
		t.Fatal("a write to a read-only file succeeded")
	}
	if durable, err := l.Durable(); durable != kept || err == nil {
		t.Errorf("Durable() = %d, %v; want %d (the last record written) and the failure", durable, err, kept)
	}
	for range 3 {
		if _, err := l.Append([]byte("refused")); err == nil {
			t.Fatal("a record was appended after a failed write")
		}
	}
	if len(l.pending) != 0 {
		t.Errorf("%d bytes pending behind a failed write", len(l.pending))
	}
	l.f = writable
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Durable(); err != nil {
		t.Errorf("Durable() after a successful reset: %v", err)
	}
	seq, err := l.Append([]byte("after reset"))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(seq); err != nil {
		t.Fatalf("write after a successful reset: %v", err)
	}
	l.Close()
	if got, _ := reopen(t, l.Path()); !cmp.Equal([]string{"after reset"}, got) {
		t.Errorf("records %q", got)
	}
}

func TestResetEmptiesTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := l.Append([]byte("pending")) // not yet synced: the reset makes it count as done
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := l.Sync(seq); err != nil {
		t.Errorf("Sync after Reset: %v", err)
	}
	if l.Size() != int64(len(Header)) {
		t.Errorf("size %d after reset", l.Size())
	}
	l.Close()
	if got, _ := reopen(t, path); len(got) != 0 {
		t.Errorf("records after reset: %q", got)
	}
}

func TestAppendRefusesEmptyAndOversized(t *testing.T) {
	l, _, err := Open(filepath.Join(t.TempDir(), "state.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, n := range []int{0, MaxRecord + 1} {
		if _, err := l.Append(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte record was accepted", n)
		}
	}
}

// Whatever the bytes, scan never panics and returns records that frame back into exactly
// the prefix it consumed.
func FuzzScan(f *testing.F) {
	var framed bytes.Buffer
	for _, p := range []string{"a", "hello", `{"delete":3}`} {
		l := &Log{}
		l.cond.L = &l.mu
		l.Append([]byte(p))
		framed.Write(l.pending)
	}
	f.Add(framed.Bytes())
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		records, end := scan(data)
		if end < 0 || end > len(data) {
			t.Fatalf("end %d outside 0..%d", end, len(data))
		}
		l := &Log{}
		l.cond.L = &l.mu
		for _, r := range records {
			if _, err := l.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(l.pending, data[:end]) {
			t.Fatal("records do not frame back into the bytes they came from")
		}
	})
}

// The log holds what the state file holds, so it is as private as the state file: only
// its owner may read it.
func TestNewLogIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows files have no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("a new log has mode %v; others may read it", perm)
	}
}

// A Reset is called once the records are in the caller's snapshot, so they count as
// durable even when the log cannot be emptied; later records are refused until a Reset
// succeeds.
func TestFailedResetKeepsTheSnapshotsRecordsDurable(t *testing.T) {
	l, writable, readOnly := openWithReadOnlyTwin(t)
	seq, _ := l.Append([]byte("in the snapshot"))
	l.f = readOnly
	if err := l.Reset(); err == nil {
		t.Fatal("a reset of a read-only file succeeded")
	}
	if err := l.Sync(seq); err != nil {
		t.Errorf("a record the snapshot holds is reported lost: %v", err)
	}
	if _, err := l.Append([]byte("refused")); err == nil {
		t.Error("a record was appended after a failed reset")
	}
	l.f = writable
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append([]byte("accepted")); err != nil {
		t.Errorf("after a successful reset: %v", err)
	}
}

// openWithReadOnlyTwin opens a fresh log and a read-only handle on its file, so that a
// test can swap l.f to make the next write or reset fail, and swap it back.
func openWithReadOnlyTwin(t *testing.T) (l *Log, writable, readOnly *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	readOnly, err = os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { readOnly.Close() })
	return l, l.f, readOnly
}
