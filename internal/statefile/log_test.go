package statefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// write appends and syncs each payload, then closes the log.
func write(t *testing.T, path string, payloads ...string) {
	t.Helper()
	l, _, err := openLog(path, false)
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
func reopen(t *testing.T, path string) ([]string, recovered) {
	t.Helper()
	l, rec, err := openLog(path, false)
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

// recordStarts returns the offset in the file where each record of a clean log starts.
func recordStarts(t *testing.T, data []byte) []int {
	t.Helper()
	var starts []int
	for at := len(LogHeader); at < len(data); {
		payload, ok := record(data[at:])
		if !ok {
			t.Fatalf("no whole record at %d", at)
		}
		starts = append(starts, at)
		at += frameSize + len(payload)
	}
	return starts
}

// A byte flipped anywhere in a record that whole records follow is damage, not a torn
// tail: openLog refuses the log, naming where the damaged record and the next whole one start,
// and leaves the file, and the directory, as they were. The same flip in the last record is
// a torn tail: that record is dropped and the others kept.
func TestDamageBeforeTheEndIsRefused(t *testing.T) {
	dir := t.TempDir()
	payloads := []string{"first", `{"put":{"type":"opportunityStage","id":9}}`, `{"delete":3}`, "last"}
	clean := filepath.Join(dir, "clean.log")
	write(t, clean, payloads...)
	whole, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	starts := append(recordStarts(t, whole), len(whole))
	path := filepath.Join(dir, "state.log")
	for i := range payloads {
		for at := starts[i]; at < starts[i+1]; at++ {
			for _, flip := range []byte{0x01, 0x80, 0xff} {
				damaged := bytes.Clone(whole)
				damaged[at] ^= flip
				if err := os.WriteFile(path, damaged, 0o600); err != nil {
					t.Fatal(err)
				}
				l, rec, err := openLog(path, false)
				if i == len(payloads)-1 {
					if err != nil {
						t.Fatalf("last record, byte %d ^ %#x: %v, want a torn tail", at, flip, err)
					}
					l.Close()
					if got := len(rec.Records); got != len(payloads)-1 || rec.TornBytes != int64(starts[i+1]-starts[i]) {
						t.Fatalf("last record, byte %d ^ %#x: %d records, %d torn bytes; want the others kept", at, flip, got, rec.TornBytes)
					}
					continue
				}
				damage, ok := errors.AsType[*DamagedError](err)
				if !ok {
					if l != nil {
						l.Close()
					}
					t.Fatalf("record %d, byte %d ^ %#x: openLog = %d records, %v; want a *DamagedError", i, at, flip, len(rec.Records), err)
				}
				want := DamagedError{Path: path, Offset: int64(starts[i]), Next: int64(starts[i+1])}
				if *damage != want {
					t.Errorf("record %d, byte %d ^ %#x: %+v, want %+v", i, at, flip, *damage, want)
				}
				if got, _ := os.ReadFile(path); !bytes.Equal(got, damaged) {
					t.Fatalf("record %d, byte %d ^ %#x: the refused log was changed", i, at, flip)
				}
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%d files in the directory, want the two logs only: %v", len(entries), entries)
	}
}

// Damage that is more than one flipped byte: a zeroed sector across records, or a length
// that points past the end. Resynchronising finds the next whole record anyway.
func TestWideDamageIsFound(t *testing.T) {
	dir := t.TempDir()
	var payloads []string
	for i := range 40 {
		payloads = append(payloads, fmt.Sprintf(`{"put":{"type":"opportunityStage","id":%d}}`, i+1))
	}
	clean := filepath.Join(dir, "clean.log")
	write(t, clean, payloads...)
	whole, _ := os.ReadFile(clean)
	starts := recordStarts(t, whole)
	tests := []struct {
		name       string
		mutate     func([]byte)
		offset     int
		firstWhole int // the record whose start Next is
	}{
		{"zeroed sector", func(b []byte) { clear(b[512:1024]) }, recordAt(starts, 512), recordAfter(starts, 1024)},
		{"length past the end", func(b []byte) { binary.LittleEndian.PutUint32(b[starts[3]:], maxRecord) }, starts[3], starts[4]},
		{"length of zero", func(b []byte) { binary.LittleEndian.PutUint32(b[starts[3]:], 0) }, starts[3], starts[4]},
		{"length one short", func(b []byte) { b[starts[3]]-- }, starts[3], starts[4]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			damaged := bytes.Clone(whole)
			tt.mutate(damaged)
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".log")
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := openLog(path, false)
			damage, ok := errors.AsType[*DamagedError](err)
			if !ok || damage.Offset != int64(tt.offset) || damage.Next != int64(tt.firstWhole) {
				t.Fatalf("openLog: %v, want damage at %d with whole records from %d", err, tt.offset, tt.firstWhole)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), fmt.Sprintf("byte %d", tt.offset)) {
				t.Errorf("%q does not name the file and the offset", err)
			}
		})
	}
}

// recordAt is the start of the record that holds offset; recordAfter the first to start at
// or after it.
func recordAt(starts []int, offset int) int {
	i, found := slices.BinarySearch(starts, offset)
	if found {
		return starts[i]
	}
	return starts[i-1]
}

func recordAfter(starts []int, offset int) int {
	i, _ := slices.BinarySearch(starts, offset)
	return starts[i]
}

// A repair keeps the records before the damage and moves every byte from it on to a file
// beside the log; the log then takes new records after the kept ones. A second repair at the
// same offset keeps the first one's file; a repair cut short after it wrote the file uses
// that file again.
func TestRepairSetsTheRestAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.log")
	whole, damaged, starts := damageSecondRecord(t, path, "kept", "damaged", "after", "last")

	l, rec, err := openLog(path, true)
	if err != nil {
		t.Fatal(err)
	}
	wantAside := fmt.Sprintf("%s.damaged-%d", path, starts[1])
	if rec.Repaired == nil || rec.Repaired.Offset != int64(starts[1]) || rec.AsideFile != wantAside || rec.TornBytes != 0 {
		t.Errorf("recovered = %+v, want the damage at %d set aside in %s", rec, starts[1], wantAside)
	}
	if got := stringsOf(rec.Records); !cmp.Equal([]string{"kept"}, got) {
		t.Errorf("records %q, want only the one before the damage", got)
	}
	if aside, _ := os.ReadFile(wantAside); !bytes.Equal(aside, damaged[starts[1]:]) {
		t.Errorf("the file set aside holds %q, want every byte from the damage on", aside)
	}
	if info, err := os.Stat(wantAside); err != nil || (runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0) {
		t.Errorf("the file set aside: %v, %v; want it as private as the log", info, err)
	}
	seq, _ := l.Append([]byte("new"))
	if err := l.Sync(seq); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if got, _ := reopen(t, path); !cmp.Equal([]string{"kept", "new"}, got) {
		t.Errorf("after the repair and a new record: %q", got)
	}

	// The same damage again, at the same offset, with other bytes after it.
	again := append(bytes.Clone(damaged), whole[starts[2]:]...)
	if aside := repairFrom(t, path, again); aside != wantAside+".1" {
		t.Errorf("second repair set aside in %s, want %s.1 beside the first", aside, wantAside)
	}
	if aside, _ := os.ReadFile(wantAside); !bytes.Equal(aside, damaged[starts[1]:]) {
		t.Error("the second repair overwrote the first one's file")
	}

	// A repair that wrote its file and stopped before cutting the log.
	if aside := repairFrom(t, path, again); aside != wantAside+".1" {
		t.Errorf("a repair done again set aside in %s, want %s.1 again", aside, wantAside)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d files, want the log and the two set aside: %v", len(entries), entries)
	}

	// Nothing to repair: nothing set aside.
	l, rec, err = openLog(path, true)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if rec.Repaired != nil || rec.AsideFile != "" {
		t.Errorf("a clean log was repaired: %+v", rec)
	}
}

