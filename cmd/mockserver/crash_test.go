package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

var (
	crashKills   = flag.Int("crash-kills", 8, "how many times TestCrashLosesNoAcknowledgedWrite kills the server")
	crashWriters = flag.Int("crash-writers", 4, "concurrent writers in TestCrashLosesNoAcknowledgedWrite")
	crashSeed    = flag.Uint64("crash-seed", 0, "seed for the kill moments and writes (0: from the clock)")
)

// TestCrashLosesNoAcknowledgedWrite runs mockserver -state in a child process, has
// concurrent writers create, rename and delete stages through HTTP, and kills the child
// with SIGKILL at a random moment, again and again. After every restart each acknowledged
// write is there with its acknowledged content; a write in flight at the kill is there
// whole or not at all; nothing else appears. Some kills land during start-up, while the
// log is replayed and folded into the state file.
//
//	go test ./cmd/mockserver -run Crash -crash-kills 500 -v   # a longer run
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, 16))
	path := filepath.Join(t.TempDir(), "state.json")
	writers := make([]*crashWriter, *crashWriters)
	for i := range writers {
		writers[i] = &crashWriter{n: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), owned: map[int64]stageWant{}, deleted: map[int64]bool{}}
	}
	var seedStages map[int64]stageWant
	checked := 0
	for kill := 0; kill <= *crashKills; kill++ {
		child := startChild(t, path)
		if kill > 0 && kill%3 == 0 {
			// Kill it while it starts: replaying, writing the snapshot, emptying the log.
			time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			child.kill()
			continue
		}
		base, err := child.waitReady()
		if err != nil {
			t.Fatalf("seed %d, kill %d: %v", seed, kill, err)
		}
		stages, err := listAll(base)
		if err != nil {
			t.Fatalf("seed %d, kill %d: %v", seed, kill, err)
		}
		if seedStages == nil {
			seedStages = stages
		}
		checked += verify(t, seed, kill, stages, seedStages, writers)
		if kill == *crashKills {
			child.kill()
			break
		}
		var wg sync.WaitGroup
		for _, w := range writers {
			wg.Go(func() { w.run(t, base) })
		}
		time.Sleep(time.Duration(30+rng.IntN(270)) * time.Millisecond)
		child.kill()
		wg.Wait()
	}
	t.Logf("seed %d: %d kills, %d acknowledged writes checked after restarts", seed, *crashKills, checked)
}

type stageWant struct {
	Name  string
	Order int64
}

type crashOp struct {
	kind string // create, update, delete
	id   int64
	want stageWant
}

// crashWriter owns the stages it creates; no other writer touches them, so it knows
// exactly what each must hold.
type crashWriter struct {
	n        int
	rng      *rand.Rand
	owned    map[int64]stageWant // acknowledged content
	ids      []int64             // the keys of owned, to pick from
	deleted  map[int64]bool      // acknowledged deletes
	inflight *crashOp            // sent when the server died; outcome unknown
	acked    int                 // acknowledged writes not yet checked
	seq      int
}

