package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// multipartBody is a token request as curl -F sends it.
const multipartBody = "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n" +
	"--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nMULTISECRET1\r\n" +
	"--XyZ\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\nMULTIREFRESH1\r\n--XyZ--\r\n"

func TestBody(t *testing.T) {
	big := strings.Repeat("x", MaxBody+10)
	for _, c := range []struct {
		name, raw, contentType string
		want                   string
		truncated              bool
	}{
		{"empty", "", "", "", false},
		{"JSON kept byte for byte", `{"data": {"type":"opportunityStage","attributes":{"name":"Won"}}}`, "application/vnd.api+json", `{"data": {"type":"opportunityStage","attributes":{"name":"Won"}}}`, false},
		{"JSON whatever the content type", `[1,2]`, "text/plain", `[1,2]`, false},
		{"text as a string", "not json", "text/plain", `"not json"`, false},
		{"broken JSON as text", `{"data":`, "application/vnd.api+json", `"{\"data\":"`, false},
		{"long JSON cut as text", `"` + big + `"`, "application/json", `"\"` + big[:MaxBody-1] + `"`, true},
		{"long text cut", big, "", `"` + big[:MaxBody] + `"`, true},
		{"secret members redacted at any depth", `{"grant_type":"refresh_token","refresh_token":"r-123","nested":[{"clientSecret":"s-1","name":"kept"}]}`, "application/json",
			`{"grant_type":"refresh_token","nested":[{"clientSecret":"REDACTED","name":"kept"}],"refresh_token":"REDACTED"}`, false},
		{"a hint without a secret member is kept as sent", `{"name": "Session booked"}`, "", `{"name": "Session booked"}`, false},
		{"cut JSON redacted as text", `{"refresh_token": "r-1", "name": "` + big, "application/json",
			`"{\"refresh_token\": \"REDACTED\", \"name\": \"` + big[:MaxBody-len(`{"refresh_token": "r-1", "name": "`)] + `"`, true},
		{"a form whatever the content type", "code=abc&x=1", "text/plain", `"code=REDACTED&x=1"`, false},
		{"multipart fields redacted by name", multipartBody, "multipart/form-data; boundary=XyZ",
			`"--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n` +
				`--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nREDACTED\r\n` +
				`--XyZ\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\nREDACTED\r\n--XyZ--\r\n"`, false},
		{"multipart whatever the content type", multipartBody, "text/plain",
			`"--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n` +
				`--XyZ\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nREDACTED\r\n` +
				`--XyZ\r\nContent-Disposition: form-data; name=\"refresh_token\"\r\n\r\nREDACTED\r\n--XyZ--\r\n"`, false},
		{"multipart cut short keeps only what parsed", multipartBody[:strings.Index(multipartBody, "MULTISECRET1")+4], "multipart/form-data; boundary=XyZ",
			`"--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nrefresh_token\r\n` + unparsedRest + `"`, false},
		{"multipart with another boundary kept from nothing", multipartBody, "multipart/form-data; boundary=other", `"` + unparsedRest + `"`, false},
		{"multipart without a boundary kept from nothing", multipartBody, "multipart/form-data", `"` + unparsedRest + `"`, false},
		{"name: value pairs redacted", "client_id: c\nclient_secret: 'MULTISECRET1'\nAuthorization: Bearer abc.def\n", "application/yaml",
			`"client_id: c\nclient_secret: 'REDACTED'\nAuthorization: REDACTED\n"`, false},
		{"XML elements redacted", "<r><client_id>c</client_id><refresh_token>MULTIREFRESH1</refresh_token></r>", "application/xml",
			`"<r><client_id>c</client_id><refresh_token>REDACTED</refresh_token></r>"`, false},
		{"form fields redacted", "grant_type=authorization_code&code=abc&client_secret=s3&redirect_uri=x", "application/x-www-form-urlencoded",
			`"grant_type=authorization_code&code=REDACTED&client_secret=REDACTED&redirect_uri=x"`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, truncated := Body([]byte(c.raw), c.contentType)
			if string(got) != c.want || truncated != c.truncated {
				t.Errorf("Body = %.80s (truncated %v), want %.80s (truncated %v)", got, truncated, c.want, c.truncated)
			}
			if got != nil && !json.Valid(got) {
				t.Errorf("Body is not JSON: %.80s", got)
			}
		})
	}
}