func stringsOf(records [][]byte) []string {
	got := []string{}
	for _, r := range records {
		got = append(got, string(r))
	}
	return got
}

func TestTornHeaderStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	for cut := range len(LogHeader) {
		path := filepath.Join(dir, fmt.Sprintf("h%d.log", cut))
		if err := os.WriteFile(path, []byte(LogHeader[:cut]), 0o644); err != nil {
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
	l, _, err := openLog(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := openLog(path, false); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second openLog: %v, want it refused while the first is open", err)
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
	if _, _, err := openLog(path, false); err == nil || !strings.Contains(err.Error(), "not an oppstages write log") {
		t.Fatalf("err = %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Error("a file that is not a log was changed")
	}
}

// Concurrent writers each see their own record durable; all of them are there on reopen.
func TestConcurrentWritersShareSyncs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := openLog(path, false)
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
	l, _, err := openLog(path, false)
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
	if l.Size() != int64(len(LogHeader)) {
		t.Errorf("size %d after reset", l.Size())
	}
	l.Close()
	if got, _ := reopen(t, path); len(got) != 0 {
		t.Errorf("records after reset: %q", got)
	}
}

func TestAppendRefusesEmptyAndOversized(t *testing.T) {
	l, _, err := openLog(filepath.Join(t.TempDir(), "state.log"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, n := range []int{0, maxRecord + 1} {
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
		l := &writeLog{}
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
		if next, found := resync(data, end); found {
			if _, ok := record(data[next:]); !ok || next <= end {
				t.Fatalf("resync from %d found %d, which is not a whole record after it", end, next)
			}
		}
		l := &writeLog{}
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
	l, _, err := openLog(path, false)
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
func openWithReadOnlyTwin(t *testing.T) (l *writeLog, writable, readOnly *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.log")
	l, _, err := openLog(path, false)
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

// damageSecondRecord writes a log of records at path and flips a bit in the second one's
// payload; it returns the log before and after, and where each record starts.
func damageSecondRecord(t *testing.T, path string, records ...string) (whole, damaged []byte, starts []int) {
	t.Helper()
	write(t, path, records...)
	whole, _ = os.ReadFile(path)
	starts = recordStarts(t, whole)
	damaged = bytes.Clone(whole)
	damaged[starts[1]+frameSize] ^= 0x20
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	return whole, damaged, starts
}

// repairFrom writes log to path, repairs it, and returns where the damage was set aside.
func repairFrom(t *testing.T, path string, log []byte) string {
	t.Helper()
	if err := os.WriteFile(path, log, 0o600); err != nil {
		t.Fatal(err)
	}
	l, rec, err := openLog(path, true)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	return rec.AsideFile
}
