package statefile

// The write log: an append-only file of records that survive a crash. Each record is
// framed with its length and a CRC-32C; appends are made durable in groups (one fsync
// covers every record that arrived while the previous fsync ran); and a torn final
// record, as a power loss or a kill in the middle of a write leaves, is detected and
// dropped when the log is opened, while every record before it is kept.
//
// The file starts with a header line naming the format (LogHeader); each record after
// it is
//
//	length  uint32, little endian: the payload's size, 1 to maxRecord
//	crc     uint32, little endian: CRC-32C (Castagnoli) of the length bytes and the payload
//	payload length bytes

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/oppstages/oppstages/internal/atomicfile"
)

// LogHeader is the first line of every log file.
const LogHeader = "oppstages write log v1\n"

// maxRecord is the largest payload a record may hold.
const maxRecord = 16 << 20

const frameSize = 8 // length and crc

// ErrInUse is the write log held by another server (another open File on the same
// state file, in this process or another).
var ErrInUse = errors.New("in use by another server")

// DamagedError is a write log damaged before its end: a record that is
// short, oversized or fails its CRC, with a whole record after it.
type DamagedError struct {
	Path   string // the log
	Offset int64  // where the damaged record starts, in bytes from the start of the file
	Next   int64  // where the first whole record after the damage starts
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s is damaged at byte %d, and whole records follow from byte %d: "+
		"no crash tears a record that others follow, and cutting the log there would lose them; "+
		"the file was left as it is", e.Path, e.Offset, e.Next)
}

// Aside is the file a repair moves the bytes from the damage on to, unless an earlier
// repair left different bytes under that name (then it adds a number).
func (e *DamagedError) Aside() string { return fmt.Sprintf("%s.damaged-%d", e.Path, e.Offset) }

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// writeLog is an open log file. Its methods are safe for concurrent use.
type writeLog struct {
	path string
	f    *os.File

	mu       sync.Mutex
	cond     sync.Cond
	pending  []byte // framed records appended but not yet written
	spare    []byte // the buffer of the previous batch, reused
	appended uint64 // sequence number of the last record appended
	durable  uint64 // sequence number of the last record on disk
	size     int64  // bytes on disk: the header and every durable record
	flushing bool   // a batch is being written outside the lock
	err      error  // a failed write; sticky until Reset succeeds
}

// recovered is what openLog found in an existing log.
type recovered struct {
	// Records are the payloads of the whole records, in the order they were appended.
	Records [][]byte
	// TornBytes counts the bytes after the last whole record that were dropped (a record
	// torn by a crash while it was written); 0 when the log ended cleanly.
	TornBytes int64
	// Repaired describes the damage a repair found before the end of the log, and
	// AsideFile where it moved the bytes from the damage on; nil and "" when there was none.
	Repaired  *DamagedError
	AsideFile string
}

