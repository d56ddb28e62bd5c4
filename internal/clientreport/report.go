// Package clientreport judges a client by the journal of what it sent and what it was
// answered: nine named checks of how it behaves when the API has a bad day (Retry-After,
// a spent rate limit, 5xx and dropped connections, refused requests, expired and rotating
// tokens, lost answers, opaque cursors), each with a verdict, a detail that says what a
// correct client does, and the journal entries that show it. It only reads entries, so
// that a report costs nothing until someone asks for one.
package clientreport

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/journal"
)

// Verdict is what a check concluded.
type Verdict string

const (
	// Pass: the situation arose and the client behaved.
	Pass Verdict = "pass"
	// Fail: the situation arose and the client misbehaved; the entries show it.
	Fail Verdict = "fail"
	// Unexercised: the situation never arose, or the journal cannot tell; nothing is claimed.
	Unexercised Verdict = "unexercised"
)

// The checks' names: stable, since scripts and CI depend on them.
const (
	ValidRequests     = "valid-requests"
	RetryAfter        = "retry-after"
	RateLimitReset    = "rate-limit-reset"
	NoRetryStorm      = "no-retry-storm"
	NoPointlessRetry  = "no-pointless-retry"
	ExpiredToken      = "expired-token"
	RefreshTokenReuse = "refresh-token-reuse"
	NoDuplicateCreate = "no-duplicate-create"
	OpaqueCursors     = "opaque-cursors"
)

// Names are the checks, in the order a report lists them.
var Names = []string{ValidRequests, RetryAfter, RateLimitReset, NoRetryStorm, NoPointlessRetry,
	ExpiredToken, RefreshTokenReuse, NoDuplicateCreate, OpaqueCursors}

// The retry storm: StormSends sends of the same request within StormWindow, counting the
// one that failed. The vendor's documentation gives no figure; this one is the project's.
const (
	StormSends  = 4
	StormWindow = 2 * time.Second
)

// MaxEvidence bounds the entries one check lists.
const MaxEvidence = 50

// Check is one check's verdict.
type Check struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	// Detail says what happened and what a correct client does.
	Detail string `json:"detail"`
	// Entries are the ids of the journal entries that show it, at most MaxEvidence.
	Entries []int64 `json:"entries"`
}

// Report is the verdict of every check, and how many of each there are.
type Report struct {
	Checks      []Check `json:"checks"`
	Passed      int     `json:"passed"`
	Failed      int     `json:"failed"`
	Unexercised int     `json:"unexercised"`
	// Evicted is how many entries the journal dropped: the verdicts rest only on the rest.
	Evicted int `json:"evicted"`
}

// Check returns the check of that name, and whether the report has it.
func (r Report) Check(name string) (Check, bool) {
	i := slices.IndexFunc(r.Checks, func(c Check) bool { return c.Name == name })
	if i < 0 {
		return Check{}, false
	}
	return r.Checks[i], true
}

// Input is what a report is made from: one sandbox's journal.
type Input struct {
	// Entries are the journal's entries, oldest first, as journal.List returns them.
	Entries []journal.Entry
	// Evicted is how many entries the journal dropped before them.
	Evicted int
	// Since, when set, judges only what happened from then on: a situation counts when
	// its entries arrived at or after it. Earlier entries still tell what was issued,
	// exchanged or expired before.
	Since time.Time
}

// New judges the entries with every check.
func New(in Input) Report {
	v := newView(in)
	r := Report{Evicted: in.Evicted}
	for _, check := range []func(*view) Check{validRequests, retryAfter, rateLimitReset, noRetryStorm,
		noPointlessRetry, expiredToken, refreshTokenReuse, noDuplicateCreate, opaqueCursors} {
		c := check(v)
		switch c.Verdict {
		case Pass:
			r.Passed++
		case Fail:
			r.Failed++
		default:
			r.Unexercised++
		}
		r.Checks = append(r.Checks, c)
	}
	return r
}

