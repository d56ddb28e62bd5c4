package mock_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/statefile"
	"github.com/oppstages/oppstages/mock"
)

const stageBody = `{"data":{"type":"opportunityStage","attributes":{"name":%q,"order":%d}}}`

// Every acknowledged write is on disk when its response is sent: a server that is never
// closed (as after kill -9) is followed by one that sees every write, whatever came last.
func TestWritesAreDurableWithoutShutdown(t *testing.T) {
	state := `{"data":[{"type":"opportunityStage","id":40,"attributes":{"name":"Imported","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"},"relationships":{"creator":{"data":{"type":"user","id":1}}}}],"meta":{"nextId":41}}`
	steps := []struct {
		name string
		do   func(t *testing.T, c *apitest.Client)
	}{
		{"create", func(t *testing.T, c *apitest.Client) {
			mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Durable", 3)), 201)
		}},
		{"update", func(t *testing.T, c *apitest.Client) {
			mustStatus(t, c.Send("PATCH", stages+"/2", `{"data":{"type":"opportunityStage","id":2,"attributes":{"name":"Renamed","color":null}}}`), 200)
		}},
		{"delete", func(t *testing.T, c *apitest.Client) { mustStatus(t, c.Do(deleteReq(5)), 204) }},
		{"state replace", func(t *testing.T, c *apitest.Client) {
			mustStatus(t, c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: state}), 200)
		}},
		{"create after replace", func(t *testing.T, c *apitest.Client) {
			mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "After import", 1)), 201)
		}},
		{"reset", func(t *testing.T, c *apitest.Client) {
			mustStatus(t, c.Do(apitest.Request{Method: "POST", Target: "/__admin/reset"}), 200)
		}},
		{"delete after reset", func(t *testing.T, c *apitest.Client) { mustStatus(t, c.Do(deleteReq(8)), 204) }},
	}
	path := filepath.Join(t.TempDir(), "state.json")
	_, c := newServer(t, mock.Options{StateFile: path})
	for _, step := range steps {
		step.do(t, c)
		want := c.Get("/__admin/state").Body
		// The server above is never closed: the next one sees only what is on disk, and
		// takes the next step.
		path = afterCrash(t, path)
		_, c = newServer(t, mock.Options{StateFile: path})
		if diff := cmp.Diff(string(want), string(c.Get("/__admin/state").Body)); diff != "" {
			t.Fatalf("after %s, state on restart (-acknowledged +recovered):\n%s", step.name, diff)
		}
	}
}

