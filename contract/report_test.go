package contract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/mock"
)

// withoutRateLimitHeaders serves next without the X-RateLimit-* headers, which openapi.yaml
// marks x-inferred.
func withoutRateLimitHeaders(next http.Handler) http.Handler {
	return rewrite(next, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
		for _, k := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
			rec.Header().Del(k)
		}
		return rec.Code, rec.Body.Bytes()
	})
}

// runOne runs the checks matching run against handler and returns the report.
func runOne(t *testing.T, handler http.Handler, mode contract.Mode, run string) contract.Report {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: mode, Client: srv.Client(), Seed: 1, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func mockHandler(t *testing.T, opts mock.Options) http.Handler {
	t.Helper()
	m, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return m.Handler()
}

// A failure that rests only on rules openapi.yaml marks x-inferred gets the inferred
// verdict, in the line, the summary, the JSON and the JUnit reports; one that also breaks
// a rule stated as fact fails plainly, and shows the header's and the body's problems of
// the same answer together.
func TestFailuresOnGuessesAreLabelled(t *testing.T) {
	guesses := runOne(t, withoutRateLimitHeaders(mockHandler(t, mock.Options{Generate: 10})), contract.ReadOnly, "^list/conforms$")
	res := guesses.Results[0]
	if res.Verdict != contract.Inferred || res.Passed || res.Skipped {
		t.Fatalf("verdict %q, want inferred:\n%s", res.Verdict, contract.Line(res))
	}
	for _, line := range strings.Split(res.Failure, "\n") {
		if !strings.HasPrefix(line, "inferred: ") {
			t.Errorf("failure line %q does not open with inferred:", line)
		}
	}
	for _, p := range res.Problems {
		if !p.Inferred || p.InferredReason == "" || p.Exchange == nil {
			t.Errorf("problem %+v, want inferred, with its reason and its exchange", p)
		}
	}
	if got := guesses.Summary(); got != "0 passed, 1 failed (1 on inferred facts only)" {
		t.Errorf("summary %q", got)
	}
	if first, _, _ := strings.Cut(contract.Line(res), "\n"); !strings.HasSuffix(first, ", on inferred facts only") {
		t.Errorf("line %q", first)
	}
	var junit, js bytes.Buffer
	if err := contract.WriteJUnit(&junit, guesses); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(junit.String(), `type="inferred"`) || !strings.Contains(junit.String(), `message="inferred: GET /opportunityStages -&gt; 200 breaks openapi.yaml: header X-RateLimit-`) {
		t.Errorf("JUnit report:\n%.600s", junit.String())
	}
	if err := contract.WriteJSON(&js, guesses); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Inferred int `json:"inferred"`
		Checks   []struct {
			Verdict  string `json:"verdict"`
			Problems []struct {
				Inferred bool   `json:"inferred"`
				Reason   string `json:"inferredReason"`
			} `json:"problems"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Inferred != 1 || back.Checks[0].Verdict != "inferred" ||
		len(back.Checks[0].Problems) == 0 || !back.Checks[0].Problems[0].Inferred || back.Checks[0].Problems[0].Reason == "" {
		t.Errorf("JSON report: %v %+v", err, back)
	}

	idsAsStrings := rewrite(mockHandler(t, mock.Options{Generate: 10}), func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
		return rec.Code, numericID.ReplaceAll(rec.Body.Bytes(), []byte(`"id":"$1"`))
	})
	facts := runOne(t, withoutRateLimitHeaders(idsAsStrings), contract.ReadOnly, "^list/conforms$")
	res = facts.Results[0]
	if res.Verdict != contract.Fail || facts.Inferred != 0 || facts.Failed != 1 {
		t.Fatalf("verdict %q, want fail:\n%s", res.Verdict, contract.Line(res))
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^inferred: GET /opportunityStages -> 200 breaks openapi.yaml: header X-RateLimit-Limit is missing$`),
		regexp.MustCompile(`(?m)^GET /opportunityStages -> 200 breaks openapi.yaml: body /data/0/relationships/creator/data/id: `),
	} {
		if !want.MatchString(res.Failure) {
			t.Errorf("the failure does not match %s:\n%s", want, res.Failure)
		}
	}
}

// emptyFixtures are a target's data with no stage at all.
func emptyFixtures(t *testing.T) fstest.MapFS {
	users, err := fixtures.Embedded.ReadFile("users.json")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"stages.json": {Data: []byte(`{"data":[]}`)}, "users.json": {Data: users}}
}

// Against a target with no stage, a check that needs records is skipped with its reason:
// none passes on an empty page, none fails asking for stages a read-only run cannot add,
// and every check that passes names the exchanges it judged.
func TestNothingToJudgeIsSkipped(t *testing.T) {
	report := runOne(t, mockHandler(t, mock.Options{Fixtures: emptyFixtures(t)}), contract.ReadOnly, "")
	mustSkip := map[string]bool{
		"list/conforms": true, "list/cursor-walk": true, "list/page-size": true, "list/sort/name/asc": true,
		"list/sort/two-keys": true, "list/filter/exact": true, "list/fields": true, "list/include-creator": true,
		"list/resource-meta": true, "get/matches-list": true, "clients/offset-mixed-with-cursor": true,
		"clients/repeated-parameter-last-wins": true, "property/order": true, "property/each-once": true,
		"property/fields": true, "links/absolute": true, "links/followed": true,
	}
	for _, res := range report.Results {
		text := res.Failure + res.SkipReason
		switch {
		case strings.Contains(text, "add stages") || strings.Contains(text, "add some"):
			t.Errorf("%s asks for stages:\n%s", res.Name, contract.Line(res))
		case strings.HasPrefix(res.Failure, "skipped:"):
			t.Errorf("%s fails with a skip:\n%s", res.Name, contract.Line(res))
		case res.Passed && len(res.Requests) == 0:
			t.Errorf("%s passed without naming an exchange", res.Name)
		case mustSkip[res.Name] && !res.Skipped:
			t.Errorf("%s has nothing to judge, want skipped:\n%s", res.Name, contract.Line(res))
		}
	}
}

