package mock_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

var (
	seedAt = time.Date(2025, 2, 3, 4, 5, 6, 789_000_000, time.UTC)
	owner  = oppstages.User{ID: 40, FirstName: "Ola", LastName: "Nordmann", Email: "ola@example.com", Username: "ola", CreatedAt: seedAt, UpdatedAt: seedAt}
)

func typedStage(id int64, name string, order int64, creator int64) oppstages.Stage {
	closed := false
	return oppstages.Stage{ID: id, Name: &name, Order: &order, IsClosed: &closed, CreatorID: creator, CreatedAt: seedAt, UpdatedAt: seedAt}
}

func sandbox(t *testing.T, s *mock.Server, name string) *mock.Sandbox {
	t.Helper()
	sb, err := s.Sandbox(name)
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// Options.Stages and Options.Users seed the server in place of the fixtures: the API
// serves them, creates are made by the user with the lowest id under the next id, and
// Generate adds to them.
func TestOptionsSeedTypedData(t *testing.T) {
	seed := []oppstages.Stage{typedStage(30, "Thirty", 2, 40), typedStage(10, "Ten", 1, 0)}
	s, c := newServer(t, mock.Options{Stages: seed, Users: []oppstages.User{owner, {ID: 41, FirstName: "Kari"}}})
	sb := sandbox(t, s, "")
	if diff := cmp.Diff([]oppstages.Stage{seed[1], seed[0]}, sb.List()); diff != "" {
		t.Errorf("seeded stages (-want +got):\n%s", diff)
	}
	if s.Len() != 2 || sb.Len() != 2 {
		t.Errorf("Len: server %d, sandbox %d; want 2", s.Len(), sb.Len())
	}
	if r := c.Get(stages + "/30?include=creator"); r.Status != 200 || !strings.Contains(string(r.Body), `"name":"Thirty"`) || !strings.Contains(string(r.Body), `"firstName":"Ola"`) {
		t.Errorf("GET a seeded stage with its creator: %d %s", r.Status, r.Body)
	}
	created := c.Send("POST", stages, fmt.Sprintf(stageBody, "Made through the API", 3))
	mustStatus(t, created, 201)
	if !strings.Contains(string(created.Body), `"id":31`) || !strings.Contains(string(created.Body), `"type":"user","id":40`) {
		t.Errorf("a create after the typed seed: want id 31 made by user 40\n%s", created.Body)
	}
	generated, err := mock.New(mock.Options{Stages: seed, Users: []oppstages.User{owner}, Generate: 5})
	if err != nil {
		t.Fatal(err)
	}
	if generated.Len() != 7 {
		t.Errorf("Generate 5 on two typed stages: %d stages, want 7", generated.Len())
	}
	empty, err := mock.New(mock.Options{Stages: []oppstages.Stage{}})
	if err != nil || empty.Len() != 0 {
		t.Errorf("an empty Stages: %v, %d stages; want none", err, empty.Len())
	}
}

// A seed New cannot serve is refused, naming the option, the record and the field.
func TestOptionsRefuseABadSeed(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name string
		opts mock.Options
		want string
	}{
		{"a creator not among the users", mock.Options{Stages: []oppstages.Stage{typedStage(1, "One", 1, 99)}}, "options: Stages: stage 1: CreatorID"},
		{"the fixtures' creators not among the users", mock.Options{Users: []oppstages.User{owner}}, "options: Stages: stage 1: CreatorID"},
		{"two stages with one id", mock.Options{Stages: []oppstages.Stage{typedStage(2, "A", 1, 0), typedStage(2, "B", 2, 0)}}, "stage 2: ID"},
		{"a name the API refuses", mock.Options{Stages: []oppstages.Stage{typedStage(3, long, 1, 0)}}, "stage 3: Name"},
		{"a user id of 0", mock.Options{Users: []oppstages.User{{ID: 0}}}, "options: Users: user 0: ID"},
		{"two users with one id", mock.Options{Stages: []oppstages.Stage{}, Users: []oppstages.User{owner, owner}}, "user 40: ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mock.New(tt.opts)
			if !errors.Is(err, mock.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want ErrInvalid saying %q", err, tt.want)
			}
		})
	}
}

