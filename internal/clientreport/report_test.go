package clientreport

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oppstages/oppstages/internal/journal"
)

// t0 is when every scripted client starts.
var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

const (
	stages = "/api/v2/opportunityStages"
	tokenA = "hash-of-token-a"
	tokenB = "hash-of-token-b"
	client = "hash-of-client"
)

// opt sets something of a scripted entry.
type opt func(*journal.Entry)

// req is an entry for a request with token A, arriving at t0, answered 200 after 10 ms.
// entries gives it its id and its fingerprint.
func req(method, path string, opts ...opt) journal.Entry {
	e := journal.Entry{Time: t0, Method: method, Path: path, Status: http.StatusOK, DurationMS: 10,
		Credential: tokenA, ResponseHeaders: http.Header{}}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func at(d time.Duration) opt { return func(e *journal.Entry) { e.Time = t0.Add(d) } }

// took sets how long the answer took; answered, when it was sent, after arriving.
func took(d time.Duration) opt {
	return func(e *journal.Entry) { e.DurationMS = float64(d) / float64(time.Millisecond) }
}
func answeredAt(d time.Duration) opt { return func(e *journal.Entry) { e.Answered = t0.Add(d) } }
func status(n int) opt               { return func(e *journal.Entry) { e.Status = n } }
func header(k, v string) opt         { return func(e *journal.Entry) { e.ResponseHeaders.Set(k, v) } }
func as(credential string) opt       { return func(e *journal.Entry) { e.Credential = credential } }
func query(q string) opt             { return func(e *journal.Entry) { e.Query = q } }
func body(b string) opt              { return func(e *journal.Entry) { e.RequestBody = []byte(b) } }
func answer(b string) opt            { return func(e *journal.Entry) { e.ResponseBody = []byte(b) } }
func injected() opt                  { return func(e *journal.Entry) { e.Injected = true } }
func expired() opt {
	return func(e *journal.Entry) { e.Status, e.CredentialExpired = http.StatusUnauthorized, true }
}
func droppedBefore() opt {
	return func(e *journal.Entry) { e.Status, e.Dropped, e.Injected = 0, journal.DroppedBefore, true }
}
func droppedAfter(lost int) opt {
	return func(e *journal.Entry) {
		e.Status, e.Dropped, e.LostStatus, e.Injected = 0, journal.DroppedAfter, lost, true
	}
}
func refresh(grant string) opt {
	return func(e *journal.Entry) { e.Credential, e.GrantType, e.Grant = client, "refresh_token", grant }
}
func issues(cursors ...string) opt { return func(e *journal.Entry) { e.CursorsIssued = cursors } }
func sends(cursors ...string) opt  { return func(e *journal.Entry) { e.CursorsSent = cursors } }
func sandbox(name string) opt      { return func(e *journal.Entry) { e.Sandbox = name } }
func cutBody() opt                 { return func(e *journal.Entry) { e.RequestBodyTruncated = true } }
func forwarded(operationID string) opt {
	return func(e *journal.Entry) { e.Forwarded, e.OperationID = true, operationID }
}

// entries numbers the entries from 1 in the order given (the order they were answered)
// and gives each the fingerprint its method, path, query, body and credential make.
func entries(list ...journal.Entry) []journal.Entry {
	for i := range list {
		e := &list[i]
		e.ID = int64(i + 1)
		if !e.RequestBodyTruncated {
			e.Fingerprint = strings.Join([]string{e.Method, e.Path, e.Query, string(e.RequestBody), e.Credential, e.Grant}, "|")
		}
	}
	return list
}

func unix(d time.Duration) string { return strconv.FormatInt(t0.Add(d).Unix(), 10) }

const (
	createBody  = `{"data":{"type":"opportunityStage","attributes":{"name":"Won","order":9}}}`
	createOther = `{"data":{"type":"opportunityStage","attributes":{"name":"Won again","order":9}}}`
	// The same attributes as createBody, written otherwise.
	createReordered = `{"data": {"attributes": {"order": 9, "name": "Won"}, "type": "opportunityStage"}}`
	refused         = `{"errors":[{"id":"validationError","title":"Validation Error","detail":"Name can't be blank."}]}`
)

// scenario is a scripted client for one check: one that behaves, one with exactly the
// check's flaw (and the entries that show it), and one that never meets the situation.
type scenario struct {
	check       string
	good        []journal.Entry
	flawed      []journal.Entry
	evidence    []int64
	unexercised []journal.Entry
}

var scenarios = []scenario{
	{
		check: ValidRequests,
		good: entries(
			req("GET", stages),
			req("POST", stages, at(time.Second), body(createBody), status(201)),
			// Not the API's validation: a fault rule, the mock's own header, the authorization server.
			req("POST", stages, at(2*time.Second), body(createOther), status(422), injected()),
			req("GET", stages, at(3*time.Second), header("X-Test", "1"), status(400), answer(`{"errors":[{"id":"mockBadPrefer"}]}`)),
			req("POST", "/oauth/token", at(4*time.Second), as(client), status(400)),
		),
		flawed: entries(
			req("GET", stages),
			req("POST", stages, at(time.Second), body(`{"data":{"type":"opportunityStage","attributes":{"name":""}}}`), status(422), answer(refused)),
		),
		evidence:    []int64{2},
		unexercised: entries(req("POST", "/oauth/token", as(client)), req("GET", stages, at(time.Second), status(503), injected())),
	},
	{
		check: RetryAfter,
		good: entries(
			req("GET", stages, status(429), header("Retry-After", "3")),
			req("GET", stages, at(3010*time.Millisecond)), // 3 s after the answer left, at 10 ms
		),
		flawed: entries(
			req("GET", stages, status(429), header("Retry-After", "3")),
			req("GET", stages, at(200*time.Millisecond)),
		),
		evidence:    []int64{1, 2},
		unexercised: entries(req("GET", stages), req("GET", stages, at(time.Second))),
	},
	{
		check: RateLimitReset,
		good: entries(
			req("GET", stages, header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", unix(5*time.Second))),
			req("GET", stages+"/1", at(5*time.Second)),
		),
		flawed: entries(
			req("GET", stages, header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", unix(5*time.Second))),
			req("GET", stages+"/1", at(4*time.Second)),
		),
		evidence: []int64{1, 2},
		// A 429 with Retry-After is retry-after's to judge.
		unexercised: entries(
			req("GET", stages, status(429), header("Retry-After", "1"), header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", unix(time.Second))),
			req("GET", stages, at(2*time.Second)),
		),
	},
	{
		check: NoRetryStorm,
		good: entries( // backing off: 0.5 s, 1 s, 2 s
			req("GET", stages+"/1", status(500)),
			req("GET", stages+"/1", at(500*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(1500*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(3500*time.Millisecond)),
		),
		flawed: entries(
			req("GET", stages+"/1", status(500)),
			req("GET", stages+"/1", at(300*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(600*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(900*time.Millisecond)),
		),
		evidence:    []int64{1, 2, 3, 4},
		unexercised: entries(req("GET", stages+"/1"), req("GET", stages+"/1", at(100*time.Millisecond))),
	},
	{
		check: NoPointlessRetry,
		good: entries(
			req("POST", stages, body(createBody), status(422), injected()),
			req("POST", stages, at(time.Second), body(createOther), status(201)),
		),
		flawed: entries(
			req("POST", stages, body(createBody), status(422), injected()),
			req("POST", stages, at(time.Second), body(createBody), status(201)),
		),
		evidence:    []int64{1, 2},
		unexercised: entries(req("POST", stages, body(createBody), status(201))),
	},
	{
		check: ExpiredToken,
		good: entries(
			req("GET", stages, expired()),
			req("POST", "/oauth/token", at(100*time.Millisecond), refresh("r1")),
			req("GET", stages, at(200*time.Millisecond), as(tokenB)),
		),
		flawed: entries(
			req("GET", stages, expired()),
			req("GET", stages+"/1", at(200*time.Millisecond), expired()),
		),
		evidence:    []int64{1, 2},
		unexercised: entries(req("GET", stages), req("POST", "/oauth/token", at(time.Second), refresh("r1"))),
	},
	{
		check: RefreshTokenReuse,
		good: entries(
			req("POST", "/oauth/token", refresh("r1")),
			req("GET", stages, at(time.Second), as(tokenB)),
			req("POST", "/oauth/token", at(10*time.Second), refresh("r2")),
		),
		flawed: entries(
			req("POST", "/oauth/token", refresh("r1")),
			req("POST", "/oauth/token", at(10*time.Second), refresh("r1"), status(400)),
		),
		evidence: []int64{1, 2},
		unexercised: entries(
			req("POST", "/oauth/token", as(client), func(e *journal.Entry) { e.GrantType, e.Grant = "authorization_code", "code-1" }),
		),
	},
	{
		check: NoDuplicateCreate,
		good: entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("GET", stages, at(time.Second), query("filter%5Bname%5D=Won")), // looks first, and finds it
		),
		flawed: entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", stages, at(time.Second), body(createReordered), status(201)),
		),
		evidence: []int64{1, 2},
		// A lost create that was refused stored nothing: creating it again is right.
		unexercised: entries(
			req("POST", stages, body(createBody), droppedAfter(422)),
			req("POST", stages, at(time.Second), body(createBody), status(201)),
		),
	},
	{
		check: OpaqueCursors,
		good: entries(
			req("GET", stages, issues("c1")),
			req("GET", stages, at(time.Second), query("page%5Bafter%5D=c1"), sends("c1"), issues("c2")),
			req("GET", stages, at(2*time.Second), query("page%5Bbefore%5D=c2"), sends("c2")),
		),
		flawed: entries(
			req("GET", stages, issues("c1")),
			req("GET", stages, at(time.Second), query("page%5Bafter%5D=made-up"), sends("made-up")),
		),
		evidence:    []int64{2},
		unexercised: entries(req("GET", stages, issues("c1"))),
	},
}

// verdicts is each check's verdict, in the report's order.
func verdicts(r Report) map[string]Verdict {
	out := map[string]Verdict{}
	for _, c := range r.Checks {
		out[c.Name] = c.Verdict
	}
	return out
}

// othersDoNotFail fails the test when a check other than name fails.
func othersDoNotFail(t *testing.T, r Report, name string) {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name != name && c.Verdict == Fail {
			t.Errorf("%s fails too: %s %v", c.Name, c.Detail, c.Entries)
		}
	}
}

func TestEveryCheck(t *testing.T) {
	if len(scenarios) != len(Names) {
		t.Fatalf("%d scenarios for %d checks", len(scenarios), len(Names))
	}
	for i, sc := range scenarios {
		if sc.check != Names[i] {
			t.Fatalf("scenario %d is for %s, want %s", i, sc.check, Names[i])
		}
		t.Run(sc.check+"/behaves", func(t *testing.T) {
			r := New(Input{Entries: sc.good})
			if c, _ := r.Check(sc.check); c.Verdict != Pass {
				t.Errorf("%s: %s, want pass: %s", sc.check, c.Verdict, c.Detail)
			}
			othersDoNotFail(t, r, sc.check)
		})
		t.Run(sc.check+"/flawed", func(t *testing.T) {
			r := New(Input{Entries: sc.flawed})
			c, _ := r.Check(sc.check)
			if c.Verdict != Fail {
				t.Errorf("%s: %s, want fail: %s", sc.check, c.Verdict, c.Detail)
			}
			if diff := cmp.Diff(sc.evidence, c.Entries); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if !strings.Contains(c.Detail, "A correct client ") {
				t.Errorf("the detail does not say what a correct client does: %s", c.Detail)
			}
			othersDoNotFail(t, r, sc.check)
		})
		t.Run(sc.check+"/unexercised", func(t *testing.T) {
			r := New(Input{Entries: sc.unexercised})
			if c, _ := r.Check(sc.check); c.Verdict != Unexercised {
				t.Errorf("%s: %s, want unexercised: %s", sc.check, c.Verdict, c.Detail)
			}
			othersDoNotFail(t, r, sc.check)
		})
	}
}

// Each failure's detail says what happened, with the figures a person needs.
func TestFailureDetails(t *testing.T) {
	want := map[string]string{
		ValidRequests:     "request 2 (POST /api/v2/opportunityStages) was refused with 422 validationError: Name can't be blank",
		RetryAfter:        "request 2 (GET /api/v2/opportunityStages) came 0.19 s after a 429 (request 1) that said Retry-After: 3",
		RateLimitReset:    "request 2 (GET /api/v2/opportunityStages/1) came 1 s before X-RateLimit-Reset (" + unix(5*time.Second) + "), which request 1 gave with X-RateLimit-Remaining: 0",
		NoRetryStorm:      "GET /api/v2/opportunityStages/1 was sent 4 times within 0.9 s (requests 1, 2, 3, 4), starting with one answered 500",
		NoPointlessRetry:  "request 2 sent request 1 (POST /api/v2/opportunityStages) again unchanged after its 422",
		ExpiredToken:      "request 2 (GET /api/v2/opportunityStages/1) presented again the token that request 1 was answered 401 for (expired or revoked)",
		RefreshTokenReuse: "request 2 presented a refresh token that request 1 had already exchanged",
		NoDuplicateCreate: "request 2 created again, with the same attributes and without looking first, what request 1 (POST /api/v2/opportunityStages) had created (its answer was lost, its record stored)",
		OpaqueCursors:     "request 2 (GET /api/v2/opportunityStages) sent a page cursor that no earlier answer's links issued",
	}
	for _, sc := range scenarios {
		c, _ := New(Input{Entries: sc.flawed}).Check(sc.check)
		if !strings.HasPrefix(c.Detail, want[sc.check]+". A correct client ") {
			t.Errorf("%s: detail\n%s\nwant it to open\n%s", sc.check, c.Detail, want[sc.check])
		}
	}
	c, _ := New(Input{Entries: scenarios[3].flawed}).Check(NoRetryStorm)
	if !strings.Contains(c.Detail, "fewer than 4 times within any 2 s") {
		t.Errorf("the storm's detail does not give its threshold: %s", c.Detail)
	}
}

// Situations a correct client meets, and the flaws just beside them.
func TestEdges(t *testing.T) {
	retryAt := func(offset time.Duration) string { return t0.Add(offset).Format(http.TimeFormat) }
	for _, c := range []struct {
		name    string
		check   string
		entries []journal.Entry
		want    Verdict
		detail  string // in the detail, when set
	}{
		{"a request under way when the 429 left is no reaction to it", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "3"), took(500*time.Millisecond)),
			req("GET", stages+"/1", at(100*time.Millisecond)),
			req("GET", stages+"/2", at(3500*time.Millisecond)),
		), Pass, ""},
		{"another credential may go on", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "3")),
			req("GET", stages, at(100*time.Millisecond), as(tokenB)),
		), Pass, ""},
		{"Retry-After as a date, waited for", RetryAfter, entries(
			req("GET", stages, status(503), header("Retry-After", retryAt(5*time.Second))),
			req("GET", stages, at(5*time.Second)),
		), Pass, ""},
		{"Retry-After as a date, not waited for", RetryAfter, entries(
			req("GET", stages, status(503), header("Retry-After", retryAt(5*time.Second))),
			req("GET", stages, at(4*time.Second)),
		), Fail, "came 3.99 s after a 503"},
		{"measured from when the answer was sent", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "1"), answeredAt(2*time.Second)),
			req("GET", stages, at(2500*time.Millisecond)),
		), Fail, "came 0.5 s after"},
		{"waited for the same answer's earlier X-RateLimit-Reset", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "2"), header("X-RateLimit-Reset", unix(2*time.Second)), answeredAt(888*time.Millisecond)),
			req("GET", stages, at(2*time.Second)),
		), Pass, ""},
		{"came before both Retry-After and X-RateLimit-Reset", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "2"), header("X-RateLimit-Reset", unix(2*time.Second)), answeredAt(888*time.Millisecond)),
			req("GET", stages, at(1999*time.Millisecond)),
		), Fail, "came 1.111 s after"},
		{"a Retry-After that is no time", RetryAfter, entries(
			req("GET", stages, status(429), header("Retry-After", "soon")),
			req("GET", stages, at(100*time.Millisecond)),
		), Unexercised, `its Retry-After "soon" is neither seconds nor an HTTP date`},
		{"no credential: whose next request it is cannot be told", RetryAfter, entries(
			req("GET", stages, as(""), status(429), header("Retry-After", "3")),
			req("GET", stages, as(""), at(100*time.Millisecond)),
		), Unexercised, "presented no credential"},
		{"a reset that is no time", RateLimitReset, entries(
			req("GET", stages, header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", "tomorrow")),
			req("GET", stages, at(100*time.Millisecond)),
		), Unexercised, `its X-RateLimit-Reset "tomorrow" is not Unix seconds`},
		{"a success ends the retries: later sends are no storm", NoRetryStorm, entries(
			req("GET", stages+"/1", status(500)),
			req("GET", stages+"/1", at(100*time.Millisecond)),
			req("GET", stages+"/1", at(500*time.Millisecond)),
			req("GET", stages+"/1", at(900*time.Millisecond)),
		), Pass, ""},
		{"sends under way together are no retries", NoRetryStorm, entries(
			req("GET", stages+"/1", status(500), took(100*time.Millisecond)),
			req("GET", stages+"/1", at(time.Millisecond), status(500), took(100*time.Millisecond)),
			req("GET", stages+"/1", at(2*time.Millisecond), status(500), took(100*time.Millisecond)),
			req("GET", stages+"/1", at(3*time.Millisecond), status(500), took(100*time.Millisecond)),
		), Pass, ""},
		{"four sends just within 2 s", NoRetryStorm, entries(
			req("GET", stages+"/1", droppedBefore()),
			req("GET", stages+"/1", at(600*time.Millisecond), droppedBefore()),
			req("GET", stages+"/1", at(1200*time.Millisecond), droppedBefore()),
			req("GET", stages+"/1", at(1999*time.Millisecond)),
		), Fail, "starting with one answered with a dropped connection"},
		{"four sends over more than 2 s", NoRetryStorm, entries(
			req("GET", stages+"/1", status(502)),
			req("GET", stages+"/1", at(700*time.Millisecond), status(502)),
			req("GET", stages+"/1", at(1400*time.Millisecond), status(502)),
			req("GET", stages+"/1", at(2100*time.Millisecond)),
		), Pass, ""},
		{"a storm that starts at a later failure", NoRetryStorm, entries(
			req("GET", stages+"/1", status(500)),
			req("GET", stages+"/1", at(1900*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(2000*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(2100*time.Millisecond), status(500)),
			req("GET", stages+"/1", at(2200*time.Millisecond)),
		), Fail, "requests 2, 3, 4, 5"},
		{"sends of other requests do not count", NoRetryStorm, entries(
			req("GET", stages+"/1", status(500)),
			req("GET", stages+"/2", at(100*time.Millisecond)),
			req("GET", stages+"/1", at(200*time.Millisecond), as(tokenB)),
			req("GET", stages+"/1", at(300*time.Millisecond), query("include=creator")),
		), Pass, ""},
		{"a 405 sent again", NoPointlessRetry, entries(
			req("PUT", stages, status(405)),
			req("PUT", stages, at(time.Second), status(405)),
		), Fail, "after its 405"},
		{"a body not kept whole cannot be compared", NoPointlessRetry, entries(
			req("POST", stages, status(400), cutBody()),
			req("POST", stages, at(time.Second), status(400), cutBody()),
		), Unexercised, "not kept whole"},
		{"one request more with the expired token", ExpiredToken, entries(
			req("GET", stages, expired()),
			req("GET", stages, at(time.Second), expired()),
			req("GET", stages, at(2*time.Second), expired()),
		), Fail, "request 2 (GET /api/v2/opportunityStages) presented again the token that request 1 was answered 401 for (expired or revoked), and 1 request after it did too"},
		{"a request under way when the token expired", ExpiredToken, entries(
			req("GET", stages, expired(), took(time.Second)),
			req("GET", stages+"/1", at(500*time.Millisecond)),
		), Pass, ""},
		{"refreshing twice at once with one token", RefreshTokenReuse, entries( // journaled as answered: the refusal first
			req("POST", "/oauth/token", at(10*time.Millisecond), refresh("r1"), status(400)),
			req("POST", "/oauth/token", refresh("r1"), took(time.Second)),
		), Fail, "request 1 presented a refresh token that request 2 had already exchanged"},
		{"a refresh that failed exchanged nothing", RefreshTokenReuse, entries(
			req("POST", "/oauth/token", refresh("r1"), status(401)),
			req("POST", "/oauth/token", at(time.Second), refresh("r1")),
		), Pass, ""},
		{"a second create with other attributes", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", stages, at(time.Second), body(createOther), status(201)),
		), Pass, ""},
		{"the same body created elsewhere", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", "/api/v2/opportunityStageTemplates", at(time.Second), body(createBody), status(201)),
		), Pass, ""},
		{"a second create with another credential", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", stages, at(time.Second), body(createBody), as(tokenB), status(201)),
		), Pass, ""},
		{"looked first, found nothing (deleted meanwhile), created again", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("GET", stages, at(time.Second), query("filter%5Bname%5D=Won")),
			req("POST", stages, at(2*time.Second), body(createBody), status(201)),
		), Pass, "without looking first"},
		{"looked at one record first, then created again", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("GET", stages+"/7", at(time.Second), status(200)),
			req("POST", stages, at(2*time.Second), body(createBody), status(201)),
		), Pass, ""},
		{"a look that failed is no look", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("GET", stages, at(time.Second), status(503)),
			req("POST", stages, at(2*time.Second), body(createBody), status(201)),
		), Fail, "request 3 created again"},
		{"a second create refused created nothing", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", stages, at(time.Second), body(createBody), status(503), injected()),
			req("POST", stages, at(2*time.Second), body(createBody), status(401)),
		), Pass, ""},
		{"a refused second create, then one carried out", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(201)),
			req("POST", stages, at(time.Second), body(createBody), status(503), injected()),
			req("POST", stages, at(2*time.Second), body(createBody), droppedAfter(201)),
		), Fail, "request 3 created again"},
		{"a second create with the token a refresh gave", NoDuplicateCreate, entries(
			req("POST", "/oauth/token", as(client), func(e *journal.Entry) {
				e.GrantType, e.Grant, e.Issued = "authorization_code", "code-1", []string{tokenA, "r1"}
			}),
			req("POST", stages, at(time.Second), body(createBody), droppedAfter(201)),
			req("POST", "/oauth/token", at(2*time.Second), refresh("r1"), func(e *journal.Entry) { e.Issued = []string{tokenB, "r2"} }),
			req("POST", stages, at(3*time.Second), body(createBody), as(tokenB), status(201)),
		), Fail, "request 4 created again"},
		{"a second create with a token of another authorization", NoDuplicateCreate, entries(
			req("POST", "/oauth/token", as(client), func(e *journal.Entry) {
				e.GrantType, e.Grant, e.Issued = "authorization_code", "code-1", []string{tokenA, "r1"}
			}),
			req("POST", stages, at(time.Second), body(createBody), droppedAfter(201)),
			req("POST", "/oauth/token", at(2*time.Second), as(client), func(e *journal.Entry) {
				e.GrantType, e.Grant, e.Issued = "authorization_code", "code-2", []string{tokenB, "r2"}
			}),
			req("POST", stages, at(3*time.Second), body(createBody), as(tokenB), status(201)),
		), Pass, ""},
		{"a lost answer whose outcome is not recorded", NoDuplicateCreate, entries(
			req("POST", stages, body(createBody), droppedAfter(0)),
			req("POST", stages, at(time.Second), body(createBody), status(201)),
		), Unexercised, "whether the create was carried out is not recorded"},
		{"a cursor issued in another sandbox", OpaqueCursors, entries(
			req("GET", stages, issues("c1"), sandbox("a")),
			req("GET", stages, at(time.Second), sends("c1"), sandbox("b")),
		), Fail, "sent a page cursor"},
		{"a cursor journaled after its use, but sent after its answer left", OpaqueCursors, entries(
			req("GET", stages, at(time.Second), sends("c1")),
			req("GET", stages, issues("c1"), answeredAt(500*time.Millisecond)),
		), Pass, ""},
		{"a cursor on a route whose answers pass through unread", OpaqueCursors, entries(
			req("GET", "/api/v2/accounts", forwarded("")),
			req("GET", "/api/v2/accounts", at(time.Second), sends("upstream-cursor"), forwarded("")),
		), Unexercised, "does not read the links of the answers it passes through"},
		{"a made-up cursor through the proxy", OpaqueCursors, entries(
			req("GET", stages, forwarded("listOpportunityStages"), issues("c1")),
			req("GET", stages, at(time.Second), sends("made-up"), forwarded("listOpportunityStages")),
		), Fail, "request 2"},
		{"the upstream's refusal is not the mock's validation", ValidRequests, entries(
			req("GET", stages),
			req("POST", stages, at(time.Second), body(createBody), status(422), answer(refused), forwarded("createOpportunityStage")),
		), Pass, "accepted 1 request"},
		{"a clock that does not move: what was sent before the answer", RateLimitReset, entries(
			req("GET", stages, took(0), header("X-RateLimit-Remaining", "1"), header("X-RateLimit-Reset", unix(10*time.Second))),
			req("GET", stages, took(0), header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", unix(10*time.Second))),
			req("GET", stages, at(10*time.Second), took(0)),
		), Pass, ""},
		{"a clock that does not move: what was sent after the answer", RetryAfter, entries(
			req("GET", stages, took(0), status(429), header("Retry-After", "2")),
			req("GET", stages, took(0)),
		), Fail, "request 2 (GET /api/v2/opportunityStages) came 0 s after a 429 (request 1)"},
		{"a clock that does not move: the same request before its refusal", NoPointlessRetry, entries(
			req("POST", "/oauth/token", refresh("r1"), took(0)),
			req("POST", "/oauth/token", refresh("r1"), took(0), status(400)),
		), Pass, ""},
		{"a cursor sent before it was issued", OpaqueCursors, entries(
			req("GET", stages, at(time.Second), sends("c1"), took(time.Second)),
			req("GET", stages, at(1500*time.Millisecond), issues("c1")),
		), Fail, "request 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _ := New(Input{Entries: c.entries}).Check(c.check)
			if got.Verdict != c.want || !strings.Contains(got.Detail, c.detail) {
				t.Errorf("%s: %s (%s), want %s with %q", c.check, got.Verdict, got.Detail, c.want, c.detail)
			}
		})
	}
}

