package journal

// ring holds records oldest first in a circular buffer that grows, doubling, up to the
// most it is asked to hold: adding and dropping never copy the records it keeps.
type ring struct {
	buf  []record
	head int // the oldest record's index in buf
	n    int
}

func (r *ring) len() int { return r.n }

// at is the i-th oldest record.
func (r *ring) at(i int) *record { return &r.buf[(r.head+i)%len(r.buf)] }

// push adds rec as the newest record; the ring grows when it is full, to at most limit
// records (the caller drops the oldest first once it holds limit).
func (r *ring) push(rec record, limit int) {
	if r.n == len(r.buf) {
		grown := make([]record, min(max(2*len(r.buf), 16), max(limit, r.n+1)))
		for i := range r.n {
			grown[i] = *r.at(i)
		}
		r.buf, r.head = grown, 0
	}
	*r.at(r.n) = rec
	r.n++
}

// dropOldest removes the oldest record and returns it.
func (r *ring) dropOldest() record {
	rec := r.buf[r.head]
	r.buf[r.head] = record{} // let the collector have its bodies
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return rec
}