// run writes until the server goes away.
func (w *crashWriter) run(t *testing.T, base string) {
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		w.seq++
		want := stageWant{Name: fmt.Sprintf("w%d-%d", w.n, w.seq), Order: int64(w.rng.IntN(1000))}
		op := &crashOp{kind: "create", want: want}
		if r := w.rng.IntN(10); len(w.ids) > 0 && r >= 5 {
			op.id = w.ids[w.rng.IntN(len(w.ids))]
			op.kind = "update"
			if r >= 8 {
				op.kind = "delete"
			}
		}
		w.inflight = op
		status, body, err := send(client, base, op)
		if err != nil {
			return // the server died: the outcome of op is unknown
		}
		switch {
		case op.kind == "create" && status == 201:
			var doc struct {
				Data struct{ ID int64 } `json:"data"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Errorf("create answer: %v", err)
				return
			}
			w.owned[doc.Data.ID] = want
			w.ids = append(w.ids, doc.Data.ID)
		case op.kind == "update" && status == 200:
			w.owned[op.id] = want
		case op.kind == "delete" && status == 204:
			w.forget(op.id)
			w.deleted[op.id] = true
		default:
			t.Errorf("%s %d: status %d: %s", op.kind, op.id, status, body)
			return
		}
		w.inflight = nil
		w.acked++
	}
}

func (w *crashWriter) forget(id int64) {
	delete(w.owned, id)
	w.ids = slices.DeleteFunc(w.ids, func(x int64) bool { return x == id })
}

func send(client *http.Client, base string, op *crashOp) (int, []byte, error) {
	attrs := fmt.Sprintf(`"attributes":{"name":%q,"order":%d}`, op.want.Name, op.want.Order)
	var req *http.Request
	switch op.kind {
	case "create":
		req, _ = http.NewRequest("POST", base+"/api/v2/opportunityStages",
			bytes.NewBufferString(`{"data":{"type":"opportunityStage",`+attrs+`}}`))
	case "update":
		req, _ = http.NewRequest("PATCH", base+"/api/v2/opportunityStages/"+strconv.FormatInt(op.id, 10),
			bytes.NewBufferString(fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,%s}}`, op.id, attrs)))
	default:
		req, _ = http.NewRequest("DELETE", base+"/api/v2/opportunityStages/"+strconv.FormatInt(op.id, 10), nil)
	}
	req.Header.Set("Authorization", "Bearer crash")
	if req.Body != nil {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// verify compares the stages a restarted server holds with what the writers were told,
// settles the writes that were in flight by what is there, and returns how many
// acknowledged writes it checked.
func verify(t *testing.T, seed uint64, kill int, got, seedStages map[int64]stageWant, writers []*crashWriter) int {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Fatalf("seed %d, after kill %d: %s", seed, kill, fmt.Sprintf(format, args...))
	}
	explained := map[int64]bool{}
	for id, want := range seedStages {
		if got[id] != want {
			fail("seed stage %d is %+v, want %+v", id, got[id], want)
		}
		explained[id] = true
	}
	checked := 0
	for _, w := range writers {
		in := w.inflight
		for id, want := range w.owned {
			have, ok := got[id]
			explained[id] = true
			switch {
			case in != nil && in.id == id && in.kind == "update" && ok && have == in.want:
				w.owned[id] = have // the update in flight was made durable
			case in != nil && in.id == id && in.kind == "delete" && !ok:
				w.forget(id) // the delete in flight was made durable
				w.deleted[id] = true
			case !ok:
				fail("writer %d: acknowledged stage %d (%+v) is gone", w.n, id, want)
			case have != want:
				fail("writer %d: stage %d is %+v, acknowledged as %+v", w.n, id, have, want)
			}
		}
		for id := range w.deleted {
			if _, ok := got[id]; ok {
				fail("writer %d: stage %d was deleted (acknowledged) and is back", w.n, id)
			}
		}
		checked += w.acked
		w.acked = 0
	}
	for id, have := range got {
		if explained[id] {
			continue
		}
		// Only a create in flight may have left a stage nobody was told about, whole.
		adopted := false
		for _, w := range writers {
			if in := w.inflight; in != nil && in.kind == "create" && in.want == have {
				w.owned[id] = have
				w.ids = append(w.ids, id)
				w.inflight = nil
				adopted = true
				break
			}
		}
		if !adopted {
			fail("stage %d (%+v) appeared that no write was acknowledged for or in flight", id, have)
		}
	}
	for _, w := range writers {
		w.inflight = nil
	}
	return checked
}

// listAll walks every page of the default sandbox's stages.
func listAll(base string) (map[int64]stageWant, error) {
	out := map[int64]stageWant{}
	next := base + "/api/v2/opportunityStages?page%5Bsize%5D=1000"
	for next != "" {
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer crash")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Data []struct {
				ID         int64
				Attributes struct {
					Name  *string
					Order *int64
				}
			}
			Links struct{ Next string }
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return nil, fmt.Errorf("list: %d %v", resp.StatusCode, err)
		}
		for _, d := range doc.Data {
			var s stageWant
			if d.Attributes.Name != nil {
				s.Name = *d.Attributes.Name
			}
			if d.Attributes.Order != nil {
				s.Order = *d.Attributes.Order
			}
			out[d.ID] = s
		}
		next = doc.Links.Next
	}
	return out, nil
}

// child is mockserver running in a child process.
type child struct {
	kill   func()
	ready  chan string
	done   chan struct{} // stdout is closed: the child is gone
	stderr *syncBuffer
}

var listeningOn = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

func startChild(t *testing.T, statePath string) *child {
	t.Helper()
	cmd := mainCommand("-addr", "127.0.0.1:0", "-state", statePath, "-rate-limit", "0", "-log-format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{ready: make(chan string, 1), done: make(chan struct{}), stderr: &syncBuffer{}}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.kill = func() {
		cmd.Process.Kill() // SIGKILL: no shutdown, no final snapshot
		<-c.done
		cmd.Wait()
	}
	go func() {
		defer close(c.done)
		lines := bufio.NewScanner(stdout)
		lines.Buffer(nil, 1<<20)
		for lines.Scan() {
			if m := listeningOn.FindSubmatch(lines.Bytes()); m != nil {
				c.ready <- string(m[1])
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return c
}

// waitReady returns the child's URL once it serves.
func (c *child) waitReady() (string, error) {
	select {
	case url := <-c.ready:
		return url, nil
	case <-c.done:
		return "", fmt.Errorf("the server exited before serving: %s", c.stderr)
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("the server did not start")
	}
}