// openLog opens the log at path, creating it when it does not exist, and returns the
// records it holds. A torn tail is cut off the file, so that later records follow whole
// ones. A log damaged before its end is refused with a *DamagedError and not changed,
// unless repair is set: then the records before the damage are kept, and the bytes from
// the damage to the end are moved to a new file beside the log (see DamagedError.Aside),
// written and synced before the log is cut. Where the system has advisory locks, one
// writeLog at a time holds the file: a second openLog fails with ErrInUse until the first
// is closed or its process dies.
func openLog(path string, repair bool) (*writeLog, recovered, error) {
	info, err := os.Stat(path)
	created := errors.Is(err, fs.ErrNotExist)
	if err == nil && !info.Mode().IsRegular() { // a FIFO would block the first read forever
		return nil, recovered{}, fmt.Errorf("%s is not a regular file (%s); reading it could wait forever", path, info.Mode().Type())
	}
	// The log holds the same records as the state file, which only its owner may read.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, recovered{}, fmt.Errorf("open log: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		if errors.Is(err, ErrInUse) {
			return nil, recovered{}, fmt.Errorf("%s is %w (another mockserver with the same -state?); two writers would overwrite each other's records", path, ErrInUse)
		}
		return nil, recovered{}, fmt.Errorf("lock log %s: %w", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, recovered{}, fmt.Errorf("read log: %w", err)
	}
	if len(data) > 0 && !bytes.HasPrefix(data, []byte(LogHeader)) && !bytes.HasPrefix([]byte(LogHeader), data) {
		f.Close()
		return nil, recovered{}, fmt.Errorf("%s is not an oppstages write log (it does not start with %q)", path, LogHeader[:len(LogHeader)-1])
	}
	l := &writeLog{path: path, f: f}
	l.cond.L = &l.mu
	var rec recovered
	if len(data) < len(LogHeader) {
		// New, or torn while its header was written: start it afresh.
		err = l.writeHeader()
		if err == nil && created {
			err = syncDir(filepath.Dir(path))
		}
	} else {
		body := data[len(LogHeader):]
		var end int
		rec.Records, end = scan(body)
		l.size = int64(len(LogHeader) + end)
		if next, found := resync(body, end); found {
			damage := &DamagedError{Path: path, Offset: l.size, Next: int64(len(LogHeader) + next)}
			if !repair {
				f.Close()
				return nil, recovered{}, damage
			}
			rec.Repaired = damage
			rec.AsideFile, err = setAside(damage, body[end:])
		} else {
			rec.TornBytes = int64(len(data)) - l.size
		}
		if err == nil && l.size < int64(len(data)) {
			if err = f.Truncate(l.size); err == nil {
				err = f.Sync()
			}
		}
	}
	if err != nil {
		f.Close()
		return nil, recovered{}, fmt.Errorf("prepare log %s: %w", path, err)
	}
	return l, rec, nil
}

// resync looks for a whole record after the one at from, where scan stopped, trying every
// byte: a damaged length says nothing about where the next record starts. It returns the
// offset of the first one; found is false when the bytes from from on hold none, as after
// a record torn by a crash. A random match needs a length that fits and a CRC-32C that
// agrees; a payload that is text cannot even give the length (its fourth byte would make
// it larger than maxRecord), so for the mock's JSON records what resync finds is a record
// appended after the damaged one.
func resync(data []byte, from int) (next int, found bool) {
	for at := from + 1; at+frameSize < len(data); at++ {
		if _, ok := record(data[at:]); ok {
			return at, true
		}
	}
	return 0, false
}

// setAside writes rest, the bytes from the damage on, to the file damage.Aside() names;
// a file of that name with other bytes, left by an earlier repair, is kept, and the next
// free numbered name is used instead. A file with the same bytes is a repair cut short
// after it wrote them, and is used again.
func setAside(damage *DamagedError, rest []byte) (string, error) {
	const maxNames = 100
	name := damage.Aside()
	for n := 1; ; n++ {
		if info, err := os.Lstat(name); err == nil && !info.Mode().IsRegular() {
			// Reading a FIFO would wait forever; a link or a device is no file of ours.
			return "", fmt.Errorf("set the damaged part aside: %s exists and is not a regular file (%s)", name, info.Mode().Type())
		}
		old, err := os.ReadFile(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := atomicfile.Write(name, rest); err != nil {
				return "", fmt.Errorf("set the damaged part aside: %w", err)
			}
			return name, nil
		case err != nil:
			return "", fmt.Errorf("set the damaged part aside: %w", err)
		case bytes.Equal(old, rest):
			return name, nil
		case n == maxNames:
			return "", fmt.Errorf("set the damaged part aside: %s and %d numbered files after it exist already", damage.Aside(), maxNames-1)
		}
		name = fmt.Sprintf("%s.%d", damage.Aside(), n)
	}
}

func (l *writeLog) writeHeader() error {
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt([]byte(LogHeader), 0); err != nil {
		return err
	}
	l.size = int64(len(LogHeader))
	return l.f.Sync()
}

// scan reads whole, intact records from data and returns them with the offset just past
// the last one. It stops at the first record that is short, oversized or fails its CRC.
func scan(data []byte) (records [][]byte, end int) {
	for {
		payload, ok := record(data[end:])
		if !ok {
			return records, end
		}
		records = append(records, payload)
		end += frameSize + len(payload)
	}
}

