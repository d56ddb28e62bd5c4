package mock

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/oppstages/oppstages/internal/jsonapi"
)

// expiredToken is the gateway's 401 for an expired token, made by a fault rule.
func expiredToken(x *exchange, label string) *response {
	x.injected, x.credentialExpired, x.fault = true, true, label
	resp := unauthorized(jsonapi.ErrExpiredToken)
	return &resp
}

// expiredSet holds the credentials fault rules expired in one sandbox, as the journal's
// keyed hashes, oldest first, at most maxExpired of them: beyond it the oldest is
// forgotten (its token works again), so that a client cannot grow it without bound.
type expiredSet struct {
	mu     sync.Mutex
	hashes map[string]struct{}
	order  []string
	held   atomic.Int32 // len(order), so that a request can see the set is empty without the lock
}

// maxExpired bounds the credentials one sandbox's rules keep expired.
const maxExpired = 1000

func (e *expiredSet) add(hash string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.hashes[hash]; ok {
		return
	}
	if e.hashes == nil {
		e.hashes = map[string]struct{}{}
	}
	if len(e.order) >= maxExpired {
		delete(e.hashes, e.order[0])
		e.order = slices.Delete(e.order, 0, 1)
	}
	e.hashes[hash] = struct{}{}
	e.order = append(e.order, hash)
	e.held.Store(int32(len(e.order)))
}

// has says a rule expired the credential; hash gives its keyed hash, asked for only when
// the set holds any.
func (e *expiredSet) has(credential string, hash func(string) string) bool {
	if credential == "" || e.held.Load() == 0 {
		return false // the common case: nothing expired, nothing hashed
	}
	h := hash(credential)
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.hashes[h]
	return ok
}

func (e *expiredSet) clear() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hashes, e.order = nil, nil
	e.held.Store(0)
}
