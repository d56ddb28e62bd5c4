package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
	"github.com/oppstages/oppstages/internal/wal"
)

// durableState keeps the default sandbox on disk in two files: the state file, a JSON:API
// snapshot a person can read and edit, and beside it the log (the state file's name plus
// ".log"), which holds every write since the snapshot was taken. A write is acknowledged
// only once its log record is synced; concurrent writes share a sync; a write whose record
// the log fails to write is undone in memory and answered 500. A checkpoint (at
// start, on POST /__admin/snapshot, on state replace and reset, and at shutdown) writes a
// new snapshot and empties the log.
//
// When the log grows past maxLog, a checkpoint runs beside the writes (which wait for it),
// so that a restart after a crash replays a bounded log.
//
// The store calls Append and Checkpoint with its write lock held, which is what orders
// them and guards failed.
type durableState struct {
	path   string
	log    *wal.Log
	failed error // the last checkpoint failed: memory may hold what the disk does not

	store      *store.Store
	logger     *slog.Logger
	maxLog     int64
	compacting atomic.Bool
	compaction sync.WaitGroup
}

// logPath is where the log of a state file is kept.
func logPath(stateFile string) string { return stateFile + ".log" }

// openDurableState loads the state file (or, when there is none yet, starts from seed),
// replays the log written after it, and makes the result the new snapshot. From then on
// every write to the returned store is durable before it returns. A state file that is a
// symbolic link is followed once, here: the log is kept, and locked, beside the file it
// points to, and the snapshot replaces that file, so the link stays a link and two servers
// reaching one file by different names cannot both hold it.
func openDurableState(opts Options, seed *store.Store) (*store.Store, *durableState, error) {
	path, err := atomicfile.Resolve(opts.StateFile)
	if err != nil {
		return nil, nil, fmt.Errorf("state file: %w", err)
	}
	st, err := loadStateFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = seed.Clone()
	case err != nil:
		return nil, nil, err
	}
	openLog := wal.Open
	if opts.StateRepair {
		openLog = wal.OpenRepair
	}
	log, rec, err := openLog(logPath(path))
	if err != nil {
		return nil, nil, err
	}
	logger := opts.Logger
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
	d := &durableState{path: path, log: log, store: st, logger: logger, maxLog: opts.MaxStateLogBytes}
	st.SetLog(d)
	if err := st.Checkpoint(); err != nil {
		log.Close()
		return nil, nil, err
	}
	return st, d, nil
}

// Append logs one change, to be waited for with Sync.
func (d *durableState) Append(c store.Change) (uint64, error) {
	if d.failed != nil {
		return 0, d.failed
	}
	seq, err := d.log.Append(encodeChange(c))
	if err != nil {
		return 0, err
	}
	if d.log.Size() > d.maxLog && d.compacting.CompareAndSwap(false, true) {
		d.compaction.Go(d.compact)
	}
	return seq, nil
}

// Sync returns once the change seq is on disk.
func (d *durableState) Sync(seq uint64) error { return d.log.Sync(seq) }

// Durable names the last change on disk and, after a failed log write, the failure.
func (d *durableState) Durable() (uint64, error) { return d.log.Durable() }

// compact folds the log into the state file.
func (d *durableState) compact() {
	defer d.compacting.Store(false)
	if err := d.store.Checkpoint(); err != nil {
		d.logger.Error("folding the state log into the state file failed", "file", d.path, "error", err)
	}
}

// close waits for a compaction under way, writes the state file a last time and closes
// the log.
func (d *durableState) close() error {
	d.compaction.Wait()
	err := d.store.Checkpoint()
	if cerr := d.log.Close(); err == nil {
		err = cerr
	}
	return err
}

// Checkpoint writes the snapshot, then empties the log. A crash between the two leaves a
// log whose changes the snapshot already holds; replaying them again changes nothing.
func (d *durableState) Checkpoint(st store.State) error {
	if err := saveStateFile(d.path, st); err != nil {
		d.failed = fmt.Errorf("writes are refused until a snapshot succeeds: %w", err)
		return err
	}
	if err := d.log.Reset(); err != nil {
		d.failed = err
		return err
	}
	d.failed = nil
	return nil
}

// A log record is one JSON object: {"put": <the stage as a JSON:API resource object>} or
// {"delete": <id>}.
func encodeChange(c store.Change) []byte {
	if c.Put == nil {
		b := append([]byte(`{"delete":`), strconv.FormatInt(c.Deleted, 10)...)
		return append(b, '}')
	}
	var r jsonapi.Render
	b := r.AppendStage([]byte(`{"put":`), c.Put)
	return append(b, '}')
}

func decodeChange(payload []byte) (store.Change, error) {
	var rec struct {
		Put    json.RawMessage `json:"put"`
		Delete int64           `json:"delete"`
	}
	if err := json.Unmarshal(payload, &rec); err != nil {
		return store.Change{}, err
	}
	switch {
	case len(rec.Put) > 0 && rec.Delete == 0:
		st, err := jsonapi.DecodeStage(rec.Put)
		if err != nil {
			return store.Change{}, err
		}
		return store.Change{Put: &st}, nil
	case len(rec.Put) == 0 && rec.Delete > 0:
		return store.Change{Deleted: rec.Delete}, nil
	}
	return store.Change{}, fmt.Errorf("want {\"put\": stage} or {\"delete\": id}")
}