// record returns the payload of the record data starts with; ok is false unless it is
// whole: its length from 1 to maxRecord, all of it there, and its CRC right.
func record(data []byte) (payload []byte, ok bool) {
	if len(data) < frameSize {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(data)
	if n == 0 || n > maxRecord || int(n) > len(data)-frameSize {
		return nil, false
	}
	payload = data[frameSize : frameSize+n]
	if checksum(data[:4], payload) != binary.LittleEndian.Uint32(data[4:]) {
		return nil, false
	}
	return payload, true
}

func checksum(length, payload []byte) uint32 {
	return crc32.Update(crc32.Update(0, castagnoli, length), castagnoli, payload)
}

// Append adds a record and returns its sequence number, to be passed to Sync. The record
// is not durable until Sync returns; records are written in the order they are appended.
// After a failed write Append refuses every record, with that failure, until a Reset
// succeeds: nothing appended then could become durable.
func (l *writeLog) Append(payload []byte) (uint64, error) {
	if len(payload) == 0 || len(payload) > maxRecord {
		return 0, fmt.Errorf("a log record holds 1 to %d bytes, not %d", maxRecord, len(payload))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	var frame [frameSize]byte
	binary.LittleEndian.PutUint32(frame[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frame[4:], checksum(frame[:4], payload))
	l.pending = append(append(l.pending, frame[:]...), payload...)
	l.appended++
	return l.appended, nil
}

// Sync returns once the record with sequence number seq, and every record before it, is on
// disk. One caller writes and syncs everything appended so far while the others wait for
// it, so concurrent writers share each fsync.
func (l *writeLog) Sync(seq uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.durable < seq {
		switch {
		case l.err != nil:
			return l.err
		case l.flushing:
			l.cond.Wait()
		default:
			l.flush()
		}
	}
	return nil
}

// flush writes the pending records and syncs the file. It is called with the lock held and
// releases it while it writes.
func (l *writeLog) flush() {
	batch, last, at := l.pending, l.appended, l.size
	l.pending = l.spare[:0]
	l.flushing = true
	l.mu.Unlock()
	_, err := l.f.WriteAt(batch, at)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		// Cut off whatever part of the batch reached the file, so that no later record
		// ever follows a torn one.
		_ = l.f.Truncate(at)
	}
	l.mu.Lock()
	l.flushing = false
	l.spare = batch[:0]
	if err != nil {
		l.err = fmt.Errorf("write log %s: %w", l.path, err)
	} else {
		l.size = at + int64(len(batch))
		l.durable = last
	}
	l.cond.Broadcast()
}

// Reset empties the log once its records are safe elsewhere (in a snapshot written by the
// caller): every record appended so far counts as durable, even when the log itself could
// not be emptied, and a failed write is forgotten when the reset succeeds.
func (l *writeLog) Reset() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.cond.Wait()
	}
	l.pending = l.pending[:0]
	l.durable = l.appended
	defer l.cond.Broadcast()
	if err := l.writeHeader(); err != nil {
		l.err = fmt.Errorf("reset log %s: %w", l.path, err)
		return l.err
	}
	l.err = nil
	return nil
}

// Durable returns the sequence number of the last durable record and, once a write has
// failed (until a Reset succeeds), that failure: the records appended after that one
// are lost.
func (l *writeLog) Durable() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.durable, l.err
}

// Size is the number of bytes on disk, the header included.
func (l *writeLog) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// Path is the file the log is kept in.
func (l *writeLog) Path() string { return l.path }

// Close makes every appended record durable and closes the file.
func (l *writeLog) Close() error {
	l.mu.Lock()
	last := l.appended
	l.mu.Unlock()
	err := l.Sync(last)
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close log %s: %w", l.path, cerr)
	}
	return err
}

// syncDir makes a new directory entry durable where the platform allows it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every platform can sync a directory; the entry is written anyway
	return nil
}