// Between snapshots the writes live in the log; a snapshot folds them into the state file,
// which stays a plain JSON:API document, and a person's edit to it is what the next start
// loads.
func TestSnapshotIsAPlainDocumentAPersonCanEdit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, c := newServer(t, mock.Options{StateFile: path})
	mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Logged", 4)), 201)
	if info, err := os.Stat(path + ".log"); err != nil || info.Size() <= int64(len(statefile.LogHeader)) {
		t.Fatalf("the write is not in the log: %v %v", info, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path + ".log"); info.Size() != int64(len(statefile.LogHeader)) {
		t.Errorf("the log holds %d bytes after a clean close, want only its header", info.Size())
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := jsonapi.DecodeRecords(doc)
	if err != nil || len(recs.Stages) != 9 || *recs.Stages[8].Name != "Logged" {
		t.Fatalf("the state file is not the JSON:API document of the 9 stages: %v\n%s", err, doc)
	}
	edited := strings.Replace(string(doc), `"name":"Logged"`, `"name":"Edited by hand"`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	_, again := newServer(t, mock.Options{StateFile: path})
	if r := again.Get(stages + "/9"); !strings.Contains(string(r.Body), `"name":"Edited by hand"`) {
		t.Errorf("the edit was not loaded: %s", r.Body)
	}
}

// A log whose last record was cut off by a crash loses that write only (it was never
// acknowledged: its response waits for the sync), and the server starts.
func TestTornLogRecordIsDroppedAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	_, c := newServer(t, mock.Options{StateFile: path})
	mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Kept", 1)), 201)
	before := c.Get("/__admin/state").Body
	mustStatus(t, c.Send("PATCH", stages+"/9", `{"data":{"type":"opportunityStage","id":9,"attributes":{"name":"Torn"}}}`), 200)
	snapshot, _ := os.ReadFile(path)
	log, _ := os.ReadFile(path + ".log")
	lastStart := len(statefile.LogHeader)
	for rest := log[lastStart:]; ; {
		n := 8 + int(binary.LittleEndian.Uint32(rest))
		if n >= len(rest) {
			break
		}
		lastStart += n
		rest = rest[n:]
	}
	for _, cut := range []int{lastStart, lastStart + 1, lastStart + 8, lastStart + 9, (lastStart + len(log)) / 2, len(log) - 1} {
		path := filepath.Join(t.TempDir(), "state.json")
		os.WriteFile(path, snapshot, 0o644)
		os.WriteFile(path+".log", log[:cut], 0o644)
		_, again := newServer(t, mock.Options{StateFile: path})
		if diff := cmp.Diff(string(before), string(again.Get("/__admin/state").Body)); diff != "" {
			t.Fatalf("log cut at %d of %d: state (-want +got):\n%s", cut, len(log), diff)
		}
	}
}

// A write that cannot be made durable is never acknowledged, and leaves no trace: the
// server answers as if it never happened, and so does the next one on the same file.
func TestWriteThatCannotBeSavedIsNotAcknowledged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, c := newServer(t, mock.Options{StateFile: path})
	saved := c.Get("/__admin/state").Body
	if err := s.Close(); err != nil { // the log's file is closed: every write to it fails
		t.Fatal(err)
	}
	wantError(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Nowhere", 1)), 500, "internalServerError")
	wantError(t, c.Get(stages+"/9"), 404, "resourceNotFound")
	wantError(t, c.Do(deleteReq(1)), 500, "internalServerError")
	mustStatus(t, c.Get(stages+"/1"), 200)
	wantError(t, c.Send("PATCH", stages+"/2", `{"data":{"type":"opportunityStage","id":2,"attributes":{"name":"Renamed"}}}`), 500, "internalServerError")
	if r := c.Get(stages + "/2"); strings.Contains(string(r.Body), "Renamed") {
		t.Errorf("a failed update is visible: %s", r.Body)
	}
	if diff := cmp.Diff(string(saved), string(c.Get("/__admin/state").Body)); diff != "" {
		t.Errorf("state after failed writes (-saved +now):\n%s", diff)
	}
	_, again := newServer(t, mock.Options{StateFile: path})
	if diff := cmp.Diff(string(saved), string(again.Get("/__admin/state").Body)); diff != "" {
		t.Errorf("state on restart (-saved +recovered):\n%s", diff)
	}
}

// Named sandboxes stay in memory: they leave nothing on disk and start afresh.
func TestSandboxesStayInMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	_, c := newServer(t, mock.Options{StateFile: path})
	create := apitest.Request{Method: "POST", Target: stages, Body: fmt.Sprintf(stageBody, "Only in memory", 1), ContentType: "application/vnd.api+json"}
	mustStatus(t, c.Do(inSandbox("ci", create)), 201)
	_, again := newServer(t, mock.Options{StateFile: afterCrash(t, path)})
	if n := len(decodeList(t, again.Do(inSandbox("ci", apitest.Request{Method: "GET", Target: stages}))).Data); n != 8 {
		t.Errorf("sandbox ci after restart has %d stages, want the 8 of the seed", n)
	}
	if n := len(decodeList(t, again.Get(stages)).Data); n != 8 {
		t.Errorf("the default sandbox has %d stages, want 8: a sandbox's write reached it", n)
	}
}

