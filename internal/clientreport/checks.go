package clientreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/journal"
)

// Why a situation cannot be judged.
const (
	noCredential  = "the request presented no credential, so whose next request it was cannot be told"
	noFingerprint = "the request's body was not kept whole, so whether it was sent again cannot be told"
)

// validRequests: no request the API's own validation refused (400, 415, 422). Answers
// from fault rules or Prefer, the upstream's answers, and /oauth/ answers, do not count.
func validRequests(v *view) Check {
	j := judge{name: ValidRequests,
		rule: "sends only requests the contract allows (openapi.yaml and the vendor's attribute rules), so that none is refused with 400, 415 or 422",
		none: "no API request was answered by the mock's API itself (answers from fault rules, Prefer or the upstream, and /oauth/ answers, do not count)",
		passed: func(n int) string {
			return fmt.Sprintf("the API's validation accepted %s", plural(n, "request"))
		}}
	for _, e := range v.window {
		if isOAuth(e) || e.Injected || e.Forwarded || dropped(e) || controlHeaderError(e) {
			continue
		}
		j.judged++
		switch e.Status {
		case http.StatusBadRequest, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			j.fail(fmt.Sprintf("%s was refused with %d%s", request(e), e.Status, errorSummary(e)), e.ID)
		}
	}
	return j.check(v)
}

