package mock_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages/internal/junit"
	"github.com/oppstages/oppstages/mock"
)

// tcpClient is a scripted client of a served mock: it speaks HTTP over loopback TCP, as
// the code under test would, and waits by moving the server's clock, so that the report
// measures exactly what the script did and no test sleeps.
type tcpClient struct {
	t       *testing.T
	srv     *mock.Server
	base    string
	http    *http.Client
	clock   *manualClock
	token   string // the bearer token sent, "" for none
	sandbox string // X-Mock-Sandbox, "" for the default sandbox
	sent    int64  // requests sent to the API and the authorization server: journal ids
}

// reply is what a request got: an answer, or a connection that broke without one.
type reply struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// servedMock serves a mock with a manual clock on loopback and returns a client of it.
func servedMock(t *testing.T, opts mock.Options) *tcpClient {
	t.Helper()
	clock := &manualClock{now: epoch.Add(123 * time.Millisecond)}
	opts.Clock = clock.Now
	s, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	client := &http.Client{
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second, // a hang fails the test, not the run
	}
	t.Cleanup(client.CloseIdleConnections)
	return &tcpClient{t: t, srv: s, base: ts.URL, http: client, clock: clock, token: "token-1"}
}

// in is another client of the same server, in a sandbox of its own.
func (c *tcpClient) in(sandbox string) *tcpClient {
	other := *c
	other.sandbox, other.sent = sandbox, 0
	return &other
}

func (c *tcpClient) wait(d time.Duration) { c.clock.Advance(d) }

// do sends a request to target (a path, or a link the mock gave) with the client's token
// and returns what came back; the request's journal id is c.sent afterwards.
func (c *tcpClient) do(method, target, contentType, body string) reply {
	c.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = c.base + target
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.sandbox != "" {
		req.Header.Set("X-Mock-Sandbox", c.sandbox)
	}
	c.sent++
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: got, err: err}
}

func (c *tcpClient) get(target string) reply { return c.do("GET", target, "", "") }