// A log that grows past its limit is folded into the state file while the server runs.
func TestLogIsFoldedIntoTheStateFileWhenItGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, c := newServer(t, mock.Options{StateFile: path, MaxStateLogBytes: 2048})
	for i := range 30 {
		mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, fmt.Sprintf("Grown %d", i), i)), 201)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		doc, _ := os.ReadFile(path)
		recs, err := jsonapi.DecodeRecords(doc)
		info, _ := os.Stat(path + ".log")
		if err == nil && len(recs.Stages) > 8 && info.Size() <= 4096 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log was never folded in: %d stages in the state file, %d bytes of log", len(recs.Stages), info.Size())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, again := newServer(t, mock.Options{StateFile: path})
	if n := len(decodeList(t, again.Get(stages+"?page%5Bsize%5D=100")).Data); n != 38 {
		t.Errorf("%d stages after restart, want 38", n)
	}
}

// One server at a time holds a state file (see TestOneServerPerStateFile).
func TestOneServerPerStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	first, _ := newServer(t, mock.Options{StateFile: path})
	_, err := mock.New(mock.Options{StateFile: path})
	if err == nil || !strings.Contains(err.Error(), path+".log") || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second server on the same state file: %v, want it refused", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := mock.New(mock.Options{StateFile: path})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close()
}

// A log damaged before its end (a flipped byte with whole records after it) is not a torn
// tail: cutting it there would lose acknowledged writes. New refuses it, naming the log and
// where the damage starts, and changes no file; with StateRepair it starts from the writes
// before the damage and moves the rest to a file beside the log, which a warning names.
func TestDamagedStateLogStopsStartup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	_, c := newServer(t, mock.Options{StateFile: path})
	acknowledged := [][]byte{c.Get("/__admin/state").Body} // the state before each create
	for i := range 20 {
		mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, fmt.Sprintf("Acknowledged %d", i), i)), 201)
		acknowledged = append(acknowledged, c.Get("/__admin/state").Body)
	}
	for _, damaged := range []int{0, 9, 18} { // the record with a flipped byte; 19 is the last
		t.Run(fmt.Sprintf("record %d", damaged), func(t *testing.T) {
			crashed := afterCrash(t, path)
			log, err := os.ReadFile(crashed + ".log")
			if err != nil {
				t.Fatal(err)
			}
			starts := logRecordStarts(log)
			if len(starts) != 20 {
				t.Fatalf("%d records in the log, want one per create", len(starts))
			}
			log[starts[damaged]+20] ^= 0x01
			if err := os.WriteFile(crashed+".log", log, 0o600); err != nil {
				t.Fatal(err)
			}
			before := apitest.DirContents(t, filepath.Dir(crashed))

			_, err = mock.New(mock.Options{StateFile: crashed})
			want := fmt.Sprintf("%s.log is damaged at byte %d", crashed, starts[damaged])
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("New: %v\nwant an error saying %q", err, want)
			}
			if diff := cmp.Diff(before, apitest.DirContents(t, filepath.Dir(crashed))); diff != "" {
				t.Fatalf("a refused start changed the files (-before +after):\n%s", diff)
			}

			var out bytes.Buffer
			repaired, err := mock.New(mock.Options{StateFile: crashed, StateRepair: true, Logger: slog.New(slog.NewTextHandler(&out, nil))})
			if err != nil {
				t.Fatalf("New with StateRepair: %v", err)
			}
			if err := repaired.Close(); err != nil {
				t.Fatal(err)
			}
			aside := fmt.Sprintf("%s.log.damaged-%d", crashed, starts[damaged])
			if got, err := os.ReadFile(aside); err != nil || !bytes.Equal(got, log[starts[damaged]:]) {
				t.Errorf("set aside: %d bytes, %v; want the %d from the damage on", len(got), err, len(log)-starts[damaged])
			}
			if !strings.Contains(out.String(), aside) {
				t.Errorf("the warning does not name %s:\n%s", aside, out.String())
			}
			// The repair is folded into the state file: a plain restart starts from it.
			_, again := newServer(t, mock.Options{StateFile: crashed})
			if diff := cmp.Diff(string(acknowledged[damaged]), string(again.Get("/__admin/state").Body)); diff != "" {
				t.Errorf("state after the repair (-writes before the damage +recovered):\n%s", diff)
			}
		})
	}
}