// What the journal no longer holds is never taken for something that did not happen: a
// cursor whose issuing answer may be gone is not judged.
func TestEvictedEntriesAreNotGuessed(t *testing.T) {
	flawed := scenarios[len(scenarios)-1].flawed
	for _, c := range []struct {
		name    string
		entries []journal.Entry
		evicted int
	}{
		{"entries evicted", flawed[1:], 1},
		{"entries cleared", flawed[1:], 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := New(Input{Entries: c.entries, Evicted: c.evicted})
			got, _ := r.Check(OpaqueCursors)
			if got.Verdict != Unexercised || !strings.Contains(got.Detail, "no longer holds") || !cmp.Equal(got.Entries, []int64{2}) {
				t.Errorf("%s %v: %s", got.Verdict, got.Entries, got.Detail)
			}
			if r.Evicted != c.evicted {
				t.Errorf("evicted %d, want %d", r.Evicted, c.evicted)
			}
		})
	}
	// Held, the issuing answer settles it.
	if got, _ := New(Input{Entries: flawed, Evicted: 0}).Check(OpaqueCursors); got.Verdict != Fail {
		t.Errorf("with every entry held: %s", got.Verdict)
	}
}

// Since judges only what came from then on; earlier entries still tell what was issued
// and what expired.
func TestSince(t *testing.T) {
	list := entries(
		req("GET", stages, status(429), header("Retry-After", "3")),
		req("GET", stages, at(100*time.Millisecond), issues("c1")), // too early, but before since
		req("GET", stages, at(time.Minute), sends("c1")),
		req("GET", stages, at(time.Minute), as(tokenB), expired()),
	)
	r := New(Input{Entries: list, Since: t0.Add(time.Minute)})
	got := verdicts(r)
	want := map[string]Verdict{ValidRequests: Pass, RetryAfter: Unexercised, RateLimitReset: Unexercised, NoRetryStorm: Unexercised,
		NoPointlessRetry: Unexercised, ExpiredToken: Pass, RefreshTokenReuse: Unexercised, NoDuplicateCreate: Unexercised, OpaqueCursors: Pass}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	// A token that expired before since and is presented after it.
	list = entries(req("GET", stages, expired()), req("GET", stages, at(time.Minute)))
	if c, _ := New(Input{Entries: list, Since: t0.Add(time.Minute)}).Check(ExpiredToken); c.Verdict != Fail || !cmp.Equal(c.Entries, []int64{1, 2}) {
		t.Errorf("expired before since, presented after: %s %v", c.Verdict, c.Entries)
	}
}

