package mock

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oppstages/oppstages/internal/budget"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/pathpattern"
)

// faults answers a token a rule expired with the gateway's 401, and otherwise applies
// the first fault rule that matches and fires.
func (s *Server) faults(x *exchange) *response {
	if x.revoked {
		return expiredToken(x, "expired token")
	}
	opID := ""
	if x.match != nil {
		opID = x.match.OperationID()
	}
	rule, ok := x.box.faults.fire(x.r.Method, x.r.URL.Path, opID, x.box.float)
	if !ok {
		return nil
	}
	x.fault = "rule " + itoa(rule.ID)
	if rule.Delay != nil {
		sleep(x.r.Context(), rule.Delay.D)
	}
	switch {
	case rule.Drop == DropBefore:
		x.injected, x.dropped = true, journal.DroppedBefore
		return &response{drop: true}
	case rule.Drop == DropAfter:
		x.injected, x.dropped = true, journal.DroppedAfter
		x.lostStatus = s.answerLost(x)
		return &response{drop: true}
	case rule.ExpireToken:
		token := bearerToken(x.r)
		if token == "" {
			resp := unauthorized(*cmp.Or(x.authErr, &jsonapi.ErrNoAuthorization))
			return &resp
		}
		x.box.expired.add(x.box.journal.CredentialHash(token))
		return expiredToken(x, x.fault)
	case rule.Status != 0:
		x.injected = true
		resp := s.faultResponse(x, rule)
		return &resp
	}
	return nil
}

// answerLost carries the request out as the answerer would, and returns the status of
// the answer, which no one will read: the connection is then closed without it. Nothing
// of the answer reaches the client, the upstream's included, nor what its links issued.
func (s *Server) answerLost(x *exchange) int {
	var resp response
	if s.upstream == nil && x.routeErr != nil {
		resp = fail(x.routeErr) // no operation to carry out
	} else {
		resp = s.answer(x, &lostAnswer{header: http.Header{}})
	}
	x.cursors, x.credentialExpired = nil, false
	return resp.status
}

// lostAnswer is where an answer that will be lost is written: nowhere.
type lostAnswer struct{ header http.Header }

func (w *lostAnswer) Header() http.Header         { return w.header }
func (w *lostAnswer) WriteHeader(int)             {}
func (w *lostAnswer) Write(p []byte) (int, error) { return len(p), nil }

// faultResponse is the answer a fault rule with a status gives.
func (s *Server) faultResponse(x *exchange, rule FaultRule) response {
	var resp response
	switch {
	case len(rule.Body) > 0:
		resp = response{status: rule.Status, contentType: mediaTypeFor(rule.Status), body: rule.Body}
	case rule.Example != "":
		fx := s.errors[rule.Example]
		fx.Status = rule.Status
		resp = s.fixtureResponse(x, fx)
	default:
		resp = s.errorForStatus(x, rule.Status)
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	for k, v := range rule.Headers {
		resp.header.Set(k, v)
	}
	if resp.status == http.StatusTooManyRequests && setsRetryAfter(rule) {
		s.agreeWithRetryAfter(resp.header)
	}
	s.addRetryAfter(x, &resp)
	return resp
}

// setsRetryAfter says the rule's own headers set Retry-After.
func setsRetryAfter(rule FaultRule) bool {
	for name := range rule.Headers {
		if strings.EqualFold(name, "Retry-After") {
			return true
		}
	}
	return false
}

// agreeWithRetryAfter makes the rate-limit headers of a 429 whose rule sets Retry-After
// say the same: nothing remains, and the window resets when Retry-After has passed (in
// Unix seconds, rounded up). They take the place of the limiter's own.
func (s *Server) agreeWithRetryAfter(h http.Header) {
	value := strings.TrimSpace(h.Get("Retry-After"))
	if value == "" {
		return
	}
	now := s.now()
	var reset time.Time
	if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 && n <= maxRetryAfter {
		reset = now.Add(time.Duration(n) * time.Second)
	} else if at, err := http.ParseTime(value); err == nil {
		reset = at
	} else {
		return // not a Retry-After a client can read: nothing to agree with
	}
	h.Set(headerRemaining, "0")
	h.Set(headerReset, strconv.FormatInt(unixCeil(reset), 10))
}

// maxRetryAfter bounds the Retry-After seconds read as a duration: about 68 years.
const maxRetryAfter = 1<<31 - 1

// faultSet is a sandbox's rules, tried in the order they were added.
type faultSet struct {
	mu     sync.Mutex
	rules  []*FaultRule
	nextID int
	// held is len(rules), kept under mu, so that a request can see there are no rules
	// without taking the lock.
	held atomic.Int32
	// bytes is what the rules hold, charged to budget, which all sandboxes' rules share
	// (nil: no budget).
	bytes  int64
	budget *budget.Budget
}

// Why add refuses a rule.
var (
	errTooManyRules = errors.New("the sandbox holds its limit of rules")
	errFaultBudget  = errors.New("the rules of all sandboxes hold their limit of bytes")
)

// add stores a rule and gives it an id, unless the set already holds limit rules or the
// budget has no room for it.
func (f *faultSet) add(r FaultRule, limit int) (FaultRule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) >= limit {
		return FaultRule{}, errTooManyRules
	}
	size := r.size()
	if !f.budget.Change(f.bytes, f.bytes+size) {
		return FaultRule{}, errFaultBudget
	}
	f.bytes += size
	f.nextID++
	r.ID = f.nextID
	f.rules = append(f.rules, &r)
	f.held.Store(int32(len(f.rules)))
	return r.clone(), nil
}

func (f *faultSet) list() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, len(f.rules))
	for i, r := range f.rules {
		out[i] = r.clone()
	}
	return out
}

func (f *faultSet) remove(id int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.rules, func(r *FaultRule) bool { return r.ID == id })
	if i < 0 {
		return false
	}
	size := f.rules[i].size()
	f.budget.Change(f.bytes, f.bytes-size)
	f.bytes -= size
	f.rules = slices.Delete(f.rules, i, i+1)
	f.held.Store(int32(len(f.rules)))
	return true
}

func (f *faultSet) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clearLocked()
}

func (f *faultSet) clearLocked() {
	f.budget.Change(f.bytes, 0)
	f.bytes = 0
	f.rules = nil
	f.held.Store(0)
}

// release clears the rules and leaves the set outside its budget: for a sandbox being
// dropped.
func (f *faultSet) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clearLocked()
	f.budget = nil
}

// fire finds the first rule that matches and decides, with roll, whether it applies this
// time; a rule that applies uses up one of its times. It returns a copy of the rule.
func (f *faultSet) fire(method, path, operationID string, roll func() float64) (FaultRule, bool) {
	if f.held.Load() == 0 {
		return FaultRule{}, false // the common case: no rules, and no lock for every request to wait on
	}
	segments := pathpattern.Split(path) // once, outside the lock: each rule then costs its pattern's length
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if !r.matches(method, &segments, operationID) {
			continue
		}
		if r.Probability != nil && roll() >= *r.Probability {
			continue
		}
		if r.Times != nil {
			*r.Times--
		}
		r.Fired++
		return r.clone(), true
	}
	return FaultRule{}, false
}
