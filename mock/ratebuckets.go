package mock

import (
	"container/list"
	"sync"
	"time"
)

// maxRateBuckets bounds the buckets the rate limiter holds for all sandboxes together.
// Beyond it the least recently used bucket is dropped: its token's count restarts, which
// only ever lets that token send more, never less.
const maxRateBuckets = 100_000

// rateLimiter counts requests per token in fixed windows, like the vendor's hourly limit.
// One limiter serves every sandbox of a server, so that the buckets it holds are bounded
// in all, however many sandboxes and tokens come.
type rateLimiter struct {
	mu       sync.Mutex
	capacity int
	buckets  map[bucketKey]*list.Element
	// used orders the buckets by use, the most recent at the front: a bucket moves there
	// whenever it counts a request, and the one at the back goes beyond capacity.
	used   *list.List
	epochs uint64 // the last epoch handed out
}

// bucketKey names a bucket: a token's digest within one epoch of one sandbox.
type bucketKey struct {
	epoch  uint64
	digest [16]byte
}

type bucket struct {
	key   bucketKey
	reset time.Time
	used  int
}

func newRateLimiter(capacity int) *rateLimiter {
	return &rateLimiter{capacity: max(capacity, 1), buckets: map[bucketKey]*list.Element{}, used: list.New()}
}

// len is the number of buckets held, for all sandboxes together.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// use returns the key's bucket for the window that holds now, made afresh when there is
// none or its window is over, and moves it to the front of the use order. Called with
// l.mu held.
func (l *rateLimiter) use(key bucketKey, now time.Time, window time.Duration) *bucket {
	e := l.buckets[key]
	if e == nil {
		if len(l.buckets) >= l.capacity {
			l.drop(l.used.Back())
		}
		e = l.used.PushFront(&bucket{key: key})
		l.buckets[key] = e
	} else {
		l.used.MoveToFront(e)
	}
	b := e.Value.(*bucket)
	if !now.Before(b.reset) {
		b.reset, b.used = now.Truncate(window).Add(window), 0
	}
	return b
}

// drop forgets the bucket of e. Called with l.mu held.
func (l *rateLimiter) drop(e *list.Element) {
	l.used.Remove(e)
	delete(l.buckets, e.Value.(*bucket).key)
}