// A client with no flaw, meeting every situation at once, fails nothing.
func TestCorrectClientMeetsEverything(t *testing.T) {
	var all []journal.Entry
	var offset time.Duration
	for _, sc := range scenarios {
		for _, e := range sc.good {
			e.Time = e.Time.Add(offset)
			if !e.Answered.IsZero() {
				e.Answered = e.Answered.Add(offset)
			}
			if e.ResponseHeaders.Get("X-RateLimit-Reset") != "" {
				e.ResponseHeaders = e.ResponseHeaders.Clone()
				e.ResponseHeaders.Set("X-RateLimit-Reset", unix(offset+5*time.Second))
			}
			// Each scenario with credentials of its own, as separate parts of one client.
			if e.Credential != "" {
				e.Credential += "/" + sc.check
			}
			if e.Grant != "" {
				e.Grant += "/" + sc.check
			}
			e.CursorsIssued = suffixed(e.CursorsIssued, sc.check)
			e.CursorsSent = suffixed(e.CursorsSent, sc.check)
			all = append(all, e)
		}
		offset += time.Minute
	}
	r := New(Input{Entries: entries(all...)})
	for _, c := range r.Checks {
		if c.Verdict != Pass {
			t.Errorf("%s: %s: %s", c.Name, c.Verdict, c.Detail)
		}
	}
	if r.Passed != len(Names) || r.Failed != 0 || r.Unexercised != 0 {
		t.Errorf("passed %d, failed %d, unexercised %d", r.Passed, r.Failed, r.Unexercised)
	}
}

