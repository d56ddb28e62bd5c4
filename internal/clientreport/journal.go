package clientreport

import (
	"net/http"
	"slices"
	"time"

	"github.com/oppstages/oppstages/internal/journal"
)

// FromJournal judges what a journal holds now. It reads the journal one entry at a time
// and keeps of each only what the checks read, so that a report holds a small part of a
// full journal, however many are asked for at once.
func FromJournal(j *journal.Journal, since time.Time) Report {
	seq, evicted := j.Entries(journal.Filter{}) // every entry: those before since tell what was issued
	var entries []journal.Entry
	for e := range seq {
		entries = append(entries, slim(e))
	}
	return New(Input{Entries: entries, Evicted: evicted, Since: since})
}

// judgedHeaders are the only response headers a check reads.
var judgedHeaders = []string{"Retry-After", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"}

// slim is what the checks read of an entry: no request headers, the response headers
// they judge, a request body only for a create (no-duplicate-create compares them), a
// response body only for a refusal (valid-requests quotes it).
func slim(e journal.Entry) journal.Entry {
	var kept http.Header
	for name, values := range e.ResponseHeaders {
		if name = http.CanonicalHeaderKey(name); slices.Contains(judgedHeaders, name) {
			if kept == nil {
				kept = http.Header{}
			}
			kept[name] = append(kept[name], values...)
		}
	}
	e.RequestHeaders, e.ResponseHeaders, e.Violations = nil, kept, nil
	if e.Method != http.MethodPost {
		e.RequestBody = nil
	}
	if !slices.Contains(pointless, e.Status) {
		e.ResponseBody = nil
	}
	return e
}
