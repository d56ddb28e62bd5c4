package mock_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/oppstages/oppstages/mock"
)

var soakFor = flag.Duration("soak", 2*time.Second, "how long TestSoak runs (make soak runs it for 10m)")

// soakBox tracks what one sandbox should hold. Each record is patched and deleted only by
// the worker that created it, so its final state is known; walks race with all of them.
type soakBox struct {
	name  string
	mu    sync.Mutex
	born  map[int64]time.Time // acknowledged creates, at acknowledgement
	gone  map[int64]time.Time // deletes, at the moment they were sent
	names map[int64]string    // last acknowledged name
	walks int
}

type soakClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *soakClient) do(box, method, path, body string) (int, []byte) {
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer soak")
	req.Header.Set("X-Mock-Sandbox", box)
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

type soakPage struct {
	Data []struct {
		ID         int64 `json:"id"`
		Attributes struct {
			Name *string `json:"name"`
		} `json:"attributes"`
	} `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// walk pages through a sandbox with a sort on keys that never change, and checks that the
// records present for the whole walk are seen exactly once.
func (c *soakClient) walk(b *soakBox, rng *rand.Rand) {
	sorts := []string{"", "&sort=createdAt", "&sort=-id"}
	path := fmt.Sprintf("/api/v2/opportunityStages?page%%5Bsize%%5D=%d%s", 1+rng.IntN(20), sorts[rng.IntN(len(sorts))])
	start := time.Now()
	seen := map[int64]int{}
	for pages := 0; path != ""; pages++ {
		status, body := c.do(b.name, "GET", path, "")
		if status != 200 {
			c.t.Errorf("walk: %d %s", status, body)
			return
		}
		var p soakPage
		if err := json.Unmarshal(body, &p); err != nil {
			c.t.Errorf("walk: %v", err)
			return
		}
		for _, d := range p.Data {
			seen[d.ID]++
		}
		path = ""
		if p.Links.Next != "" {
			path = p.Links.Next[len("http://soak.test"):]
		}
	}
	end := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.walks++
	for id, n := range seen {
		if n > 1 {
			c.t.Errorf("%s: record %d seen %d times in one walk", b.name, id, n)
		}
	}
	for id, born := range b.born {
		gone, deleted := b.gone[id]
		if born.Before(start) && (!deleted || gone.After(end)) && seen[id] != 1 {
			c.t.Errorf("%s: record %d, present for the whole walk, seen %d times", b.name, id, seen[id])
		}
	}
}

func (c *soakClient) work(b *soakBox, rng *rand.Rand, until time.Time) {
	var mine []int64
	for time.Now().Before(until) && !c.t.Failed() {
		switch op := rng.IntN(10); {
		case op < 4 || len(mine) == 0:
			name := fmt.Sprintf("soak %d", rng.Int64())
			status, body := c.do(b.name, "POST", "/api/v2/opportunityStages",
				fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q,"order":%d}}}`, name, rng.IntN(100)))
			if status != 201 {
				c.t.Errorf("create: %d %s", status, body)
				return
			}
			var doc struct {
				Data struct {
					ID int64 `json:"id"`
				} `json:"data"`
			}
			json.Unmarshal(body, &doc)
			b.mu.Lock()
			b.born[doc.Data.ID], b.names[doc.Data.ID] = time.Now(), name
			b.mu.Unlock()
			mine = append(mine, doc.Data.ID)
		case op < 6:
			id := mine[rng.IntN(len(mine))]
			name := fmt.Sprintf("patched %d", rng.Int64())
			status, body := c.do(b.name, "PATCH", fmt.Sprintf("/api/v2/opportunityStages/%d", id),
				fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":%q}}}`, id, name))
			if status != 200 {
				c.t.Errorf("patch %d: %d %s", id, status, body)
				return
			}
			b.mu.Lock()
			b.names[id] = name
			b.mu.Unlock()
		case op < 7:
			i := rng.IntN(len(mine))
			id := mine[i]
			mine = append(mine[:i], mine[i+1:]...)
			b.mu.Lock()
			b.gone[id] = time.Now()
			b.mu.Unlock()
			if status, body := c.do(b.name, "DELETE", fmt.Sprintf("/api/v2/opportunityStages/%d", id), ""); status != 204 {
				c.t.Errorf("delete %d: %d %s", id, status, body)
				return
			}
		default:
			c.walk(b, rng)
		}
	}
}

// TestSoak runs many clients against several sandboxes at once (for -soak, 2s by default):
// every acknowledged write is there at the end, nothing else is, every walk is free of
// skips and repeats, and memory returns to its baseline after a reset.
func TestSoak(t *testing.T) {
	m, err := mock.New(mock.Options{BaseURL: "http://soak.test", RateLimit: -1, Generate: 200})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c := &soakClient{t: t, base: srv.URL, http: srv.Client()}
	baseline := heapInUse()

	const sandboxes, workersPerBox = 4, 4
	boxes := make([]*soakBox, sandboxes)
	until := time.Now().Add(*soakFor)
	var wg sync.WaitGroup
	for i := range boxes {
		boxes[i] = &soakBox{name: fmt.Sprintf("soak-%d", i), born: map[int64]time.Time{}, gone: map[int64]time.Time{}, names: map[int64]string{}}
		for w := range workersPerBox {
			wg.Go(func() { c.work(boxes[i], rand.New(rand.NewPCG(uint64(i), uint64(w))), until) })
		}
	}
	wg.Wait()

	for _, b := range boxes {
		want := map[int64]string{}
		for id, name := range b.names {
			if _, deleted := b.gone[id]; !deleted {
				want[id] = name
			}
		}
		got := map[int64]string{}
		path := "/api/v2/opportunityStages?page%5Bsize%5D=1000&filter%5Bid%5D=209..inf"
		for path != "" {
			status, body := c.do(b.name, "GET", path, "")
			if status != 200 {
				t.Fatalf("final list: %d", status)
			}
			var p soakPage
			json.Unmarshal(body, &p)
			for _, d := range p.Data {
				got[d.ID] = *d.Attributes.Name
			}
			path = ""
			if p.Links.Next != "" {
				path = p.Links.Next[len("http://soak.test"):]
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s holds %d records, want %d", b.name, len(got), len(want))
		}
		for id, name := range want {
			if got[id] != name {
				t.Errorf("%s: record %d is %q, want %q", b.name, id, got[id], name)
			}
		}
		for id := range got {
			if _, ok := want[id]; !ok {
				t.Errorf("%s: record %d was never acknowledged", b.name, id)
			}
		}
		t.Logf("%s: %d creates, %d deletes, %d walks", b.name, len(b.born), len(b.gone), b.walks)
		if status, _ := c.do(b.name, "POST", "/__admin/reset", ""); status != 200 {
			t.Errorf("reset %s: %d", b.name, status)
		}
	}
	srv.Client().CloseIdleConnections()
	if after := heapInUse(); after > baseline+baseline/2+4<<20 {
		t.Errorf("heap after reset %d MiB, baseline %d MiB", after>>20, baseline>>20)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}
