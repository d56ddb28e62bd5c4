package mock_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/mock"
)

// Many goroutines create, patch and delete at once; afterwards every acknowledged write is
// visible and nothing else is.
func TestConcurrentWrites(t *testing.T) {
	_, c := newServer(t, mock.Options{})
	const workers, each = 16, 20
	var mu sync.Mutex
	want := map[int64]string{} // id -> name, for stages that should remain
	for id := int64(1); id <= 8; id++ {
		want[id] = ""
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := c.Send("POST", stages, fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":"w%d-%d","order":%d}}}`, w, i, i))
				if r.Status != http.StatusCreated {
					t.Errorf("create: %d", r.Status)
					return
				}
				var st stage
				r.Data(t, &st)
				name := fmt.Sprintf("w%d-%d", w, i)
				if i%3 == 0 {
					name += "-patched"
					p := c.Send("PATCH", fmt.Sprintf("%s/%d", stages, st.ID), fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":%q}}}`, st.ID, name))
					if p.Status != http.StatusOK {
						t.Errorf("patch: %d", p.Status)
					}
				}
				deleted := i%4 == 0 && c.Do(deleteReq(st.ID)).Status == http.StatusNoContent
				mu.Lock()
				if !deleted {
					want[st.ID] = name
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	doc := decodeList(t, c.Get(listTarget("page[size]", "1000")))
	got := map[int64]string{}
	for _, st := range doc.Data {
		name := ""
		if st.ID > 8 {
			name = *st.Attributes.Name
		}
		got[st.ID] = name
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("state after concurrent writes (-want +got):\n%s", diff)
	}
	seen := map[int64]bool{}
	for _, st := range doc.Data {
		if seen[st.ID] {
			t.Errorf("id %d given out twice", st.ID)
		}
		seen[st.ID] = true
	}
}
