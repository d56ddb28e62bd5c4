package mock_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/mock"
)

func inSandbox(name string, req apitest.Request) apitest.Request {
	return withHeader(req, "X-Mock-Sandbox", name)
}

func TestSandboxesAreIsolated(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	create := apitest.Request{Method: "POST", Target: stages, Body: `{"data":{"type":"opportunityStage","attributes":{"name":"only in a"}}}`, ContentType: "application/vnd.api+json"}
	if r := c.Do(inSandbox("a", create)); r.Status != 201 {
		t.Fatalf("create in a: %d", r.Status)
	}
	c.Do(inSandbox("b", deleteReq(1)))
	count := func(name string) int {
		r := c.Do(inSandbox(name, apitest.Request{Method: "GET", Target: stages + "?count=true"}))
		return len(decodeList(t, r).Data)
	}
	if a, b, main := count("a"), count("b"), len(decodeList(t, c.Get(stages)).Data); a != 9 || b != 7 || main != 8 {
		t.Errorf("stages: a %d, b %d, default %d; want 9, 7, 8", a, b, main)
	}
	// Faults, journal and reset are per sandbox too.
	postFault(t, c, "a", `{"status":503}`)
	if r := c.Do(inSandbox("a", apitest.Request{Method: "GET", Target: stages})); r.Status != 503 {
		t.Errorf("fault in a: %d", r.Status)
	}
	if r := c.Do(inSandbox("b", apitest.Request{Method: "GET", Target: stages})); r.Status != 200 {
		t.Errorf("a's fault reached b: %d", r.Status)
	}
	journalA := c.Do(inSandbox("a", apitest.Request{Method: "GET", Target: "/__admin/requests"}))
	if n := len(journalA.JSON["requests"].([]any)); n != 3 {
		t.Errorf("a's journal has %d entries, want 3: %s", n, journalA.Body)
	}
	c.Do(inSandbox("a", apitest.Request{Method: "POST", Target: "/__admin/reset"}))
	if a, b := count("a"), count("b"); a != 8 || b != 7 {
		t.Errorf("after resetting a: a %d, b %d; want 8 and 7", a, b)
	}
	wantError(t, c.Do(inSandbox("bad name!", apitest.Request{Method: "GET", Target: stages})), 400, "mockBadHeader")
}

func TestSandboxesUnderConcurrency(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	const boxes, writes = 12, 15
	var wg sync.WaitGroup
	for b := range boxes {
		wg.Go(func() {
			name := fmt.Sprintf("job-%d", b)
			for i := range writes {
				body := fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":"%s-%d"}}}`, name, i)
				if r := c.Do(inSandbox(name, apitest.Request{Method: "POST", Target: stages, Body: body, ContentType: "application/vnd.api+json"})); r.Status != 201 {
					t.Errorf("%s: create %d", name, r.Status)
				}
			}
		})
	}
	wg.Wait()
	for b := range boxes {
		name := fmt.Sprintf("job-%d", b)
		doc := decodeList(t, c.Do(inSandbox(name, apitest.Request{Method: "GET", Target: stages + "?page%5Bsize%5D=1000"})))
		if len(doc.Data) != 8+writes {
			t.Errorf("%s holds %d stages, want %d", name, len(doc.Data), 8+writes)
		}
		for _, st := range doc.Data[8:] {
			if !strings.HasPrefix(*st.Attributes.Name, name+"-") {
				t.Errorf("%s holds another sandbox's stage %q", name, *st.Attributes.Name)
			}
		}
	}
}

func TestSandboxLimitEvictsTheLeastRecentlyUsed(t *testing.T) {
	_, c := newServer(t, mock.Options{MaxSandboxes: 3})
	for _, name := range []string{"a", "b", "c", "a", "d"} {
		c.Do(inSandbox(name, apitest.Request{Method: "DELETE", Target: stages + "/1"}))
	}
	health := c.Get("/__admin/health")
	if health.JSON["sandboxes"] != 3.0 || health.JSON["sandboxesEvicted"] != 1.0 {
		t.Errorf("health %s, want 3 sandboxes and 1 evicted", health.Body)
	}
	// b was evicted, so it starts again from the seed; a was kept.
	if r := c.Do(inSandbox("b", apitest.Request{Method: "GET", Target: stages + "/1"})); r.Status != 200 {
		t.Errorf("evicted sandbox b did not start afresh: %d", r.Status)
	}
	if r := c.Do(inSandbox("a", apitest.Request{Method: "GET", Target: stages + "/1"})); r.Status != 404 {
		t.Errorf("sandbox a lost its delete: %d", r.Status)
	}
}

