// Package statefile keeps a store on disk in two files: the state file, a JSON:API
// snapshot a person can read and edit (the document GET /__admin/state exports), and
// beside it the write log (the state file's name plus ".log"), which holds every write
// since the snapshot was taken. The log is locked while a File holds it, so that one
// server at a time writes to a state file.
//
// A File is the store's Log (see store.SetLog): a write is acknowledged only once its
// log record is synced; concurrent writes share a sync; a write whose record the log
// fails to write is undone in memory. A checkpoint writes a new snapshot and empties the
// log; when the log grows past its limit, one runs beside the writes, so that a restart
// after a crash replays a bounded log.
package statefile

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/store"
)

// DefaultMaxLog is how large the log grows, by default, before it is folded into the
// state file.
const DefaultMaxLog = 64 << 20

// Options configure Open.
type Options struct {
	// Repair opens a log damaged before its end (a *DamagedError otherwise): the writes
	// before the damage are replayed, and the bytes from the damage on are moved to the
	// file DamagedError.Aside names, which a warning names too.
	Repair bool
	// MaxLog is how large the log grows before it is folded into the state file; 0 means
	// DefaultMaxLog.
	MaxLog int64
	// Logger receives the warnings about what recovery found; nil discards them.
	Logger *slog.Logger
}

// File is an open state file and its log. Its methods are safe for concurrent use:
// Append and Checkpoint take the File's own lock, so that no record is appended between
// a checkpoint's snapshot and the emptying of the log, whoever calls them, and a failed
// checkpoint refuses every later append until one succeeds.
type File struct {
	path   string
	log    *writeLog
	logger *slog.Logger
	maxLog int64
	store  *store.Store // the store the file keeps, checkpointed when the log grows

	mu     sync.Mutex
	failed error // the last checkpoint failed: memory may hold what the disk does not

	compacting atomic.Bool
	compaction sync.WaitGroup
}

// logPath is where the log of a state file is kept.
func logPath(stateFile string) string { return stateFile + ".log" }

// Open loads the state file at path (or, when there is none yet, starts from a clone of
// seed), replays the log written after it, and makes the result the new snapshot. From
// then on every write to the returned store is durable before it returns, until Close.
//
// Open first checks that path can hold a state file: its directory exists and takes new
// files. A state file that is a symbolic link is followed once, here: the log is kept,
// and locked, beside the file it points to, and the snapshot replaces that file, so the
// link stays a link and two servers reaching one file by different names cannot both
// hold it. A log another File holds is ErrInUse; one damaged before its end is a
// *DamagedError, and no file is changed.
func Open(path string, seed *store.Store, opts Options) (*store.Store, *File, error) {
	if err := checkLocation(path); err != nil {
		return nil, nil, err
	}
	path, err := atomicfile.Resolve(path)
	if err != nil {
		return nil, nil, fmt.Errorf("state file: %w", err)
	}
	st, err := load(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = seed.Clone()
	case err != nil:
		return nil, nil, err
	}
	log, rec, err := openLog(logPath(path), opts.Repair)
	if err != nil {
		return nil, nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if rec.Repaired != nil {
		logger.Warn("the state log was damaged before its end: kept the writes before the damage, moved the rest aside",
			"file", log.Path(), "damaged_at", rec.Repaired.Offset, "moved_to", rec.AsideFile)
	}
	for i, payload := range rec.Records {
		c, err := decodeChange(payload)
		if err != nil {
			log.Close()
			return nil, nil, fmt.Errorf("%s: record %d cannot be replayed (%w); move the log aside to start from %s alone", log.Path(), i+1, err, path)
		}
		st.Apply(c)
	}
	if rec.TornBytes > 0 {
		logger.Warn("dropped a torn final record from the state log (a write cut off by a crash, never acknowledged)",
			"file", log.Path(), "bytes", rec.TornBytes)
	}
	if len(rec.Records) > 0 {
		logger.Info("replayed the state log", "file", log.Path(), "writes", len(rec.Records))
	}
	f := &File{path: path, log: log, store: st, logger: logger, maxLog: opts.MaxLog}
	if f.maxLog <= 0 {
		f.maxLog = DefaultMaxLog
	}
	st.SetLog(f)
	if err := st.Checkpoint(); err != nil {
		log.Close()
		return nil, nil, err
	}
	return st, f, nil
}

// Append logs one change, to be waited for with Sync.
func (f *File) Append(c store.Change) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed != nil {
		return 0, f.failed
	}
	seq, err := f.log.Append(encodeChange(c))
	if err != nil {
		return 0, err
	}
	if f.log.Size() > f.maxLog && f.compacting.CompareAndSwap(false, true) {
		f.compaction.Go(f.compact)
	}
	return seq, nil
}

// Sync returns once the change seq is on disk.
func (f *File) Sync(seq uint64) error { return f.log.Sync(seq) }

// Durable names the last change on disk and, after a failed log write, the failure.
func (f *File) Durable() (uint64, error) { return f.log.Durable() }

// Checkpoint writes the snapshot, then empties the log. A crash between the two leaves a
// log whose changes the snapshot already holds; replaying them again changes nothing.
func (f *File) Checkpoint(st store.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := save(f.path, st); err != nil {
		f.failed = fmt.Errorf("writes are refused until a snapshot succeeds: %w", err)
		return err
	}
	if err := f.log.Reset(); err != nil {
		f.failed = err
		return err
	}
	f.failed = nil
	return nil
}

// compact folds the log into the state file.
func (f *File) compact() {
	defer f.compacting.Store(false)
	if err := f.store.Checkpoint(); err != nil {
		f.logger.Error("folding the state log into the state file failed", "file", f.path, "error", err)
	}
}

// Close waits for a compaction under way, writes the state file a last time and closes
// the log; later writes to the store fail.
func (f *File) Close() error {
	f.compaction.Wait()
	err := f.store.Checkpoint()
	if cerr := f.log.Close(); err == nil {
		err = cerr
	}
	return err
}