func TestBodyDoesNotSplitACharacter(t *testing.T) {
	raw := strings.Repeat("a", MaxBody-1) + "é" // the two bytes of é straddle the cut
	got, truncated := Body([]byte(raw), "text/plain")
	var text string
	if err := json.Unmarshal(got, &text); err != nil || !truncated {
		t.Fatalf("Body: %v, truncated %v", err, truncated)
	}
	if !utf8.ValidString(text) || strings.ContainsRune(text, utf8.RuneError) || len(text) != MaxBody-1 {
		t.Errorf("cut text ends %q (%d bytes)", text[len(text)-3:], len(text))
	}
}

func TestBodyKeepsNoReference(t *testing.T) {
	raw := []byte(`{"name":"a"}`)
	got, _ := Body(raw, "")
	raw[9] = 'b'
	if string(got) != `{"name":"a"}` {
		t.Errorf("the captured body changed with its source: %s", got)
	}
}

func TestRedactHeader(t *testing.T) {
	in := http.Header{
		"Authorization":       {"Bearer tok-1"},
		"Proxy-Authorization": {"Basic dXNlcjpwYXNz"},
		"Cookie":              {"session=tok-2"},
		"X-Api-Key":           {"tok-3"},
		"X-Auth-Token":        {"tok-4"},
		"X-Custom":            {"Bearer tok-5"},
		"Content-Type":        {"application/vnd.api+json"},
		"Idempotency-Key":     {"kept-1"},
		"X-Mock-Sandbox":      {"job-1"},
		"Location":            {"http://localhost:3000/cb?from=x&code=c-1&state=s"},
	}
	want := http.Header{
		"Authorization":       {"Bearer REDACTED"},
		"Proxy-Authorization": {"Basic REDACTED"},
		"Cookie":              {"REDACTED"},
		"X-Api-Key":           {"REDACTED"},
		"X-Auth-Token":        {"REDACTED"},
		"X-Custom":            {"Bearer REDACTED"},
		"Content-Type":        {"application/vnd.api+json"},
		"Idempotency-Key":     {"kept-1"},
		"X-Mock-Sandbox":      {"job-1"},
		"Location":            {"http://localhost:3000/cb?from=x&code=REDACTED&state=s"},
	}
	got := RedactHeader(in)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RedactHeader (-want +got):\n%s", diff)
	}
	if in.Get("Authorization") != "Bearer tok-1" {
		t.Error("RedactHeader changed its input")
	}
}

