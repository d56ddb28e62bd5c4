package statefile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/store"
)

var when = time.Date(2024, 1, 5, 10, 0, 0, 0, time.UTC)

func stage(id int64, name string) oppstages.Stage {
	return oppstages.Stage{ID: id, Name: &name, CreatedAt: when, UpdatedAt: when}
}

func seed() *store.Store {
	return store.New([]oppstages.Stage{stage(1, "Seed")}, nil)
}

func open(t *testing.T, path string) (*store.Store, *File) {
	t.Helper()
	st, f, err := Open(path, seed(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st, f
}

// The File keeps its own fields safe: Append and Checkpoint called at once, from many
// goroutines and with no lock of the store's around them, neither race (under -race) nor
// split a checkpoint, and every record the log then holds replays.
func TestAppendAndCheckpointNeedNoLockOfTheCallers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	_, f := open(t, path)
	const writers, checkpointers, rounds = 8, 2, 25
	state := store.State{Stages: []oppstages.Stage{stage(1, "Seed")}, NextID: 2}
	var wg sync.WaitGroup
	errs := make(chan error, (writers+checkpointers)*rounds)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				st := stage(int64(100+w*rounds+r), fmt.Sprintf("Writer %d round %d", w, r))
				seq, err := f.Append(store.Change{Put: &st})
				if err == nil {
					err = f.Sync(seq)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for range checkpointers {
		wg.Go(func() {
			for range rounds {
				if err := f.Checkpoint(state); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := f.log.Close(); err != nil { // as a crash leaves it: no last checkpoint
		t.Fatal(err)
	}
	st, again := open(t, path)
	defer again.Close()
	if _, err := st.Get(1); err != nil {
		t.Errorf("the snapshot lost the seed: %v", err)
	}
}

// A checkpoint that cannot write the snapshot refuses every later write, so that memory
// holds nothing the disk does not; the next checkpoint that succeeds lets writes in again.
func TestFailedCheckpointRefusesWritesUntilOneSucceeds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, f := open(t, path)
	defer f.Close()
	// A directory with a file in it where the snapshot goes: the rename over it fails.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "in the way"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := st.Checkpoint(); err == nil {
		t.Fatal("a checkpoint over a directory succeeded")
	}
	if _, err := st.Create(oppstages.StageAttributes{Name: oppstages.Set("Refused")}, 0, when); err == nil || !strings.Contains(err.Error(), "refused until a snapshot succeeds") {
		t.Fatalf("a write after the failed checkpoint: %v, want it refused", err)
	}
	if st.Len() != 1 {
		t.Errorf("%d stages in memory, want the seed's 1: the refused write is there", st.Len())
	}
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := st.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(oppstages.StageAttributes{Name: oppstages.Set("Accepted")}, 0, when); err != nil {
		t.Fatalf("a write after a good checkpoint: %v", err)
	}
}

// A log record that is whole but not a change stops Open, naming the log and the record,
// rather than starting from a guess.
func TestUnreplayableLogStopsStartup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	l, _, err := openLog(path+".log", false)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := l.Append([]byte(`{"put":{"type":"account","id":1}}`))
	if err := l.Sync(seq); err != nil {
		t.Fatal(err)
	}
	l.Close()
	_, _, err = Open(path, seed(), Options{})
	if err == nil || !strings.Contains(err.Error(), path+".log") || !strings.Contains(err.Error(), "record 1") {
		t.Fatalf("err = %v, want one naming the log and the record", err)
	}
}

// The writes to the store are in the log until the next checkpoint, and a second File on
// the same state file is refused while the first holds it.
func TestWritesReplayAndOneFileAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, f := open(t, path)
	if _, err := st.Create(oppstages.StageAttributes{Name: oppstages.Set("Logged")}, 0, when); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(path, seed(), Options{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second Open: %v, want it refused as in use", err)
	}
	f.log.Close() // as a crash leaves it: the writes are in the log alone
	again, f2 := open(t, path)
	defer f2.Close()
	stages, _, next := again.Snapshot()
	if len(stages) != 1 || *stages[0].Name != "Logged" || stages[0].ID != 2 || next != 3 {
		t.Errorf("after replay: %+v, next id %d; want stage 2 Logged alone, next id 3", stages, next)
	}
}

// Open refuses a place that cannot hold a state file, saying why, before it creates
// anything.
func TestOpenChecksWhereTheFileGoes(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink("/no/such/dir/state.json", dangling); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"directory missing", "/no/such/dir/state.json", "directory /no/such/dir does not exist"},
		{"directory is a file", aFile + "/state.json", "is not a directory"},
		{"a directory", dir, "is a directory; name a file in it"},
		{"a link into a missing directory", dangling, "symbolic link that cannot be followed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			_, _, err := Open(tt.path, seed(), Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%s): %v, want %q", tt.path, err, tt.want)
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("a refused Open left files: %v", after)
			}
		})
	}
}