// view is the journal as the checks read it.
type view struct {
	all    []*journal.Entry // every entry, in id order
	window []*journal.Entry // those judged: arrived at or after Since, in arrival order
	// byCredential and byFingerprint are the window's entries that presented a
	// credential, and that have a fingerprint, in arrival order.
	byCredential  map[string][]*journal.Entry
	byFingerprint map[string][]*journal.Entry
	// unheld says the journal no longer holds some earlier entries (dropped or cleared),
	// and heldFrom is the first id it holds.
	unheld   bool
	heldFrom int64
	evicted  int
	since    time.Time
	// lineage maps the hash of a token to the first token of its authorization: the
	// tokens one grant issued, and those issued by exchanging its refresh token, are one
	// client's. A credential it does not name is its own lineage.
	lineage map[string]string
}

// client is the lineage of a credential: the same for every token of one authorization.
func (v *view) client(credential string) string {
	if first, ok := v.lineage[credential]; ok {
		return first
	}
	return credential
}

func newView(in Input) *view {
	v := &view{byCredential: map[string][]*journal.Entry{}, byFingerprint: map[string][]*journal.Entry{}, evicted: in.Evicted, since: in.Since}
	for i := range in.Entries {
		e := &in.Entries[i]
		v.all = append(v.all, e)
		if inWindow(v, e) {
			v.window = append(v.window, e)
		}
	}
	slices.SortStableFunc(v.all, func(a, b *journal.Entry) int { return cmpInt(a.ID, b.ID) })
	slices.SortStableFunc(v.window, byArrival)
	for _, e := range v.window {
		if e.Credential != "" {
			v.byCredential[e.Credential] = append(v.byCredential[e.Credential], e)
		}
		if e.Fingerprint != "" {
			v.byFingerprint[e.Fingerprint] = append(v.byFingerprint[e.Fingerprint], e)
		}
	}
	v.lineage = lineages(v.all)
	if len(v.all) > 0 {
		v.heldFrom = v.all[0].ID
	}
	v.unheld = in.Evicted > 0 || v.heldFrom > 1
	return v
}

// lineages links the tokens of each authorization: a token request issues tokens (an
// access token and a refresh token), and one that exchanged a refresh token continues the
// lineage that token belongs to. Each token maps to its lineage's first token.
func lineages(all []*journal.Entry) map[string]string {
	root := map[string]string{}
	for _, e := range all {
		if len(e.Issued) == 0 {
			continue
		}
		first := e.Issued[0]
		if e.GrantType == "refresh_token" && e.Grant != "" {
			if r, ok := root[e.Grant]; ok {
				first = r
			}
		}
		for _, t := range e.Issued {
			if _, ok := root[t]; !ok {
				root[t] = first
			}
		}
	}
	return root
}

// byArrival orders entries by when their requests arrived, then by id.
func byArrival(a, b *journal.Entry) int {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c
	}
	return cmpInt(a.ID, b.ID)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// after are the entries of list (in arrival order) that arrived at or after from and
// before until (no bound when until is zero), other than e itself: what the client sent
// once it had e's answer. An entry that arrived at from exactly counts only when it was
// journaled after e: a clock that does not move between requests (a test's) stamps a
// request sent before e's answer with the same time, and the journal's order tells them
// apart.
func after(list []*journal.Entry, e *journal.Entry, from, until time.Time) []*journal.Entry {
	var out []*journal.Entry
	for _, x := range list[arrivedFrom(list, from):] {
		if !until.IsZero() && !x.Time.Before(until) {
			break
		}
		if reacts(x, e, from) {
			out = append(out, x)
		}
	}
	return out
}

// firstAfter is the first of after, or nil.
func firstAfter(list []*journal.Entry, e *journal.Entry, from, until time.Time) *journal.Entry {
	for _, x := range list[arrivedFrom(list, from):] {
		if !until.IsZero() && !x.Time.Before(until) {
			return nil
		}
		if reacts(x, e, from) {
			return x
		}
	}
	return nil
}

// reacts says x, which arrived at or after from, may have been sent once e's answer had
// left at from: it is not e, and it arrived later, or at from and was journaled after e.
func reacts(x, e *journal.Entry, from time.Time) bool {
	return x != e && (x.Time.After(from) || x.ID > e.ID)
}