func TestRedactQuery(t *testing.T) {
	for in, want := range map[string]string{
		"": "",
		"sort=name&access_token=t1&page%5Bsize%5D=2": "sort=name&access_token=REDACTED&page%5Bsize%5D=2",
		"api_key=k&API%5FKEY=k2&flag":                "api_key=REDACTED&API%5FKEY=REDACTED&flag",
		"filter%5Bname%5D=Token+Ring":                "filter%5Bname%5D=Token+Ring",
		// The OAuth server's parameters, from a query or a form body.
		"client_id=a&client_secret=b&code=c":    "client_id=a&client_secret=REDACTED&code=REDACTED",
		"refresh_token=x&grant_type=refresh":    "refresh_token=REDACTED&grant_type=refresh",
		"client%5Fsecret=b":                     "client%5Fsecret=REDACTED",
		"%zz=1&client_secret=b":                 "%zz=1&client_secret=REDACTED",
		"state=xyz&access_token=t&password=p&a": "state=xyz&access_token=REDACTED&password=REDACTED&a",
		"assertion=j&client_assertion=k":        "assertion=REDACTED&client_assertion=REDACTED",
	} {
		if got := RedactQuery(in); got != want {
			t.Errorf("RedactQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func entry(method, path, op string, status int, at time.Time) Exchange {
	return Exchange{Method: method, Path: path, OperationID: op, Status: status, Time: at}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func filled() *Journal {
	j := New(100, 1<<20)
	j.Add(entry("GET", "/api/v2/opportunityStages", "listOpportunityStages", 200, t0))
	j.Add(entry("PATCH", "/api/v2/opportunityStages/3", "updateOpportunityStage", 200, t0.Add(time.Second)))
	j.Add(entry("PATCH", "/api/v2/opportunityStages/4", "updateOpportunityStage", 503, t0.Add(2*time.Second)))
	j.Add(entry("GET", "/api/v2/opportunityStages/3", "getOpportunityStage", 404, t0.Add(3*time.Second)))
	j.Add(entry("GET", "/api/v2/nope", "", 404, t0.Add(4*time.Second)))
	return j
}

func TestFilters(t *testing.T) {
	j := filled()
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{1, 2, 3, 4, 5}},
		{"method=PATCH", []int64{2, 3}},
		{"method=patch", []int64{2, 3}},
		{"path=/api/v2/opportunityStages/3", []int64{2, 4}},
		{"path=/api/v2/opportunityStages/*", []int64{2, 3, 4}},
		{"path=/api/v2/*", []int64{1, 5}},
		{"operationId=updateOpportunityStage", []int64{2, 3}},
		{"status=404", []int64{4, 5}},
		{"since=2026-03-01T12:00:02Z", []int64{3, 4, 5}},
		{"since=2026-03-01T13:00:02%2B01:00", []int64{3, 4, 5}},
		{"after=3", []int64{4, 5}},
		{"method=PATCH&status=200", []int64{2}},
		{"path=/api/v2/opportunityStages/*&method=GET&since=2026-03-01T12:00:01Z", []int64{4}},
		{"method=DELETE", []int64{}},
		{"status=200&status=503", []int64{3}}, // the last value wins
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		f, err := ParseFilter(q)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		entries, _ := j.List(f)
		got := []int64{}
		for _, e := range entries {
			got = append(got, e.ID)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", c.query, diff)
		}
	}
}

func TestBadFilters(t *testing.T) {
	for query, param := range map[string]string{
		"status=abc":                         "status",
		"status=42":                          "status",
		"status=600":                         "status",
		"since=yesterday":                    "since",
		"since=2026-03-01":                   "since",
		"after=x":                            "after",
		"after=-1":                           "after",
		"path=api/v2":                        "path",
		"path=/api/v2/opp*":                  "path",
		"path=" + strings.Repeat("/*", 17):   "path",
		"path=/" + strings.Repeat("a", 1024): "path",
		"method=GE T":                        "method",
		"stauts=404":                         "stauts",
		"method=GET&limit=10":                "limit",
	} {
		q, _ := url.ParseQuery(query)
		_, err := ParseFilter(q)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != param {
			t.Errorf("%s: error %v, want one naming %q", query, err, param)
		}
	}
}

func TestEntryLimitDropsTheOldest(t *testing.T) {
	j := New(3, 1<<20)
	for i := range 5 {
		j.Add(entry("GET", fmt.Sprintf("/%d", i), "", 200, t0))
	}
	entries, evicted := j.List(Filter{})
	if evicted != 2 || len(entries) != 3 || entries[0].Path != "/2" || entries[2].ID != 5 {
		t.Errorf("after 5 adds to a journal of 3: %d evicted, %+v", evicted, entries)
	}
	j.Clear()
	if id := j.Add(entry("GET", "/again", "", 200, t0)); id != 6 {
		t.Errorf("id after Clear %d, want 6: ids are never reused", id)
	}
	if _, evicted := j.List(Filter{}); evicted != 0 {
		t.Errorf("Clear left evicted at %d", evicted)
	}
}

func TestByteBudgetWithFullBodies(t *testing.T) {
	const budget = 1 << 20
	j := New(1000, budget)
	big := strings.Repeat("y", 2*MaxBody)
	for i := range 40 {
		e := entry("POST", fmt.Sprintf("/%d", i), "", 201, t0)
		e.RequestBody, e.RequestContentType = []byte(big), "text/plain"
		e.ResponseBody, e.ResponseContentType, e.ResponseHeader = []byte(big), "text/plain", http.Header{}
		j.Add(e)
		if _, bytes, _ := j.Usage(); bytes > budget {
			t.Fatalf("after %d adds the journal holds %d bytes, over its budget of %d", i+1, bytes, budget)
		}
	}
	n, _, evicted := j.Usage()
	if n+evicted != 40 || n > budget/(2*MaxBody) || n < budget/(2*MaxBody)-1 {
		t.Errorf("%d entries kept, %d evicted: want about %d kept", n, evicted, budget/(2*MaxBody))
	}
	entries, _ := j.List(Filter{})
	if last := entries[len(entries)-1]; last.Path != "/39" || !last.RequestBodyTruncated || len(last.RequestBody) < MaxBody {
		t.Errorf("the newest entry lost its body: %s truncated %v, %d bytes", last.Path, last.RequestBodyTruncated, len(last.RequestBody))
	}
}

func TestAnEntryLargerThanTheBudgetKeepsNoBodies(t *testing.T) {
	j := New(10, 10_000)
	e := entry("POST", "/x", "", 201, t0)
	e.RequestBody = []byte(strings.Repeat("z", 20_000))
	j.Add(e)
	entries, _ := j.List(Filter{})
	if got := entries[0]; got.RequestBody != nil || !got.RequestBodyTruncated {
		t.Errorf("an entry over the whole budget kept its body (%d bytes)", len(got.RequestBody))
	}
	if _, bytes, _ := j.Usage(); bytes > 10_000 {
		t.Errorf("journal holds %d bytes, over its budget", bytes)
	}
}

func TestListReturnsCopies(t *testing.T) {
	j := New(10, 1<<20)
	e := entry("GET", "/x", "", 200, t0)
	e.RequestHeader = http.Header{"Accept": {"a"}}
	e.ResponseHeader, e.ResponseBody, e.ResponseRendered = http.Header{}, []byte(`{"a":1}`), true
	j.Add(e)
	e.RequestHeader.Set("Accept", "changed after Add")
	got, _ := j.List(Filter{})
	got[0].RequestHeaders.Set("Accept", "changed")
	got[0].ResponseBody[1] = 'X'
	again, _ := j.List(Filter{})
	if again[0].RequestHeaders.Get("Accept") != "a" || string(again[0].ResponseBody) != `{"a":1}` {
		t.Errorf("a caller's change reached the journal: %+v", again[0])
	}
}

// Concurrent writers and readers, run under -race by make test: every entry gets its own
// id, and the journal stays within its limits throughout.
func TestConcurrentWritersAndReaders(t *testing.T) {
	const writers, each, limit = 8, 200, 500
	j := New(limit, 200_000)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := entry("GET", fmt.Sprintf("/%d/%d", w, i), "", 200, t0)
				e.ResponseHeader, e.ResponseBody, e.ResponseRendered = http.Header{}, []byte(`"`+strings.Repeat("b", 300)+`"`), true
				j.Add(e)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				entries, _ := j.List(Filter{Path: "/*/*"})
				for i := 1; i < len(entries); i++ {
					if entries[i].ID <= entries[i-1].ID {
						t.Errorf("entries out of order: %d after %d", entries[i].ID, entries[i-1].ID)
						return
					}
				}
				if n, bytes, _ := j.Usage(); n > limit || bytes > 200_000 {
					t.Errorf("journal over its limits: %d entries, %d bytes", n, bytes)
					return
				}
			}
		})
	}
	wg.Wait()
	n, _, evicted := j.Usage()
	if n+evicted != writers*each {
		t.Errorf("%d kept + %d evicted, want %d added", n, evicted, writers*each)
	}
}