func TestJournal(t *testing.T) {
	_, c := newServer(t, mock.Options{MaxJournal: 3})
	c.Get(stages + "?sort=name")
	c.Do(withHeader(apitest.Request{Method: "GET", Target: stages + "/1"}, "Prefer", "code=404"))
	c.Get(stages + "/2")
	c.Get(stages + "/3")
	r := c.Get("/__admin/requests")
	var doc struct {
		Requests []mock.JournalEntry `json:"requests"`
		Evicted  int                 `json:"evicted"`
	}
	if err := jsonUnmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Evicted != 1 || len(doc.Requests) != 3 {
		t.Fatalf("journal %s, want 3 entries and 1 evicted", r.Body)
	}
	first := doc.Requests[0]
	if first.Method != "GET" || first.Path != stages+"/1" || first.Status != 404 || first.Fault != "prefer code=404" || first.DurationMS < 0 {
		t.Errorf("first entry %+v", first)
	}
	c.Do(apitest.Request{Method: "DELETE", Target: "/__admin/requests"})
	if r := c.Get("/__admin/requests"); len(r.JSON["requests"].([]any)) != 0 {
		t.Errorf("journal not cleared: %s", r.Body)
	}
}

func TestStateExportImport(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Kept"}}}`)
	c.Do(deleteReq(9))
	exported := c.Get("/__admin/state")
	_, other := newServer(t, mock.Options{Seed: 99, Generate: 3})
	if r := other.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: string(exported.Body)}); r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if diff := cmp.Diff(string(exported.Body), string(other.Get("/__admin/state").Body)); diff != "" {
		t.Errorf("state after import (-exported +imported):\n%s", diff)
	}
	var st stage
	other.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Next"}}}`).Data(t, &st)
	if st.ID != 10 {
		t.Errorf("id after import %d, want 10: the deleted 9 must not come back", st.ID)
	}
	for name, bad := range map[string]string{
		"not JSON":        `{`,
		"unknown creator": `{"data":[{"type":"opportunityStage","id":1,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"},"relationships":{"creator":{"data":{"type":"user","id":42}}}}]}`,
		"unknown type":    `{"data":[{"type":"account","id":1}]}`,
		"zero id":         `{"data":[{"type":"opportunityStage","id":0,"attributes":{"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}}]}`,
	} {
		before := other.Get("/__admin/state").Body
		if r := other.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: bad}); r.Status != 400 {
			t.Errorf("%s: %d, want 400", name, r.Status)
		}
		if after := other.Get("/__admin/state").Body; string(before) != string(after) {
			t.Errorf("%s: a rejected import changed the state", name)
		}
	}
}