// Every property check names the exchanges it judged, the shared full listing and walks
// included, not only the first one to run, which sent them.
func TestPropertyChecksNameWhatTheyJudged(t *testing.T) {
	report := runOne(t, mockHandler(t, mock.Options{Generate: 10}), contract.ReadOnly, "^property/")
	if len(report.Results) < 8 {
		t.Fatalf("%d property checks ran", len(report.Results))
	}
	for _, res := range report.Results {
		if !res.Passed {
			t.Errorf("%s", contract.Line(res))
		}
		if len(res.Requests) < 2 || !strings.Contains(res.Requests[0].URL, "include=creator") {
			t.Errorf("%s names %d requests, want the full listing first and its walks", res.Name, len(res.Requests))
		}
	}
}

// malformedJSON is the body of generated/invalid-bodies that a server may never answer.
const malformedJSON = `{"data":{"type":"opportunityStage"`

// noAnswer fails every request that posts the malformed JSON body, as a client timeout
// would, without waiting for one.
type noAnswer struct{ next http.RoundTripper }

func (n noAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		if string(body) == malformedJSON {
			return nil, errors.New("timeout awaiting response headers")
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return n.next.RoundTrip(r)
}

// A body that never gets an answer is named with what it breaks, the problems found
// before it are kept, and the bodies after it are still sent.
func TestNoAnswerNamesTheRequestAndTheCheckGoesOn(t *testing.T) {
	m, err := mock.New(mock.Options{Generate: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Bodies without data (sent before the malformed one) and with order as a string
	// (sent after it) get a 500, each a problem of its own.
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		if string(body) == `{"data":[]}` || strings.Contains(string(body), `"order":"7"`) {
			r.Header.Set("Prefer", "code=500")
		}
		m.Handler().ServeHTTP(w, r)
	})
	srv := httptest.NewServer(failing)
	defer srv.Close()
	client := srv.Client()
	client.Transport = noAnswer{client.Transport}
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: contract.Full, Client: client, Seed: 1, Run: "^generated/invalid-bodies$"})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Results[0]
	t.Logf("%s", contract.Line(res))
	for _, want := range []string{"data as a list: status 500", "malformed JSON: POST " + srv.URL + "/api/v2/opportunityStages got no answer", "order as a string: status 500"} {
		if !strings.Contains(res.Failure, want) {
			t.Errorf("the failure does not say %q", want)
		}
	}
	if len(report.Leftovers) > 0 || m.Len() != 18 {
		t.Errorf("after the run: %d stages, left behind %v", m.Len(), report.Leftovers)
	}
}

// A spec whose servers are absolute is used by its path below the target, and messages
// name the spec in use.
func TestSpecWithAbsoluteServers(t *testing.T) {
	spec, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	absolute := bytes.Replace(spec, []byte("\n  - url: /api/v2\n"), []byte("\n  - url: https://api.outreach.io/api/v2\n"), 1)
	if bytes.Equal(absolute, spec) {
		t.Fatal("openapi.yaml has no server /api/v2 to make absolute")
	}
	srv := httptest.NewServer(withoutRateLimitHeaders(mockHandler(t, mock.Options{Generate: 10})))
	defer srv.Close()
	report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(),
		Spec: absolute, SpecName: "absolute.yaml", Run: "^list/conforms$"})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Results[0]
	if !strings.Contains(res.Failure, "breaks absolute.yaml: header X-RateLimit-Limit is missing") || strings.Contains(res.Failure, "openapi.yaml") || strings.Contains(res.Failure, "no operation") {
		t.Errorf("%s", contract.Line(res))
	}
}

// A target given with the API root's path is used as the API root, not below it; the
// exchange asked for with Prefer lists its Prefer header.
func TestTargetWithTheAPIPathAndPreferListed(t *testing.T) {
	srv := httptest.NewServer(mockHandler(t, mock.Options{Generate: 10}))
	defer srv.Close()
	for _, target := range []string{srv.URL, srv.URL + "/api/v2", srv.URL + "/api/v2/"} {
		report, err := contract.Run(t.Context(), contract.Config{Target: target, Token: "t", Client: srv.Client(), Run: "^errors/rate-limited$"})
		if err != nil {
			t.Fatalf("target %s: %v", target, err)
		}
		res := report.Results[0]
		if !res.Passed || len(res.Requests) != 1 {
			t.Fatalf("target %s: %s", target, contract.Line(res))
		}
		sent := res.Requests[0]
		if sent.URL != srv.URL+"/api/v2/opportunityStages?page%5Bsize%5D=1" || sent.Header.Get("Prefer") != "code=429" {
			t.Errorf("target %s: listed %+v, want the list under one /api/v2 with Prefer: code=429", target, sent)
		}
	}
}