func suffixed(list []string, suffix string) []string {
	var out []string
	for _, s := range list {
		out = append(out, s+"/"+suffix)
	}
	return out
}

func TestEvidenceIsBounded(t *testing.T) {
	var list []journal.Entry
	for i := range MaxEvidence + 10 {
		list = append(list, req("POST", stages, at(time.Duration(i)*time.Second), body(fmt.Sprintf(`{"n":%d}`, i)), status(422)))
	}
	c, _ := New(Input{Entries: entries(list...)}).Check(ValidRequests)
	if c.Verdict != Fail || len(c.Entries) != MaxEvidence || c.Entries[0] != 1 ||
		!strings.Contains(c.Detail, fmt.Sprintf("(%d times in all)", MaxEvidence+10)) ||
		!strings.Contains(c.Detail, fmt.Sprintf("entries lists the first %d of %d", MaxEvidence, MaxEvidence+10)) {
		t.Errorf("%s, %d entries: %s", c.Verdict, len(c.Entries), c.Detail)
	}
}

// A report of a full journal: a client paging, creating and retrying, with every kind of
// situation many times over.
func BenchmarkReport(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var list []journal.Entry
			for i := range n {
				d := time.Duration(i) * 100 * time.Millisecond
				cursor := strconv.Itoa(i)
				switch i % 5 {
				case 0:
					list = append(list, req("GET", stages, at(d), issues(cursor)))
				case 1:
					list = append(list, req("GET", stages, at(d), query("page%5Bafter%5D="+strconv.Itoa(i-1)), sends(strconv.Itoa(i-1))))
				case 2:
					list = append(list, req("POST", stages, at(d), body(fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":"s%d"}}}`, i)), status(201)))
				case 3:
					list = append(list, req("GET", stages+"/1", at(d), status(503), header("Retry-After", "1")))
				case 4:
					list = append(list, req("PATCH", stages+"/1", at(d), body(`{}`), status(422), header("X-RateLimit-Remaining", "0"), header("X-RateLimit-Reset", unix(d+time.Second))))
				}
			}
			list = entries(list...)
			b.ReportAllocs()
			for b.Loop() {
				New(Input{Entries: list})
			}
		})
	}
}

// A client that looked before creating again passes, and the entries show the look.
func TestDuplicateCreateListsTheLook(t *testing.T) {
	got, _ := New(Input{Entries: entries(
		req("POST", stages, body(createBody), droppedAfter(201)),
		req("GET", stages, at(time.Second)),
		req("POST", stages, at(2*time.Second), body(createBody), status(201)),
	)}).Check(NoDuplicateCreate)
	if got.Verdict != Pass || !cmp.Equal(got.Entries, []int64{1, 2}) {
		t.Errorf("%s %v: %s", got.Verdict, got.Entries, got.Detail)
	}
}