// Journals in a pool hold no more than its budget together: the oldest entry of any of
// them goes first, counted as evicted by its own journal, and a cleared journal gives its
// bytes back.
func TestPoolBoundsJournalsTogether(t *testing.T) {
	body := []byte(`"` + strings.Repeat("x", 1000) + `"`)
	entry := func() Exchange { return Exchange{Method: "GET", Path: "/x", RequestBody: body} }
	size := newRecord(entry()).size
	pool := NewPool(10 * size)
	journals := make([]*Journal, 20)
	for i := range journals {
		journals[i] = pool.New(1000, 8*size) // each alone may hold 8 entries; together 10 fit
	}
	for round := range 3 {
		for i, j := range journals {
			j.Add(entry())
			if held, budget := pool.Usage(); held > budget {
				t.Fatalf("round %d, journal %d: the pool holds %d bytes, over its %d", round, i, held, budget)
			}
		}
	}
	held, _ := pool.Usage()
	total, evicted := 0, 0
	for _, j := range journals {
		n, bytes, ev := j.Usage()
		total += bytes
		evicted += ev
		if entries, _ := j.List(Filter{}); len(entries) != n {
			t.Fatalf("List has %d entries, Usage %d", len(entries), n)
		}
	}
	if held != total || held != 10*size || evicted != 50 {
		t.Errorf("pool %d bytes, journals %d, evicted %d; want %d held by both and 50 evicted", held, total, evicted, 10*size)
	}
	// The newest ten are the last ten journals' last entries.
	for i, j := range journals {
		if n, _, _ := j.Usage(); (i >= 10) != (n == 1) || n > 1 {
			t.Errorf("journal %d holds %d entries", i, n)
		}
	}
	for _, j := range journals {
		j.Clear()
	}
	if held, _ := pool.Usage(); held != 0 {
		t.Errorf("after clearing every journal the pool holds %d bytes", held)
	}
	// Entries dropped by a journal's own limit do not pile up in the pool.
	j := pool.New(2, 8*size)
	for range 10_000 {
		j.Add(entry())
	}
	if held, _ := pool.Usage(); held != 2*size || len(pool.queue) > 2*2+1024 {
		t.Errorf("pool holds %d bytes and %d queued entries, want %d bytes and a short queue", held, len(pool.queue), 2*size)
	}
}

