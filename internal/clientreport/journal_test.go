package clientreport

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/journal"
)

// exchange is a request with the bearer token as a server hands it to the journal.
func exchange(token, method, path, rawQuery string, at time.Duration, status int, header http.Header) journal.Exchange {
	arrived := t0.Add(at)
	return journal.Exchange{Time: arrived, Answered: arrived.Add(10 * time.Millisecond), Method: method, Path: path, RawQuery: rawQuery,
		Status: status, RequestHeader: http.Header{"Authorization": {"Bearer " + token}}, ResponseHeader: header, Credential: token}
}

// A report from a journal judges what the journal's own entries say: credentials,
// fingerprints and cursors hashed by the journal, headers as they were written.
func TestFromJournal(t *testing.T) {
	const token = "bearer-token-0123456789"
	j := journal.New(100, 1<<20)
	list := exchange(token, "GET", stages, "page%5Bsize%5D=2", 0, 200, http.Header{"X-Ratelimit-Remaining": {"9"}, "Content-Type": {"application/vnd.api+json"}})
	list.Cursors = []string{"cur/1=="}
	list.ResponseBody = []byte(`{"data":[],"links":{"next":"http://x/api/v2/opportunityStages?page%5Bafter%5D=cur%2F1%3D%3D&page%5Bsize%5D=2"}}`)
	j.Add(list)
	j.Add(exchange(token, "GET", stages, "page%5Bafter%5D=cur%2F1%3D%3D&page%5Bsize%5D=2", time.Second, 200, http.Header{})) // 2: issued
	j.Add(exchange(token, "GET", stages, "page%5Bafter%5D=forged&page%5Bsize%5D=2", 2*time.Second, 200, http.Header{}))      // 3: forged
	j.Add(exchange(token, "GET", stages+"/1", "", 3*time.Second, 429, http.Header{"Retry-After": {"3"}}))                    // 4
	j.Add(exchange(token, "GET", stages+"/1", "", 3200*time.Millisecond, 200, http.Header{}))                                // 5: too early
	for i := range 4 {                                                                                                       // 6-9: a storm
		j.Add(exchange(token, "PATCH", stages+"/2", "", 10*time.Second+time.Duration(i)*100*time.Millisecond, 500, http.Header{}))
	}
	create := exchange(token, "POST", stages, "", 20*time.Second, 422, http.Header{})
	create.RequestBody = []byte(`{"data":{"type":"opportunityStage","attributes":{"name":""}}}`)
	create.ResponseBody = []byte(`{"errors":[{"id":"validationError","detail":"Name can't be blank."}]}`)
	j.Add(create) // 10

	r := FromJournal(j, time.Time{})
	want := map[string][]int64{OpaqueCursors: {3}, RetryAfter: {4, 5}, NoRetryStorm: {6, 7, 8, 9}, ValidRequests: {10}}
	for _, c := range r.Checks {
		if ids, fails := want[c.Name]; fails != (c.Verdict == Fail) || fails && !cmp.Equal(ids, c.Entries) {
			t.Errorf("%s: %s %v, want fail %v %v: %s", c.Name, c.Verdict, c.Entries, fails, ids, c.Detail)
		}
	}
	// The same verdicts as from the whole entries: what the report leaves out, no check reads.
	whole, evicted := j.List(journal.Filter{})
	if diff := cmp.Diff(New(Input{Entries: whole, Evicted: evicted}), r); diff != "" {
		t.Errorf("from the journal (-whole +slim):\n%s", diff)
	}
	doc, _ := json.Marshal(r)
	if strings.Contains(string(doc), token) || strings.Contains(string(doc), j.CredentialHash(token)) {
		t.Errorf("the report shows the credential or its hash: %s", doc)
	}
}

// A report keeps of an entry only what its checks read.
func TestSlim(t *testing.T) {
	e := journal.Entry{ID: 1, Method: "GET", Status: 200, Credential: "c",
		RequestHeaders:  http.Header{"Authorization": {"Bearer REDACTED"}},
		ResponseHeaders: http.Header{"x-ratelimit-reset": {"5"}, "Retry-After": {"1"}, "Content-Type": {"application/json"}},
		RequestBody:     []byte(`{}`), ResponseBody: []byte(`{"data":[]}`), Violations: []string{"v"}}
	got := slim(e)
	want := journal.Entry{ID: 1, Method: "GET", Status: 200, Credential: "c",
		ResponseHeaders: http.Header{"X-Ratelimit-Reset": {"5"}, "Retry-After": {"1"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slim (-want +got):\n%s", diff)
	}
	e.Method, e.Status = "POST", 422
	if got := slim(e); string(got.RequestBody) != `{}` || string(got.ResponseBody) != `{"data":[]}` {
		t.Errorf("a refused create lost its bodies: %s %s", got.RequestBody, got.ResponseBody)
	}
}