// PUT /__admin/state takes only a document shaped as GET /__admin/state exports it:
// anything else is a 400 that names what is wrong, and neither the sandbox nor the -state
// file changes. An explicit empty data array is a state without stages, and empties it.
func TestStateReplaceRefusesWhatIsNotAStateDocument(t *testing.T) {
	const stage = `{"type":"opportunityStage","id":7,"attributes":{"name":"S","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-01T00:00:00Z"}}`
	tests := []struct {
		name, body, says string
	}{
		{"null", `null`, `JSON object with a "data" array`},
		{"an array", `[]`, `JSON object with a "data" array`},
		{"a string", `"data"`, `JSON object with a "data" array`},
		{"no data", `{}`, `no "data" member`},
		{"meta only", `{"meta":{"nextId":5}}`, `no "data" member`},
		{"data null", `{"data":null}`, `"data" must be an array`},
		{"data an object", `{"data":` + stage + `}`, `"data" must be an array`},
		{"data of numbers", `{"data":[1]}`, `"data" must be an array`},
		{"a user in data", `{"data":[{"type":"user","id":5}]}`, `data[0] is of type "user"`},
		{"a user after a stage in data", `{"data":[` + stage + `,{"type":"user","id":5}]}`, `data[1] is of type "user"`},
		{"a stage in included", `{"data":[],"included":[` + stage + `]}`, `included[0] is of type "opportunityStage"`},
		{"included null", `{"data":[],"included":null}`, `"included" must be an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			s, c := newServer(t, mock.Options{StateFile: path})
			before := c.Get("/__admin/state").Body
			r := c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: tt.body})
			if r.Status != 400 || !strings.Contains(string(r.Body), strings.ReplaceAll(tt.says, `"`, `\"`)) {
				t.Errorf("%d %s, want 400 saying %s", r.Status, r.Body, tt.says)
			}
			if after := c.Get("/__admin/state").Body; string(before) != string(after) {
				t.Error("a refused state changed the sandbox")
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			_, again := newServer(t, mock.Options{StateFile: path})
			if after := again.Get("/__admin/state").Body; string(before) != string(after) {
				t.Error("a refused state reached the state file")
			}
		})
	}
	t.Run("empty data", func(t *testing.T) {
		_, c := newServer(t, mock.Options{})
		r := c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: `{"data":[]}`})
		if r.Status != 200 || c.Get(stages).Status != 200 || len(c.Get(stages).JSON["data"].([]any)) != 0 {
			t.Errorf("%d %s, want 200 and no stages left", r.Status, r.Body)
		}
		exported := c.Get("/__admin/state").Body
		if r := c.Do(apitest.Request{Method: "PUT", Target: "/__admin/state", Body: string(exported)}); r.Status != 200 {
			t.Errorf("the empty state's own export: %d %s, want 200", r.Status, r.Body)
		}
	})
}

func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, c := newServer(t, mock.Options{StateFile: path})
	c.Send("POST", stages, `{"data":{"type":"opportunityStage","attributes":{"name":"Persisted"}}}`)
	c.Do(deleteReq(2))
	if r := c.Do(apitest.Request{Method: "POST", Target: "/__admin/snapshot"}); r.Status != 200 {
		t.Fatalf("snapshot: %d %s", r.Status, r.Body)
	}
	want := c.Get("/__admin/state").Body
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, again := newServer(t, mock.Options{StateFile: path})
	if diff := cmp.Diff(string(want), string(again.Get("/__admin/state").Body)); diff != "" {
		t.Errorf("state after restart (-before +after):\n%s", diff)
	}
	if r := again.Get(stages + "/2"); r.Status != 404 {
		t.Errorf("deleted stage came back: %d", r.Status)
	}
}

// A state file of another shape than an export, which would load as no stages at all,
// stops start-up like a corrupt one and is kept as it is.
func TestStateFileOfAnotherShapeStopsStartup(t *testing.T) {
	for _, content := range []string{`null`, `{}`, `{"data":null}`, `{"data":[{"type":"user","id":5}]}`} {
		t.Run(content, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := mock.New(mock.Options{StateFile: path})
			if err == nil {
				s.Close()
				t.Fatal("started, want start-up refused")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not changed") {
				t.Errorf("err = %v, want a message naming the file", err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Errorf("the state file became %s", got)
			}
		})
	}
}

func TestCorruptStateFileStopsStartupAndIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	corrupt := []byte(`{"data":[{"type":"opportunityStage"`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := mock.New(mock.Options{StateFile: path})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not changed") {
		t.Fatalf("err = %v, want a clear message naming the file", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(corrupt) {
		t.Error("the corrupt state file was overwritten")
	}
	if _, err := mock.New(mock.Options{StateFile: filepath.Join(t.TempDir(), "absent.json")}); err != nil {
		t.Errorf("a missing state file should start from the seed: %v", err)
	}
}

// Readers see either the old file or the new one, whole, however often it is replaced.
func TestStateFileWritesAreAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	s, c := newServer(t, mock.Options{StateFile: path, Generate: 300})
	if err := s.SaveState(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var readErr error
	var reads int
	go func() {
		defer close(done)
		for range 60 {
			data, err := os.ReadFile(path)
			if err != nil {
				readErr = err
				return
			}
			if _, err := jsonapi.DecodeRecords(data); err != nil {
				readErr = fmt.Errorf("read %d bytes that do not load: %w", len(data), err)
				return
			}
			reads++
		}
	}()
	for i := 0; ; i++ {
		select {
		case <-done:
			if readErr != nil {
				t.Fatal(readErr)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 2 { // the state file and its log
				t.Errorf("temporary files left behind: %v", entries)
			}
			return
		default:
		}
		c.Send("PATCH", stages+"/1", fmt.Sprintf(`{"data":{"type":"opportunityStage","id":1,"attributes":{"name":"w%d"}}}`, i))
		if err := s.SaveState(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminToken(t *testing.T) {
	_, c := newServer(t, mock.Options{AdminToken: "secret"})
	// RFC 6750 section 3: a 401 for a Bearer-protected resource says which scheme it takes.
	const challenge = `Bearer realm="oppstages admin"`
	for _, token := range []string{"-", "wrong"} {
		r := c.Do(apitest.Request{Method: "GET", Target: "/__admin/health", Token: token})
		if r.Status != 401 || r.Header.Get("WWW-Authenticate") != challenge {
			t.Errorf("admin token %q: %d with WWW-Authenticate %q, want 401 with %q", token, r.Status, r.Header.Get("WWW-Authenticate"), challenge)
		}
	}
	if r := c.Do(apitest.Request{Method: "GET", Target: "/__admin/health", Token: "secret"}); r.Status != 200 || r.JSON["status"] != "ok" {
		t.Errorf("admin token: %d %s", r.Status, r.Body)
	}
	if r := c.Do(apitest.Request{Method: "GET", Target: "/__admin/nope", Token: "secret"}); r.Status != 404 {
		t.Errorf("unknown admin endpoint: %d", r.Status)
	}
}

func TestDroppedConnection(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	postFault(t, c, "", `{"path":"/api/v2/opportunityStages/1","drop":true,"times":1}`)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+stages+"/1", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := srv.Client().Do(req)
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("got %d %s, want the connection dropped", resp.StatusCode, body)
	}
	if r := c.Get(stages + "/1"); r.Status != 200 {
		t.Errorf("after the one drop: %d", r.Status)
	}
	entries := c.Get("/__admin/requests").JSON["requests"].([]any)
	if e := entries[0].(map[string]any); e["status"] != 0.0 || e["fault"] != "rule 1" {
		t.Errorf("journal entry for the drop: %v", e)
	}
}

// TestHelperSaveLoop is not a test: TestStateFileSurvivesKill runs it in a child process
// that saves the state file over and over until it is killed.
func TestHelperSaveLoop(t *testing.T) {
	path := os.Getenv("OPPSTAGES_SAVE_LOOP")
	if path == "" {
		t.Skip("only runs as TestStateFileSurvivesKill's child")
	}
	s, c := newServer(t, mock.Options{StateFile: path, Generate: 3000})
	for i := 0; ; i++ {
		c.Send("PATCH", stages+"/1", fmt.Sprintf(`{"data":{"type":"opportunityStage","id":1,"attributes":{"name":"save %d"}}}`, i))
		if err := s.SaveState(); err != nil {
			t.Fatal(err)
		}
	}
}

// A process killed at any moment while it saves leaves a state file that loads whole.
func TestStateFileSurvivesKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSaveLoop$")
		cmd.Env = append(os.Environ(), "OPPSTAGES_SAVE_LOOP="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until it has saved at least once, then a little more, then kill it.
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(path); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(20+round*37) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		s, err := mock.New(mock.Options{StateFile: path})
		if err != nil {
			t.Fatalf("round %d: the state file does not load after a kill: %v", round, err)
		}
		if s.Len() != 3008 {
			t.Fatalf("round %d: %d stages loaded, want 3008", round, s.Len())
		}
		if err := s.Close(); err != nil { // let the next round's child take the state file
			t.Fatal(err)
		}
	}
}