func (c *tcpClient) create(name string) reply {
	return c.do("POST", stages, "application/vnd.api+json",
		fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q,"order":5}}}`, name))
}

// want fails the test unless the reply has the status.
func (c *tcpClient) want(r reply, status int) reply {
	c.t.Helper()
	if r.err != nil || r.status != status {
		c.t.Fatalf("request %d: %d %v, want %d\n%s", c.sent, r.status, r.err, status, r.body)
	}
	return r
}

// fault adds a fault rule to the client's sandbox.
func (c *tcpClient) fault(rule mock.FaultRule) {
	c.t.Helper()
	box, err := c.srv.Sandbox(c.sandbox)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := box.AddFault(rule); err != nil {
		c.t.Fatal(err)
	}
}

// tokens is what a token request answered.
type tokens struct{ access, refresh string }

// authorize runs the authorization code flow without a bearer token and uses the access
// token it gets.
func (c *tcpClient) authorize() tokens {
	c.t.Helper()
	c.token = ""
	q := url.Values{"client_id": {appID}, "redirect_uri": {appCallback}, "response_type": {"code"}, "scope": {"opportunityStages.all"}, "state": {"s"}}
	r := c.want(c.get("/oauth/authorize?"+q.Encode()), http.StatusFound)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.exchange(codeForm(loc.Query().Get("code")), http.StatusOK)
}

// refresh exchanges a refresh token and uses the access token it gets.
func (c *tcpClient) refresh(refreshToken string, status int) tokens {
	c.t.Helper()
	return c.exchange(refreshForm(refreshToken), status)
}

func (c *tcpClient) exchange(form url.Values, status int) tokens {
	c.t.Helper()
	c.token = ""
	r := c.want(c.do("POST", "/oauth/token", "application/x-www-form-urlencoded", form.Encode()), status)
	var doc tokenDoc
	if status == http.StatusOK {
		if err := json.Unmarshal(r.body, &doc); err != nil {
			c.t.Fatal(err)
		}
	}
	c.token = doc.AccessToken
	return tokens{doc.AccessToken, doc.RefreshToken}
}

// report reads the client report of the client's sandbox over the admin API, checks that
// its JUnit form validates, and returns the JSON one.
func (c *tcpClient) report() mock.ClientReport {
	c.t.Helper()
	read := func(query string) []byte {
		req, _ := http.NewRequest("GET", c.base+"/__admin/client-report"+query, nil)
		if c.sandbox != "" {
			req.Header.Set("X-Mock-Sandbox", c.sandbox)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			c.t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			c.t.Fatalf("client report: %d %s", resp.StatusCode, body)
		}
		return body
	}
	if err := junit.Validate(read("?format=junit")); err != nil {
		c.t.Errorf("the JUnit report breaks the schema: %v", err)
	}
	var r mock.ClientReport
	if err := json.Unmarshal(read(""), &r); err != nil {
		c.t.Fatal(err)
	}
	return r
}

// nextLink is the links.next of a list answer.
func nextLink(t *testing.T, r reply) string {
	t.Helper()
	var doc listDoc
	if err := json.Unmarshal(r.body, &doc); err != nil || doc.Links.Next == "" {
		t.Fatalf("no next link (%v): %s", err, r.body)
	}
	return doc.Links.Next
}

// reportScript is a scripted client for one check: one that behaves, one with exactly the
// check's flaw, which returns the journal entries that show it, and one that never meets
// the situation. Each runs against a mock of its own, made with opts.
type reportScript struct {
	check     string
	opts      mock.Options
	behaves   func(c *tcpClient)
	flawed    func(c *tcpClient) []int64
	unexposed func(c *tcpClient)
}

var reportScripts = []reportScript{
	{
		check: "valid-requests",
		behaves: func(c *tcpClient) {
			c.want(c.get(stages), 200)
			c.want(c.create("Qualified"), 201)
		},
		flawed: func(c *tcpClient) []int64 {
			c.want(c.get(stages), 200)
			c.want(c.create(""), 422) // the vendor refuses a blank name
			return []int64{2}
		},
		unexposed: func(c *tcpClient) { // every answer is a fault rule's
			c.fault(mock.FaultRule{Status: 500, Times: new(1)})
			c.want(c.get(stages), 500)
		},
	},
	{
		check: "retry-after",
		behaves: func(c *tcpClient) {
			c.fault(mock.FaultRule{Status: 429, Headers: map[string]string{"Retry-After": "2"}, Times: new(1)})
			r := c.want(c.get(stages), 429)
			seconds, _ := strconv.Atoi(r.header.Get("Retry-After"))
			c.wait(time.Duration(seconds) * time.Second)
			c.want(c.get(stages), 200)
		},
		flawed: func(c *tcpClient) []int64 {
			c.fault(mock.FaultRule{Status: 429, Headers: map[string]string{"Retry-After": "2"}, Times: new(1)})
			c.want(c.get(stages), 429)
			c.wait(200 * time.Millisecond)
			c.want(c.get(stages), 200)
			return []int64{1, 2}
		},
		unexposed: func(c *tcpClient) { c.want(c.get(stages), 200) },
	},
	{
		check: "rate-limit-reset",
		opts:  mock.Options{RateLimit: 2, RateWindow: 10 * time.Second},
		behaves: func(c *tcpClient) {
			c.want(c.get(stages), 200)
			r := c.want(c.get(stages), 200)
			if r.header.Get("X-RateLimit-Remaining") == "0" {
				reset, _ := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
				c.wait(time.Unix(reset, 0).Sub(c.clock.Now()))
			}
			c.want(c.get(stages), 200)
		},
		flawed: func(c *tcpClient) []int64 {
			c.want(c.get(stages), 200)
			c.want(c.get(stages), 200) // X-RateLimit-Remaining: 0, ignored
			c.want(c.get(stages), 429)
			return []int64{2, 3}
		},
		unexposed: func(c *tcpClient) {
			c.want(c.get(stages), 200) // one of two left
		},
	},
	{
		check: "no-retry-storm",
		behaves: func(c *tcpClient) {
			c.fault(mock.FaultRule{Status: 500, Times: new(3)})
			backoff := 500 * time.Millisecond
			for range 4 {
				if r := c.get(stages + "/1"); r.err == nil && r.status == 200 {
					return
				}
				c.wait(backoff)
				backoff *= 2
			}
			c.t.Fatal("no success after four tries")
		},
		flawed: func(c *tcpClient) []int64 {
			c.fault(mock.FaultRule{Status: 500, Times: new(3)})
			for range 4 {
				if r := c.get(stages + "/1"); r.status == 200 {
					break
				}
				c.wait(100 * time.Millisecond)
			}
			return []int64{1, 2, 3, 4}
		},
		unexposed: func(c *tcpClient) { c.want(c.get(stages+"/1"), 200) },
	},
	{
		check: "no-pointless-retry",
		behaves: func(c *tcpClient) {
			c.fault(mock.FaultRule{Method: "POST", Status: 422, Times: new(1)})
			c.want(c.create("Proposal"), 422)
			c.want(c.create("Proposal sent"), 201) // changed before it was sent again
		},
		flawed: func(c *tcpClient) []int64 {
			c.fault(mock.FaultRule{Method: "POST", Status: 422, Times: new(1)})
			c.want(c.create("Proposal"), 422)
			c.wait(time.Second)
			c.want(c.create("Proposal"), 201)
			return []int64{1, 2}
		},
		unexposed: func(c *tcpClient) { c.want(c.create("Proposal"), 201) },
	},
	{
		check: "expired-token",
		opts:  mock.Options{TokenTTL: time.Minute},
		behaves: func(c *tcpClient) {
			granted := c.authorize()
			c.want(c.get(stages), 200)
			c.wait(2 * time.Minute)
			c.want(c.get(stages), 401)
			c.refresh(granted.refresh, 200)
			c.want(c.get(stages), 200)
		},
		flawed: func(c *tcpClient) []int64 {
			c.authorize()
			c.want(c.get(stages), 200)
			c.wait(2 * time.Minute)
			c.want(c.get(stages), 401)
			c.wait(time.Second)
			c.want(c.get(stages+"/1"), 401)
			return []int64{4, 5}
		},
		unexposed: func(c *tcpClient) {
			c.authorize()
			c.want(c.get(stages), 200)
		},
	},
	{
		check: "refresh-token-reuse",
		behaves: func(c *tcpClient) {
			granted := c.authorize()
			granted = c.refresh(granted.refresh, 200)
			c.refresh(granted.refresh, 200)
			c.want(c.get(stages), 200)
		},
		flawed: func(c *tcpClient) []int64 {
			granted := c.authorize()
			c.refresh(granted.refresh, 200)
			c.refresh(granted.refresh, 400) // rotated: the old one no longer works
			return []int64{3, 4}
		},
		unexposed: func(c *tcpClient) {
			c.authorize()
			c.want(c.get(stages), 200)
		},
	},
	{
		check: "no-duplicate-create",
		behaves: func(c *tcpClient) {
			c.fault(mock.FaultRule{Method: "POST", Path: stages, Drop: mock.DropAfter, Times: new(1)})
			if r := c.create("Negotiation"); r.err == nil {
				c.t.Fatalf("the create was answered %d, want a broken connection", r.status)
			}
			c.wait(time.Second)
			found := c.want(c.get(stages+"?filter%5Bname%5D=Negotiation"), 200)
			if !strings.Contains(string(found.body), `"Negotiation"`) {
				c.want(c.create("Negotiation"), 201)
			}
		},
		flawed: func(c *tcpClient) []int64 {
			c.fault(mock.FaultRule{Method: "POST", Path: stages, Drop: mock.DropAfter, Times: new(1)})
			if r := c.create("Negotiation"); r.err == nil {
				c.t.Fatalf("the create was answered %d, want a broken connection", r.status)
			}
			c.wait(time.Second)
			c.want(c.create("Negotiation"), 201)
			return []int64{1, 2}
		},
		unexposed: func(c *tcpClient) { c.want(c.create("Negotiation"), 201) },
	},
	{
		check: "opaque-cursors",
		opts:  mock.Options{Generate: 20},
		behaves: func(c *tcpClient) {
			first := c.want(c.get(stages+"?page%5Bsize%5D=10"), 200)
			c.want(c.get(nextLink(c.t, first)), 200)
		},
		flawed: func(c *tcpClient) []int64 {
			// A cursor kept from another environment: the server reads it, but no answer
			// in this sandbox issued it.
			elsewhere := c.in("elsewhere")
			next := nextLink(c.t, elsewhere.want(elsewhere.get(stages+"?page%5Bsize%5D=5"), 200))
			c.want(c.get(stages+"?page%5Bsize%5D=10"), 200)
			u, _ := url.Parse(next)
			c.want(c.get(stages+"?page%5Bsize%5D=10&page%5Bafter%5D="+url.QueryEscape(u.Query().Get("page[after]"))), 200)
			return []int64{2}
		},
		unexposed: func(c *tcpClient) { c.want(c.get(stages+"?page%5Bsize%5D=10"), 200) },
	},
}

// Every check, judged on clients that talk to a served mock over TCP: one that behaves
// passes it, one with exactly its flaw fails it, naming the entries that show it, and
// fails nothing else, and one that never meets the situation leaves it unexercised.
func TestClientReportOfScriptedClients(t *testing.T) {
	if names := mock.ReportCheckNames(); len(names) != len(reportScripts) {
		t.Fatalf("%d scripts for %d checks", len(reportScripts), len(names))
	}
	for i, sc := range reportScripts {
		if sc.check != mock.ReportCheckNames()[i] {
			t.Fatalf("script %d is for %s, want %s", i, sc.check, mock.ReportCheckNames()[i])
		}
		for _, run := range []struct {
			name string
			play func(c *tcpClient) []int64
			want mock.Verdict
		}{
			{"behaves", func(c *tcpClient) []int64 { sc.behaves(c); return nil }, mock.VerdictPass},
			{"flawed", sc.flawed, mock.VerdictFail},
			{"never meets it", func(c *tcpClient) []int64 { sc.unexposed(c); return nil }, mock.VerdictUnexercised},
		} {
			t.Run(sc.check+"/"+run.name, func(t *testing.T) {
				t.Parallel()
				c := servedMock(t, sc.opts)
				evidence := run.play(c)
				report := c.report()
				got := verdictOf(t, report, sc.check)
				if got.Verdict != run.want {
					t.Errorf("%s: %s, want %s: %s", sc.check, got.Verdict, run.want, got.Detail)
				}
				if run.want == mock.VerdictFail && !slices.Equal(got.Entries, evidence) {
					t.Errorf("%s names entries %v, want %v: %s", sc.check, got.Entries, evidence, got.Detail)
				}
				for _, other := range report.Checks {
					if other.Name != sc.check && other.Verdict == mock.VerdictFail {
						t.Errorf("%s fails too: %s %v", other.Name, other.Detail, other.Entries)
					}
				}
				if t.Failed() {
					logJournal(t, c)
				}
			})
		}
	}
}

// logJournal writes the sandbox's journal to the test log, for a failure to be read.
func logJournal(t *testing.T, c *tcpClient) {
	box, _ := c.srv.Sandbox(c.sandbox)
	log, _ := box.Requests(mock.JournalFilter{})
	for _, e := range log.Requests {
		t.Logf("%d %s %s %s?%s -> %d injected=%v dropped=%q expired=%v retry-after=%q remaining=%q",
			e.ID, e.Time.Format("15:04:05.000"), e.Method, e.Path, e.Query, e.Status, e.Injected, e.Dropped, e.CredentialExpired,
			e.ResponseHeaders.Get("Retry-After"), e.ResponseHeaders.Get("X-RateLimit-Remaining"))
	}
}
