package oauth

import "time"

// expiring holds values that all live equally long, so insertion order is expiry order:
// expired and surplus entries leave from the front of the queue. It holds at most max
// entries, evicting the oldest, so a runaway client cannot grow it without limit.
// It is not safe for concurrent use; Server guards it.
type expiring[V any] struct {
	max     int
	ttl     time.Duration
	entries map[string]entry[V]
	queue   []string // keys in insertion order; a key taken out early stays until it reaches the front
	evicted int      // live entries dropped to make room
}

type entry[V any] struct {
	value   V
	expires time.Time
}

func newExpiring[V any](max int, ttl time.Duration) *expiring[V] {
	return &expiring[V]{max: max, ttl: ttl, entries: map[string]entry[V]{}}
}

// put stores v under key until now plus the store's lifetime.
func (s *expiring[V]) put(key string, v V, now time.Time) {
	s.sweep(now)
	for len(s.queue) >= s.max {
		if s.drop() {
			s.evicted++
		}
	}
	s.entries[key] = entry[V]{value: v, expires: now.Add(s.ttl)}
	s.queue = append(s.queue, key)
}

// take removes and returns the value under key if it is there and not expired.
func (s *expiring[V]) take(key string, now time.Time) (V, bool) {
	s.sweep(now)
	e, ok := s.entries[key]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	delete(s.entries, key)
	return e.value, true
}

// peek returns the value under key if it is there and not expired, leaving it in place.
func (s *expiring[V]) peek(key string, now time.Time) (V, bool) {
	s.sweep(now)
	e, ok := s.entries[key]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (s *expiring[V]) len() int { return len(s.entries) }

// sweep drops the expired entries, and the keys taken out early, from the front.
func (s *expiring[V]) sweep(now time.Time) {
	for len(s.queue) > 0 {
		e, ok := s.entries[s.queue[0]]
		if ok && now.Before(e.expires) {
			return
		}
		s.drop()
	}
}

// drop removes the front of the queue and reports whether it was a live entry.
func (s *expiring[V]) drop() bool {
	key := s.queue[0]
	s.queue[0] = ""
	s.queue = s.queue[1:]
	_, live := s.entries[key]
	delete(s.entries, key)
	return live
}
