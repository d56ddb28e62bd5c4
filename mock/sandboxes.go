package mock

import (
	"container/list"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/store"
)

// sandbox is one isolated copy of the mock's state with its own rate limits, fault rules,
// request journal and settings. The default sandbox has the empty name.
type sandbox struct {
	name    string
	limiter *rateScope
	faults  faultSet
	expired expiredSet // the tokens fault rules expired
	journal *journal.Journal
	// violations counts the ways the upstream's exchanges broke openapi.yaml.
	violations atomic.Int64

	state    *store.Store             // set before the sandbox serves; never replaced
	settings atomic.Pointer[Settings] // read by every request without a lock; replaced whole

	mu  sync.Mutex // guards rng, and makes changes to settings one at a time
	rng *rand.Rand // chaos: probability, latency and error-rate draws
}

func (s *Server) newSandbox(name string) *sandbox {
	h := fnv.New64a()
	h.Write([]byte(name))
	settings := s.initial
	b := &sandbox{
		name:    name,
		limiter: s.limiter.scope(settings.RateLimit, settings.RateWindow.D),
		faults:  faultSet{budget: s.faultBytes},
		journal: s.journals.New(s.opts.MaxJournal, s.opts.MaxJournalBytes),
		state:   s.seed.Clone(),
		rng:     rand.New(rand.NewPCG(s.opts.Seed, h.Sum64())),
	}
	if name != "" {
		// The default sandbox is one, bounded by MaxStages; named ones are many, and what
		// they hold beyond the seed shares one budget.
		b.state = s.seed.CloneWithin(s.states)
	}
	b.settings.Store(&settings)
	return b
}

func (b *sandbox) store() *store.Store { return b.state }

// replace makes the sandbox hold st's records; with a state file, durably.
func (b *sandbox) replace(st *store.Store) error {
	return b.store().ReplaceWith(st)
}

func (b *sandbox) currentSettings() Settings { return *b.settings.Load() }

// patchSettings applies p to the current settings, in one step, unless the result is out
// of range.
func (b *sandbox) patchSettings(p SettingsPatch) (Settings, error) {
	b.mu.Lock()
	next := p.apply(*b.settings.Load())
	if err := next.check(); err != nil {
		b.mu.Unlock()
		return Settings{}, err
	}
	b.settings.Store(&next)
	b.mu.Unlock()
	b.limiter.configure(next.RateLimit, next.RateWindow.D)
	return next, nil
}

// float draws from the sandbox's seeded generator.
func (b *sandbox) float() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rng.Float64()
}

func (b *sandbox) intN(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rng.IntN(n)
}

func (b *sandbox) latency(l Latency) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return int64(l.draw(b.rng))
}

// reset puts the sandbox back to the seed state and clears its journal, faults, limits
// and settings.
func (s *Server) resetSandbox(b *sandbox) error {
	if err := b.replace(s.seed); err != nil {
		return err
	}
	b.mu.Lock()
	initial := s.initial
	b.settings.Store(&initial)
	b.mu.Unlock()
	b.limiter.configure(s.initial.RateLimit, s.initial.RateWindow.D)
	b.limiter.reset()
	b.faults.clear()
	b.expired.clear()
	b.journal.Clear()
	b.violations.Store(0)
	return nil
}

// release gives back at once what the sandbox holds of the budgets all sandboxes share
// (journals, fault rules, records): for a sandbox being dropped. A request still using it
// may write to it, uncharged, until it ends.
func (b *sandbox) release() {
	b.journal.Clear()
	b.faults.release()
	b.expired.clear()
	b.state.Release()
}

var sandboxName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// sandboxes holds the named sandboxes, evicting the least recently used beyond a limit.
type sandboxes struct {
	mu      sync.Mutex
	limit   int
	byName  map[string]*list.Element // of *sandbox
	recent  *list.List               // most recently used first
	evicted int
}

func newSandboxes(limit int) *sandboxes {
	return &sandboxes{limit: limit, byName: map[string]*list.Element{}, recent: list.New()}
}

// get returns the named sandbox, creating it with create on first use.
func (ss *sandboxes) get(name string, create func(string) *sandbox) (*sandbox, *oppstages.Error) {
	if !sandboxName.MatchString(name) {
		return nil, oppstages.Errorf(oppstages.CodeMockBadHeader,
			"X-Mock-Sandbox must be 1 to 64 letters, digits, '.', '_' or '-'.")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if el, ok := ss.byName[name]; ok {
		ss.recent.MoveToFront(el)
		return el.Value.(*sandbox), nil
	}
	b := create(name)
	ss.byName[name] = ss.recent.PushFront(b)
	for ss.recent.Len() > ss.limit {
		oldest := ss.recent.Back()
		ss.recent.Remove(oldest)
		gone := oldest.Value.(*sandbox)
		delete(ss.byName, gone.name)
		gone.release()
		ss.evicted++
	}
	return b, nil
}

func (ss *sandboxes) stats() (count, evicted int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.recent.Len(), ss.evicted
}

// list returns the named sandboxes, most recently used first.
func (ss *sandboxes) list() []*sandbox {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]*sandbox, 0, ss.recent.Len())
	for el := ss.recent.Front(); el != nil; el = el.Next() {
		out = append(out, el.Value.(*sandbox))
	}
	return out
}