// logRecordStarts returns where each record of a state log starts.
func logRecordStarts(log []byte) []int {
	var starts []int
	for at := len(statefile.LogHeader); at+8 <= len(log); at += 8 + int(binary.LittleEndian.Uint32(log[at:])) {
		starts = append(starts, at)
	}
	return starts
}

// A state file reached through a symbolic link is the file the link points to: a server on
// the link and one on the target are refused as one, whichever starts first and whether
// the target exists yet or not; the snapshot replaces the target, and the link stays a link.
func TestStateFileThroughASymbolicLink(t *testing.T) {
	for _, targetExists := range []bool{true, false} {
		t.Run(fmt.Sprintf("target exists %v", targetExists), func(t *testing.T) {
			dir := t.TempDir()
			target, link, chain := filepath.Join(dir, "target.json"), filepath.Join(dir, "link.json"), filepath.Join(dir, "chain.json")
			if err := os.Symlink("target.json", link); err != nil {
				t.Skipf("no symbolic links here: %v", err)
			}
			if err := os.Symlink(link, chain); err != nil {
				t.Fatal(err)
			}
			first, second := target, link // the order of the finding: the link comes second
			if !targetExists {
				first, second = link, target
			}
			if targetExists {
				s, _ := newServer(t, mock.Options{StateFile: target})
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			s, c := newServer(t, mock.Options{StateFile: first})
			mustStatus(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Through the link", 1)), 201)
			for _, other := range []string{second, chain} {
				if _, err := mock.New(mock.Options{StateFile: other}); err == nil || !strings.Contains(err.Error(), "in use") {
					t.Errorf("a second server on %s: %v, want it refused as in use", filepath.Base(other), err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s is no longer a link: %v %v", link, info, err)
			}
			if doc, _ := os.ReadFile(target); !strings.Contains(string(doc), "Through the link") {
				t.Errorf("the target does not hold the snapshot: %s", doc)
			}
			if _, err := os.Lstat(link + ".log"); err == nil {
				t.Errorf("a log beside the link: it belongs beside the target")
			}
		})
	}
}

// afterCrash copies a state file and its log, as a crash leaves them, to a new directory
// and returns the copy's path: the server still running on the original holds its lock.
func afterCrash(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	for _, suffix := range []string{"", ".log"} {
		data, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func mustStatus(t *testing.T, r *apitest.Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d\n%s", r.Status, want, r.Body)
	}
}

// Ids stop at 2^53-1: a state whose ids pass it is refused, and once the last id is given
// out a create answers 422 instead of wrapping to negative ids.
func TestStageIdsStopAtTheLargestExactJavaScriptInteger(t *testing.T) {
	stateWith := func(id, next string) string {
		return `{"data":[{"type":"opportunityStage","id":` + id + `,"attributes":{"name":"Last","createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}}],"meta":{"nextId":` + next + `}}`
	}
	_, c := newServer(t, mock.Options{})
	for _, state := range []string{
		stateWith("9223372036854775806", "9223372036854775807"),
		stateWith("9007199254740992", "9007199254740993"),
		stateWith("1", "9223372036854775807"),
	} {
		if r := c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: state}); r.Status != 400 {
			t.Errorf("state %s: status %d, want 400\n%s", state, r.Status, r.Body)
		}
	}
	mustStatus(t, c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: stateWith("9007199254740990", "9007199254740991")}), 200)
	created := c.Send("POST", stages, fmt.Sprintf(stageBody, "Last id", 1))
	mustStatus(t, created, 201)
	if !strings.Contains(string(created.Body), `"id":9007199254740991`) {
		t.Fatalf("the last id was not given out: %s", created.Body)
	}
	for range 2 {
		e := wantError(t, c.Send("POST", stages, fmt.Sprintf(stageBody, "Past the last", 1)), 422, "validationError")
		if e.Pointer != "/data" || !strings.Contains(e.Detail, "9007199254740991") {
			t.Errorf("error %+v, want one at /data naming the limit", e)
		}
	}
	mustStatus(t, c.Get(stages+"/9007199254740991"), 200)
	if n := len(decodeList(t, c.Get(stages)).Data); n != 2 {
		t.Errorf("%d stages, want 2", n)
	}
}