// Journals of one pool written and read at once (run under -race by make test).
func TestPoolUnderConcurrency(t *testing.T) {
	pool := NewPool(64 << 10)
	var wg sync.WaitGroup
	for w := range 8 {
		j := pool.New(100, 32<<10)
		wg.Go(func() {
			for i := range 500 {
				j.Add(Exchange{Method: "GET", Path: fmt.Sprintf("/w%d/%d", w, i), RequestBody: []byte(`"` + strings.Repeat("y", 500) + `"`)})
				if i%100 == 0 {
					j.List(Filter{})
				}
				if i%250 == 0 {
					j.Clear()
				}
			}
		})
	}
	wg.Wait()
	if held, budget := pool.Usage(); held > budget || held <= 0 {
		t.Errorf("the pool holds %d bytes, budget %d", held, budget)
	}
}

// The byte budget bounds what a read hands out, not only what the journal holds: a text
// body is escaped when read, up to six bytes for one it holds.
func TestBudgetBoundsWhatAReadReturns(t *testing.T) {
	const budget = 1 << 20
	j := New(1000, budget)
	for _, body := range []string{
		strings.Repeat("\x01", 60<<10),                            // control characters: \u0001 each
		strings.Repeat("\xff", 60<<10),                            // invalid UTF-8: \ufffd each
		strings.Repeat(`"\`, 30<<10),                              // quotes and backslashes: two bytes each
		strings.Repeat("\u2028", 20<<10),                          // line separators, escaped as \u2028
		`{"a":"` + strings.Repeat("<", 60<<10) + `","token":"t"}`, // redacted and encoded again: \u003c
	} {
		j.Clear()
		for i := range 40 {
			j.Add(Exchange{Method: "POST", Path: fmt.Sprintf("/%d", i), RequestBody: []byte(body), RequestContentType: "text/plain"})
		}
		entries, _ := j.List(Filter{})
		read := 0
		for _, e := range entries {
			read += len(e.RequestBody)
		}
		if read > budget {
			t.Errorf("body %.12q...: a read returned %d bytes of bodies from %d entries, over the budget of %d", body, read, len(entries), budget)
		}
		if len(entries) == 0 {
			t.Errorf("body %.12q...: nothing kept", body)
		}
	}
}