// arrivedFrom is the index of the first entry of list (in arrival order) that arrived at
// or after t.
func arrivedFrom(list []*journal.Entry, t time.Time) int {
	i, _ := slices.BinarySearchFunc(list, t, func(x *journal.Entry, t time.Time) int { return x.Time.Compare(t) })
	return i
}

// answered is when e's answer was sent: as the journal says, else its arrival plus its
// duration.
func answered(e *journal.Entry) time.Time {
	if !e.Answered.IsZero() {
		return e.Answered
	}
	return e.Time.Add(time.Duration(e.DurationMS * float64(time.Millisecond)))
}

func isOAuth(e *journal.Entry) bool { return strings.HasPrefix(e.Path, "/oauth/") }

// dropped says the client got no answer: the connection was closed instead.
func dropped(e *journal.Entry) bool { return e.Status == 0 || e.Dropped != "" }

// request names an entry for a person: "request 14 (GET /api/v2/opportunityStages/1)".
func request(e *journal.Entry) string {
	return fmt.Sprintf("request %d (%s %s)", e.ID, e.Method, e.Path)
}

// plural is "1 answer", "2 answers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// seconds writes a duration in seconds, to the millisecond: "0.2 s", "3 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Millisecond).Seconds(), 'f', -1, 64) + " s"
}

// judge gathers one check's findings and turns them into its verdict.
type judge struct {
	name string
	// rule is what a correct client does, to follow "A correct client ".
	rule string
	// none says why nothing was judged, when the situation never arose.
	none string
	// passed says what went right, given how many situations were judged.
	passed func(n int) string

	judged   int
	arose    []int64 // the entries where the situations arose
	failures []string
	evidence []int64 // the entries that show the failures
	unjudged []int64
	why      []string // why some situations could not be judged, each once
}

// judging records a situation that arose and is judged, at the entries given.
func (j *judge) judging(ids ...int64) {
	j.judged++
	j.arose = append(j.arose, ids...)
}

// fail records a misbehaviour and the entries that show it.
func (j *judge) fail(what string, ids ...int64) {
	j.failures = append(j.failures, what)
	j.evidence = append(j.evidence, ids...)
}

// cannot records a situation that the journal cannot judge, and why.
func (j *judge) cannot(e *journal.Entry, why string) {
	j.unjudged = append(j.unjudged, e.ID)
	if !slices.Contains(j.why, why) {
		j.why = append(j.why, why)
	}
}

func (j *judge) check(v *view) Check {
	c := Check{Name: j.name, Entries: []int64{}}
	var detail []string
	switch {
	case len(j.failures) > 0:
		c.Verdict = Fail
		first := j.failures[0]
		if n := len(j.failures); n > 1 {
			first += fmt.Sprintf(" (%d times in all)", n)
		}
		detail = append(detail, first)
		c.Entries = j.evidence
	case j.judged > 0:
		c.Verdict = Pass
		detail = append(detail, j.passed(j.judged))
		c.Entries = j.arose
	default:
		c.Verdict = Unexercised
		detail = append(detail, j.none)
		c.Entries = j.unjudged
	}
	if len(j.unjudged) > 0 {
		detail = append(detail, fmt.Sprintf("%d could not be judged: %s", len(j.unjudged), strings.Join(j.why, "; ")))
	}
	if c.Verdict == Unexercised && v.unheld {
		detail = append(detail, fmt.Sprintf("the journal holds entries from id %d on (%d evicted), and only those are judged", v.heldFrom, v.evicted))
	}
	c.Entries = slices.Compact(slices.Sorted(slices.Values(c.Entries)))
	if c.Entries == nil {
		c.Entries = []int64{}
	}
	if n := len(c.Entries); n > MaxEvidence {
		c.Entries = c.Entries[:MaxEvidence]
		detail = append(detail, fmt.Sprintf("entries lists the first %d of %d", MaxEvidence, n))
	}
	c.Detail = strings.TrimSuffix(strings.Join(detail, "; "), ".") + ". A correct client " + j.rule + "."
	return c
}