// Put creates a stage or replaces the one with its id; Stage reads it back, List lists
// every stage in id order, the API serves what Put stored, and a later create takes an id
// above every stage put.
func TestPutStageAndList(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	sb := sandbox(t, s, "")
	replaced, added := typedStage(2, "Qualified", 2, 1), typedStage(50, "Added", 9, 2)
	if err := sb.Put(added, replaced); err != nil {
		t.Fatal(err)
	}
	for _, want := range []oppstages.Stage{replaced, added} {
		got, err := sb.Stage(want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Stage(%d) (-put +read):\n%s", want.ID, diff)
		}
		if r := c.Get(fmt.Sprintf("%s/%d", stages, want.ID)); !strings.Contains(string(r.Body), fmt.Sprintf("%q:%q", "name", *want.Name)) {
			t.Errorf("the API does not serve what Put stored: %s", r.Body)
		}
	}
	list := sb.List()
	if len(list) != 9 || sb.Len() != 9 {
		t.Fatalf("List holds %d stages and Len says %d, want the 8 of the fixtures and one added", len(list), sb.Len())
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].ID >= list[i].ID {
			t.Errorf("List is not in id order: %d before %d", list[i-1].ID, list[i].ID)
		}
	}
	if list[1].ID != 2 || *list[1].Name != "Qualified" {
		t.Errorf("List shows stage 2 as %+v, want the replacement", list[1])
	}
	created := c.Send("POST", stages, fmt.Sprintf(stageBody, "After the put", 1))
	mustStatus(t, created, 201)
	if !strings.Contains(string(created.Body), `"id":51`) {
		t.Errorf("a create after Put of stage 50 did not take id 51: %s", created.Body)
	}
}

// A stage the sandbox does not hold is ErrNotFound.
func TestStageNotFound(t *testing.T) {
	s, _ := newServer(t, mock.Options{})
	sb := sandbox(t, s, "ci")
	for _, id := range []int64{0, 9, -1, oppstages.MaxID + 1} {
		if _, err := sb.Stage(id); !errors.Is(err, mock.ErrNotFound) || !strings.Contains(err.Error(), fmt.Sprint(id)) {
			t.Errorf("Stage(%d): %v, want ErrNotFound naming the id", id, err)
		}
	}
}

