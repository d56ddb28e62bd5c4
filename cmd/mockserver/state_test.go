package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/statefile"
)

// A state log damaged before its end (a flipped byte with whole records after it) stops
// start-up: exit 2 and one line naming -state, the log and the byte where the damage
// starts, and the way out; no file is changed. With -state-repair, or
// MOCKSERVER_STATE_REPAIR, the server starts from the writes before the damage, and says
// where it moved the rest, which that file holds.
func TestDamagedStateLog(t *testing.T) {
	const creates, damaged = 10, 4 // the record with a flipped byte
	path := stateWithLog(t, creates)
	log, err := os.ReadFile(path + ".log")
	if err != nil {
		t.Fatal(err)
	}
	var starts []int
	for at := len(statefile.LogHeader); at+8 <= len(log); at += 8 + int(binary.LittleEndian.Uint32(log[at:])) {
		starts = append(starts, at)
	}
	if len(starts) != creates {
		t.Fatalf("%d records in the log, want %d", len(starts), creates)
	}
	log[starts[damaged]+20] ^= 0x01
	if err := os.WriteFile(path+".log", log, 0o600); err != nil {
		t.Fatal(err)
	}
	before := apitest.DirContents(t, filepath.Dir(path))

	args := []string{"-addr", "127.0.0.1:0", "-state", path}
	err = startErr(t, args, nil)
	aside := fmt.Sprintf("%s.log.damaged-%d", path, starts[damaged])
	wants := []string{"-state " + path + ": ", fmt.Sprintf("%s.log is damaged at byte %d", path, starts[damaged]), "-state-repair", aside}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if line := wantOneLineExit2(t, args); !strings.Contains(line, wants[1]) {
		t.Errorf("stderr %q does not say %q", line, wants[1])
	}
	if diff := cmp.Diff(before, apitest.DirContents(t, filepath.Dir(path))); diff != "" {
		t.Fatalf("a refused start changed the files (-before +after):\n%s", diff)
	}

	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"-state-repair"}, nil},
		{"environment", nil, map[string]string{"MOCKSERVER_STATE_REPAIR": "true"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			copied := filepath.Join(t.TempDir(), "state.json")
			for name, content := range before {
				os.WriteFile(filepath.Join(filepath.Dir(copied), name), []byte(content), 0o600)
			}
			addr, stdout, stop := start(t, append([]string{"-addr", "127.0.0.1:0", "-state", copied}, tt.args...), tt.env)
			_, doc := get(t, "http://"+addr+"/api/v2/opportunityStages?page%5Bsize%5D=100", "t")
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(doc["data"].([]any)); n != 8+damaged {
				t.Errorf("%d stages, want the 8 of the seed and the %d created before the damage", n, damaged)
			}
			aside := fmt.Sprintf("%s.log.damaged-%d", copied, starts[damaged])
			if !strings.Contains(stdout.String(), aside) {
				t.Errorf("the start-up output does not name %s:\n%s", aside, stdout.String())
			}
			if got, _ := os.ReadFile(aside); !bytes.Equal(got, log[starts[damaged]:]) {
				t.Errorf("%s holds %d bytes, want the %d from the damage on", aside, len(got), len(log)-starts[damaged])
			}
		})
	}
}

// A -state that is a symbolic link is checked where it leads: a link into a missing
// directory, or one that cannot be written, stops start-up with one line naming -state.
func TestStateLinkFailsFast(t *testing.T) {
	dir := t.TempDir()
	dangling := filepath.Join(dir, "dangling.json")
	if err := os.Symlink("/no/such/dir/state.json", dangling); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want []string // each must be in the one line
	}{
		{"into a missing directory", dangling, []string{"-state " + dangling, "symbolic link", "/no/such/dir"}},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		readOnly := filepath.Join(dir, "read-only")
		if err := os.Mkdir(readOnly, 0o555); err != nil {
			t.Fatal(err)
		}
		intoReadOnly := filepath.Join(dir, "into-read-only.json")
		if err := os.Symlink(filepath.Join(readOnly, "state.json"), intoReadOnly); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct {
			name string
			path string
			want []string
		}{"into a directory not writable", intoReadOnly, []string{"-state " + intoReadOnly, "is not writable"}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-addr", "127.0.0.1:0", "-state", tt.path}
			startErr(t, args, nil)
			line := wantOneLineExit2(t, args)
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("stderr %q does not mention %q", line, w)
				}
			}
		})
	}
}

// stateWithLog runs a server on a state file, creates stages through HTTP and returns a
// copy of its state file and log as a crash would leave them: the writes in the log.
func stateWithLog(t *testing.T, creates int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-state", path}, nil)
	defer stop()
	for i := range creates {
		body := fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":"Created %d","order":%d}}}`, i, i)
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v2/opportunityStages", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/vnd.api+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("create: status %d", resp.StatusCode)
		}
	}
	copied := filepath.Join(t.TempDir(), "state.json")
	for _, suffix := range []string{"", ".log"} {
		data, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copied+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return copied
}