// apiError is the part of a JSON:API error document the report quotes.
type apiError struct {
	Errors []struct {
		ID     string `json:"id"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

func readError(e *journal.Entry) (apiError, bool) {
	var doc apiError
	if len(e.ResponseBody) == 0 || json.Unmarshal(e.ResponseBody, &doc) != nil || len(doc.Errors) == 0 {
		return apiError{}, false
	}
	return doc, true
}

// controlHeaderError says the answer refused one of the mock's own control headers
// (Prefer, X-Mock-*), which are no part of the API's contract.
func controlHeaderError(e *journal.Entry) bool {
	if e.Status != http.StatusBadRequest {
		return false
	}
	doc, ok := readError(e)
	return ok && strings.HasPrefix(doc.Errors[0].ID, "mockBad")
}

// errorSummary is the first error of the answer, as " validationError: Name can't be
// blank", or "" when the body holds none.
func errorSummary(e *journal.Entry) string {
	doc, ok := readError(e)
	if !ok {
		return ""
	}
	first := doc.Errors[0]
	detail := first.Detail
	if len(detail) > 120 {
		detail = strings.ToValidUTF8(detail[:120], "") + "…"
	}
	switch {
	case first.ID != "" && detail != "":
		return " " + first.ID + ": " + detail
	case first.ID != "":
		return " " + first.ID
	}
	return ""
}

// retryAfter: after an answer carrying Retry-After, nothing with that credential until it
// has passed, from when the answer was sent to the next request's arrival.
func retryAfter(v *view) Check {
	j := judge{name: RetryAfter,
		rule: "sends nothing with the same credential until Retry-After has passed, counted from when the answer was sent (or, when the same answer gave an earlier X-RateLimit-Reset, until then)",
		none: "no answer carried Retry-After",
		passed: func(n int) string {
			return fmt.Sprintf("%s carried Retry-After, and the client waited for each", plural(n, "answer"))
		}}
	for _, e := range v.window {
		value := e.ResponseHeaders.Get("Retry-After")
		if dropped(e) || value == "" {
			continue
		}
		if e.Credential == "" {
			j.cannot(e, noCredential)
			continue
		}
		sent := answered(e)
		until, ok := retryUntil(value, sent)
		if !ok {
			j.cannot(e, fmt.Sprintf("its Retry-After %q is neither seconds nor an HTTP date", clip(value)))
			continue
		}
		// Retry-After is whole seconds from when the answer was sent, rounded up; the same
		// answer's X-RateLimit-Reset may name an earlier moment, and a client that waits
		// for either is not early.
		if reset, err := strconv.ParseInt(strings.TrimSpace(e.ResponseHeaders.Get("X-RateLimit-Reset")), 10, 64); err == nil && reset >= 0 {
			if r := time.Unix(reset, 0); r.Before(until) {
				until = r
			}
		}
		j.judging(e.ID)
		if next := firstAfter(v.byCredential[e.Credential], e, sent, until); next != nil {
			j.fail(fmt.Sprintf("%s came %s after a %d (request %d) that said Retry-After: %s",
				request(next), seconds(next.Time.Sub(sent)), e.Status, e.ID, clip(value)), e.ID, next.ID)
		}
	}
	return j.check(v)
}

// retryUntil is when a Retry-After sent at sent has passed: whole seconds from then, or
// an HTTP date.
func retryUntil(value string, sent time.Time) (time.Time, bool) {
	value = strings.TrimSpace(value)
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		if n < 0 || n > 1<<31 {
			return time.Time{}, false
		}
		return sent.Add(time.Duration(n) * time.Second), true
	}
	t, err := http.ParseTime(value)
	return t, err == nil
}

// rateLimitReset: after X-RateLimit-Remaining: 0 without Retry-After, nothing with that
// credential before X-RateLimit-Reset.
func rateLimitReset(v *view) Check {
	j := judge{name: RateLimitReset,
		rule: "that was answered X-RateLimit-Remaining: 0 sends nothing with the same credential before X-RateLimit-Reset (Unix seconds)",
		none: "no answer said X-RateLimit-Remaining: 0 without Retry-After (an answer with Retry-After is judged by retry-after)",
		passed: func(n int) string {
			return fmt.Sprintf("%s said X-RateLimit-Remaining: 0, and the client waited for each X-RateLimit-Reset", plural(n, "answer"))
		}}
	for _, e := range v.window {
		h := e.ResponseHeaders
		if dropped(e) || h.Get("Retry-After") != "" || strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" {
			continue
		}
		if e.Credential == "" {
			j.cannot(e, noCredential)
			continue
		}
		value := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
		reset, err := strconv.ParseInt(value, 10, 64)
		if err != nil || reset < 0 {
			j.cannot(e, fmt.Sprintf("its X-RateLimit-Reset %q is not Unix seconds", clip(value)))
			continue
		}
		until := time.Unix(reset, 0)
		j.judging(e.ID)
		if next := firstAfter(v.byCredential[e.Credential], e, answered(e), until); next != nil {
			j.fail(fmt.Sprintf("%s came %s before X-RateLimit-Reset (%d), which request %d gave with X-RateLimit-Remaining: 0",
				request(next), seconds(until.Sub(next.Time)), reset, e.ID), e.ID, next.ID)
		}
	}
	return j.check(v)
}

// failed says the client got a 5xx or no answer at all.
func failed(e *journal.Entry) bool { return e.Status >= 500 || dropped(e) }

// noRetryStorm: after a 5xx or a dropped connection, fewer than StormSends sends of the
// same request within StormWindow, counting the one that failed. A send counts when it
// arrived once the failure was answered (one sent before could not react to it), up to the
// first that succeeded (later ones are no retries).
func noRetryStorm(v *view) Check {
	j := judge{name: NoRetryStorm,
		rule: fmt.Sprintf("backs off after a 5xx or a dropped connection: it sends the same request fewer than %d times within any %s, counting the one that failed (a threshold of this project's: the vendor's documentation gives none)",
			StormSends, seconds(StormWindow)),
		none: "no request was answered 5xx or dropped",
		passed: func(n int) string {
			return fmt.Sprintf("%s got a 5xx or a dropped connection, and the client never sent one %d times within %s", plural(n, "request"), StormSends, seconds(StormWindow))
		}}
	inStorm := map[int64]bool{}
	for _, e := range v.window {
		if !failed(e) {
			continue
		}
		if !j.canCompare(e) {
			continue
		}
		j.judging(e.ID)
		if inStorm[e.ID] {
			continue
		}
		sends := []*journal.Entry{e}
		for _, x := range after(v.byFingerprint[e.Fingerprint], e, answered(e), e.Time.Add(StormWindow)) {
			sends = append(sends, x)
			if !failed(x) {
				break
			}
		}
		if len(sends) < StormSends {
			continue
		}
		ids := make([]int64, len(sends))
		for i, x := range sends {
			ids[i] = x.ID
			inStorm[x.ID] = true
		}
		j.fail(fmt.Sprintf("%s %s was sent %d times within %s (requests %s), starting with one answered %s",
			e.Method, e.Path, len(sends), seconds(sends[len(sends)-1].Time.Sub(e.Time)), joinIDs(ids), outcome(e)), ids...)
	}
	return j.check(v)
}

// outcome names what a failed request got: "503", "a dropped connection".
func outcome(e *journal.Entry) string {
	if dropped(e) {
		return "with a dropped connection"
	}
	return strconv.Itoa(e.Status)
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// pointless are the statuses a request cannot outgrow by being sent again unchanged.
var pointless = []int{http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity}

// noPointlessRetry: a request answered 400, 405, 415 or 422 is not sent again unchanged,
// whether validation or a fault rule made the answer.
func noPointlessRetry(v *view) Check {
	j := judge{name: NoPointlessRetry,
		rule: "changes a request answered 400, 405, 415 or 422 before sending it again: unchanged, it cannot succeed",
		none: "no request was answered 400, 405, 415 or 422",
		passed: func(n int) string {
			return fmt.Sprintf("%s got 400, 405, 415 or 422, and the client never sent one again unchanged", plural(n, "request"))
		}}
	for _, e := range v.window {
		if !slices.Contains(pointless, e.Status) {
			continue
		}
		if !j.canCompare(e) {
			continue
		}
		j.judging(e.ID)
		if again := firstAfter(v.byFingerprint[e.Fingerprint], e, answered(e), time.Time{}); again != nil {
			j.fail(fmt.Sprintf("request %d sent %s again unchanged after its %d", again.ID, request(e), e.Status), e.ID, again.ID)
		}
	}
	return j.check(v)
}

// expiredToken: a token answered 401 as expired or revoked is never presented again.
func expiredToken(v *view) Check {
	j := judge{name: ExpiredToken,
		rule: "never presents a token again once it was answered 401 as expired or revoked: it refreshes the token, or asks for a new authorization",
		none: "no request was answered 401 for an expired or revoked token",
		passed: func(n int) string {
			return fmt.Sprintf("the client was answered 401 for %s expired or revoked, and never presented one again", plural(n, "token"))
		}}
	// The first such answer per credential, from every entry: a token that expired before
	// the window is still expired in it.
	first := map[string]*journal.Entry{}
	var order []string
	for _, e := range v.all {
		if !e.CredentialExpired {
			continue
		}
		if e.Credential == "" {
			if inWindow(v, e) {
				j.cannot(e, noCredential)
			}
			continue
		}
		if f, seen := first[e.Credential]; !seen || answered(e).Before(answered(f)) {
			if !seen {
				order = append(order, e.Credential)
			}
			first[e.Credential] = e
		}
	}
	for _, credential := range order {
		e := first[credential]
		again := after(v.byCredential[credential], e, answered(e), time.Time{})
		if len(again) == 0 {
			if inWindow(v, e) {
				j.judging(e.ID)
			}
			continue
		}
		j.judging(e.ID)
		ids := []int64{e.ID}
		for _, x := range again {
			ids = append(ids, x.ID)
		}
		what := fmt.Sprintf("%s presented again the token that request %d was answered 401 for (expired or revoked)", request(again[0]), e.ID)
		if n := len(again); n > 1 {
			what += fmt.Sprintf(", and %s after it did too", plural(n-1, "request"))
		}
		j.fail(what, ids...)
	}
	return j.check(v)
}

// inWindow says the entry is one the report judges: it arrived at or after Since.
func inWindow(v *view, e *journal.Entry) bool {
	return v.since.IsZero() || !e.Time.Before(v.since)
}

// refreshTokenReuse: a refresh token once exchanged is never presented again.
func refreshTokenReuse(v *view) Check {
	j := judge{name: RefreshTokenReuse,
		rule: "keeps the refresh token each exchange returns and never presents one it has already exchanged: refresh tokens rotate",
		none: "no refresh token was exchanged",
		passed: func(n int) string {
			return fmt.Sprintf("the client exchanged %s, and never presented one again", plural(n, "refresh token"))
		}}
	isRefresh := func(e *journal.Entry) bool { return e.GrantType == "refresh_token" && e.Grant != "" }
	// The first successful exchange of each refresh token, from every entry.
	exchanged := map[string]*journal.Entry{}
	for _, e := range v.all {
		if isRefresh(e) && e.Status == http.StatusOK {
			if x, seen := exchanged[e.Grant]; !seen || byArrival(e, x) < 0 {
				exchanged[e.Grant] = e
			}
		}
	}
	for _, e := range v.window {
		if !isRefresh(e) {
			continue
		}
		x := exchanged[e.Grant]
		switch {
		case x == e:
			j.judging(e.ID)
		case x != nil && byArrival(x, e) < 0:
			j.fail(fmt.Sprintf("request %d presented a refresh token that request %d had already exchanged", e.ID, x.ID), x.ID, e.ID)
		}
	}
	return j.check(v)
}

// noDuplicateCreate: after a create carried out whose answer was lost, no second create
// carried out with the same credential (or a token refreshed from it) and the same
// attributes, unless the client looked first: a successful GET of the collection or of
// one of its records, with such a credential, between the lost answer and the second
// create. What the look found is not
// read (someone may have deleted the record meanwhile), so a client that looked is never
// failed.
func noDuplicateCreate(v *view) Check {
	j := judge{name: NoDuplicateCreate,
		rule: "whose create lost its answer looks first (with a request that would find the record) and creates it again only when it is not there",
		none: "no create was carried out with its answer lost",
		passed: func(n int) string {
			return fmt.Sprintf("the client had %s carried out with the answer lost, and did not create it again without looking first", plural(n, "create"))
		}}
	for _, e := range v.window {
		if e.Dropped != journal.DroppedAfter || e.Method != http.MethodPost {
			continue
		}
		switch {
		case e.LostStatus == 0:
			j.cannot(e, "whether the create was carried out is not recorded")
			continue
		case e.LostStatus != http.StatusCreated:
			continue // refused: nothing was stored, so creating it again is right
		case e.Credential == "":
			j.cannot(e, noCredential)
			continue
		}
		created, ok := resource(e)
		if !ok {
			j.cannot(e, "its body was not kept whole as a JSON:API resource, so its attributes cannot be compared")
			continue
		}
		j.judging(e.ID)
		var again []int64
		for _, x := range after(v.sameClient(e.Credential), e, answered(e), time.Time{}) {
			if looks(x, e.Path) {
				j.arose = append(j.arose, x.ID)
				break // from here on, what it creates it creates knowingly
			}
			if x.Method == http.MethodPost && x.Path == e.Path && carriedOut(x) {
				if r, ok := resource(x); ok && r == created {
					again = append(again, x.ID)
				}
			}
		}
		if len(again) > 0 {
			j.fail(fmt.Sprintf("request %d created again, with the same attributes and without looking first, what %s had created (its answer was lost, its record stored)",
				again[0], request(e)), append([]int64{e.ID}, again...)...)
		}
	}
	return j.check(v)
}

// sameClient are the window's entries, in arrival order, whose credential is of the same
// lineage as credential: that token, or one refreshed from it or it from.
func (v *view) sameClient(credential string) []*journal.Entry {
	lineage := v.client(credential)
	var out []*journal.Entry
	for _, x := range v.window {
		if x.Credential != "" && v.client(x.Credential) == lineage {
			out = append(out, x)
		}
	}
	return out
}

// looks says x is a successful read of the collection at path or of one of its records:
// a request that would have found a record created there.
func looks(x *journal.Entry, path string) bool {
	return x.Method == http.MethodGet && x.Status >= 200 && x.Status < 300 && !dropped(x) &&
		(x.Path == path || strings.HasPrefix(x.Path, path+"/") && !strings.Contains(x.Path[len(path)+1:], "/"))
}

// carriedOut says the request was carried out: answered 2xx, or its 2xx answer lost.
func carriedOut(x *journal.Entry) bool {
	if dropped(x) {
		return x.Dropped == journal.DroppedAfter && x.LostStatus >= 200 && x.LostStatus < 300
	}
	return x.Status >= 200 && x.Status < 300
}

// resource is the type and attributes of the resource a create sent, in a canonical form
// that two bodies with the same values share whatever their order and spacing.
func resource(e *journal.Entry) (string, bool) {
	if e.RequestBodyTruncated || len(e.RequestBody) == 0 {
		return "", false
	}
	var doc struct {
		Data *struct {
			Type       json.RawMessage `json:"type"`
			Attributes json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	dec := json.NewDecoder(bytes.NewReader(e.RequestBody))
	if dec.Decode(&doc) != nil || doc.Data == nil {
		return "", false
	}
	var attrs any
	d := json.NewDecoder(bytes.NewReader(doc.Data.Attributes))
	d.UseNumber()
	if len(doc.Data.Attributes) > 0 && d.Decode(&attrs) != nil {
		return "", false
	}
	canonical, err := json.Marshal([]any{json.RawMessage(orNull(doc.Data.Type)), attrs})
	if err != nil {
		return "", false
	}
	return string(canonical), true
}

func orNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("null")
	}
	return raw
}

// opaqueCursors: only page cursors an earlier answer's links issued, in the same sandbox.
func opaqueCursors(v *view) Check {
	j := judge{name: OpaqueCursors,
		rule: "treats cursors as opaque: it sends only the page[after] and page[before] values an earlier answer's links gave, as given, and never builds or edits one",
		none: "the client sent no page[after] or page[before]",
		passed: func(n int) string {
			return fmt.Sprintf("the client sent %s, each one an earlier answer's links issued", plural(n, "page cursor"))
		}}
	issuers := map[string][]*journal.Entry{}
	for _, e := range v.all {
		for _, c := range e.CursorsIssued {
			issuers[c] = append(issuers[c], e)
		}
	}
	for _, e := range v.window {
		if len(e.CursorsSent) > 0 && e.Forwarded && e.OperationID == "" {
			j.cannot(e, "the upstream answers its route, and the mock does not read the links of the answers it passes through")
			continue
		}
		for _, c := range e.CursorsSent {
			if issuedBefore(issuers[c], e) {
				j.judging(e.ID)
				continue
			}
			if v.unheld {
				j.cannot(e, "the answer that issued its cursor may be among the entries the journal no longer holds")
				continue
			}
			j.judging(e.ID)
			j.fail(fmt.Sprintf("%s sent a page cursor that no earlier answer's links issued", request(e)), e.ID)
		}
	}
	return j.check(v)
}

// issuedBefore says one of the issuers, in e's sandbox, answered before e arrived: by
// journal order, or by the clock when answers were journaled out of order.
func issuedBefore(issuers []*journal.Entry, e *journal.Entry) bool {
	for _, x := range issuers {
		if x != e && x.Sandbox == e.Sandbox && (x.ID < e.ID || !answered(x).After(e.Time)) {
			return true
		}
	}
	return false
}

// clip keeps a value from an answer short enough to quote.
func clip(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

// canCompare reports whether e can be compared with the requests sent again after it: it
// needs the credential it presented and a fingerprint of the request as sent. When it
// cannot, the check says why.
func (j *judge) canCompare(e *journal.Entry) bool {
	switch {
	case e.Credential == "":
		j.cannot(e, noCredential)
		return false
	case e.Fingerprint == "":
		j.cannot(e, noFingerprint)
		return false
	}
	return true
}