// Put refuses what the API refuses: where the API answers a create with 422, Put returns
// ErrInvalid naming the field; what the API takes, Put takes. A refused Put stores none
// of its stages.
func TestPutChecksAsTheAPIDoes(t *testing.T) {
	valid := typedStage(60, "Valid", 1, 1)
	tests := []struct {
		name  string
		edit  func(*oppstages.Stage)
		field string // "" when Put takes the stage
		body  string // the same attributes as a create, for the API; "" when there is no such request
	}{
		{"a name of 255 characters", func(st *oppstages.Stage) { st.Name = strp(strings.Repeat("é", 255)) }, "",
			fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q}}}`, strings.Repeat("é", 255))},
		{"a name of 256 characters", func(st *oppstages.Stage) { st.Name = strp(strings.Repeat("n", 256)) }, "Name",
			fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q}}}`, strings.Repeat("n", 256))},
		{"a colour of 256 characters", func(st *oppstages.Stage) { st.Color = strp(strings.Repeat("c", 256)) }, "Color",
			fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"color":%q}}}`, strings.Repeat("c", 256))},
		{"null attributes", func(st *oppstages.Stage) { st.Name, st.Order, st.IsClosed = nil, nil, nil }, "",
			`{"data":{"type":"opportunityStage","attributes":{"name":null,"order":null,"isClosed":null,"color":null}}}`},
		{"id 0", func(st *oppstages.Stage) { st.ID = 0 }, "ID", ""},
		{"an id past the largest", func(st *oppstages.Stage) { st.ID = oppstages.MaxID + 1 }, "ID", ""},
		{"the largest id", func(st *oppstages.Stage) { st.ID = oppstages.MaxID }, "", ""},
		{"a creator who is no user", func(st *oppstages.Stage) { st.CreatorID = 77 }, "CreatorID", ""},
		{"a name that is not UTF-8", func(st *oppstages.Stage) { st.Name = strp("bad \xff") }, "Name", ""},
		{"a timestamp past the year 9999", func(st *oppstages.Stage) { st.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "UpdatedAt", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newServer(t, mock.Options{})
			sb := sandbox(t, s, "")
			if tt.body != "" {
				r := c.Send("POST", stages, tt.body)
				if refused := r.Status == 422; refused != (tt.field != "") {
					t.Fatalf("the API answers %d to the same attributes; the case says refused %v\n%s", r.Status, tt.field != "", r.Body)
				}
				s.Reset()
			}
			st := valid
			tt.edit(&st)
			err := sb.Put(typedStage(61, "Stored only with the other", 2, 0), st)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Put: %v, want it taken", err)
				}
				return
			}
			ie, ok := errors.AsType[*mock.InputError](err)
			if !errors.Is(err, mock.ErrInvalid) || !ok || ie.Field != tt.field {
				t.Fatalf("Put: %v, want ErrInvalid naming %s", err, tt.field)
			}
			if sb.Len() != 8 {
				t.Errorf("a refused Put stored stages: %d, want the 8 of the fixtures", sb.Len())
			}
		})
	}
}

// A Put beyond MaxStages, or beyond what named sandboxes may hold together, is ErrLimit
// and stores nothing.
func TestPutWithinLimits(t *testing.T) {
	s, _ := newServer(t, mock.Options{MaxStages: 9, MaxStateBytesTotal: 4096})
	main := sandbox(t, s, "")
	if err := main.Put(typedStage(20, "Ninth", 1, 0), typedStage(21, "Tenth", 2, 0)); !errors.Is(err, mock.ErrLimit) {
		t.Errorf("two stages past MaxStages: %v, want ErrLimit", err)
	}
	if err := main.Put(typedStage(1, "Replaced", 1, 0), typedStage(20, "Ninth", 1, 0)); err != nil {
		t.Errorf("a replace and one stage up to MaxStages: %v", err)
	}
	named := sandbox(t, s, "ci")
	big := []oppstages.Stage{typedStage(30, strings.Repeat("b", 250), 1, 0), typedStage(31, strings.Repeat("b", 250), 1, 0)}
	for i := range 20 {
		big = append(big, typedStage(int64(32+i), strings.Repeat("b", 250), 1, 0))
	}
	if err := named.Put(big[:1]...); err != nil {
		t.Fatal(err)
	}
	if err := named.Put(big...); !errors.Is(err, mock.ErrLimit) {
		t.Errorf("stages past MaxStateBytesTotal: %v, want ErrLimit", err)
	}
	if named.Len() != 9 {
		t.Errorf("the refused Put left %d stages, want 9", named.Len())
	}
}

// What Put stores and what Stage and List return are copies: a change through a pointer
// of either side reaches neither the sandbox nor another caller.
func TestPutAndReadKeepCopies(t *testing.T) {
	s, _ := newServer(t, mock.Options{})
	sb := sandbox(t, s, "")
	put := typedStage(70, "Kept", 1, 0)
	if err := sb.Put(put); err != nil {
		t.Fatal(err)
	}
	*put.Name = "Changed after the put"
	read, err := sb.Stage(70)
	if err != nil {
		t.Fatal(err)
	}
	*read.Name = "Changed after the read"
	*sb.List()[8].Order = 99
	if again, _ := sb.Stage(70); *again.Name != "Kept" || *again.Order != 1 {
		t.Errorf("stage 70 is now %q, order %d; want Kept, order 1", *again.Name, *again.Order)
	}
}

// Puts from many goroutines at once, beside API writes and reads, store every stage
// once (under -race: without a data race).
func TestConcurrentPuts(t *testing.T) {
	s, c := newServer(t, mock.Options{})
	sb := sandbox(t, s, "")
	const writers, each = 8, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := int64(100 + w*each + i)
				if err := sb.Put(typedStage(id, fmt.Sprintf("Writer %d", w), int64(i), 1), typedStage(1, fmt.Sprintf("Contended by %d", w), 1, 1)); err != nil {
					t.Error(err)
					return
				}
				if _, err := sb.Stage(id); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range each {
			c.Do(apitest.Request{Method: "GET", Target: stages + "?sort=-order&page%5Bsize%5D=5"})
			_ = sb.List()
		}
	})
	wg.Wait()
	if got := sb.Len(); got != 8+writers*each {
		t.Errorf("%d stages, want %d", got, 8+writers*each)
	}
	if one, _ := sb.Stage(1); !strings.HasPrefix(*one.Name, "Contended by ") {
		t.Errorf("stage 1 is %q, want one writer's", *one.Name)
	}
}

// With a state file, a Put is on disk when it returns: a server that never closes is
// followed by one that holds it.
func TestPutIsDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s, _ := newServer(t, mock.Options{StateFile: path})
	want := typedStage(80, "Durable", 4, 1)
	if err := sandbox(t, s, "").Put(want); err != nil {
		t.Fatal(err)
	}
	again, _ := newServer(t, mock.Options{StateFile: afterCrash(t, path)})
	got, err := sandbox(t, again, "").Stage(80)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after a restart (-put +recovered):\n%s", diff)
	}
}

// Put fills in a zero CreatedAt from the server's clock and a zero UpdatedAt from the
// CreatedAt, and keeps timestamps in UTC to the millisecond, as the API does.
func TestPutSetsTimestampsAsTheAPIKeepsThem(t *testing.T) {
	s, _ := newServer(t, mock.Options{})
	sb := sandbox(t, s, "")
	name := "Timed"
	oslo := time.FixedZone("Oslo", 3600)
	if err := sb.Put(oppstages.Stage{ID: 90, Name: &name}, oppstages.Stage{ID: 91, CreatedAt: time.Date(2025, 5, 6, 7, 8, 9, 123_456_789, oslo)}); err != nil {
		t.Fatal(err)
	}
	zero, _ := sb.Stage(90)
	if want := epoch.Add(123 * time.Millisecond); !zero.CreatedAt.Equal(want) || !zero.UpdatedAt.Equal(want) {
		t.Errorf("zero timestamps became %v and %v, want the clock's %v for both", zero.CreatedAt, zero.UpdatedAt, want)
	}
	given, _ := sb.Stage(91)
	if want := time.Date(2025, 5, 6, 6, 8, 9, 123_000_000, time.UTC); given.CreatedAt != want || given.UpdatedAt != want {
		t.Errorf("timestamps %v and %v, want %v for both", given.CreatedAt, given.UpdatedAt, want)
	}
}
