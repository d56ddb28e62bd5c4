package mock

import (
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
	buckets  map[bucketKey]*bucket
	// newest and oldest are the ends of the buckets' use order: a bucket moves to the
	// newest end whenever it counts a request, and the oldest goes beyond capacity.
	newest, oldest *bucket
	epochs         uint64 // the last epoch handed out
}

// bucketKey names a bucket: a token's digest within one epoch of one sandbox.
type bucketKey struct {
	epoch  uint64
	digest [16]byte
}

type bucket struct {
	key          bucketKey
	reset        time.Time
	used         int
	newer, older *bucket
}

func newRateLimiter(capacity int) *rateLimiter {
	return &rateLimiter{capacity: max(capacity, 1), buckets: map[bucketKey]*bucket{}}
}

// len is the number of buckets held, for all sandboxes together.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// use returns the key's bucket for the window that holds now, made afresh when there is
// none or its window is over, and moves it to the newest end. Called with l.mu held.
func (l *rateLimiter) use(key bucketKey, now time.Time, window time.Duration) *bucket {
	b := l.buckets[key]
	switch {
	case b == nil:
		if len(l.buckets) >= l.capacity {
			l.drop(l.oldest)
		}
		b = &bucket{key: key}
		l.buckets[key] = b
		l.pushNewest(b)
	case b != l.newest:
		l.unlink(b)
		l.pushNewest(b)
	}
	if !now.Before(b.reset) {
		b.reset, b.used = now.Truncate(window).Add(window), 0
	}
	return b
}

// drop forgets the bucket. Called with l.mu held.
func (l *rateLimiter) drop(b *bucket) {
	l.unlink(b)
	delete(l.buckets, b.key)
}

// unlink takes the bucket out of the use order. Called with l.mu held.
func (l *rateLimiter) unlink(b *bucket) {
	if b.newer != nil {
		b.newer.older = b.older
	} else {
		l.newest = b.older
	}
	if b.older != nil {
		b.older.newer = b.newer
	} else {
		l.oldest = b.newer
	}
	b.newer, b.older = nil, nil
}

// pushNewest puts an unlinked bucket at the newest end of the use order. Called with l.mu
// held.
func (l *rateLimiter) pushNewest(b *bucket) {
	b.older = l.newest
	if l.newest != nil {
		l.newest.newer = b
	} else {
		l.oldest = b
	}
	l.newest = b
}
