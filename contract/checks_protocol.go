package contract

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// answerChecks are the checks of answers rather than of one operation: the rate-limit
// answer, and links that clients can follow.
func answerChecks() []check {
	return []check{
		{name: "errors/rate-limited", run: checkRateLimited},
		{name: "errors/maintenance", run: checkMaintenance},
		{name: "links/absolute", run: checkLinksAbsolute},
		{name: "links/followed", run: checkLinksFollowed},
	}
}

// skipped is returned by a check that could not observe what it checks on this target.
type skipped struct{ reason string }

func (s skipped) Error() string { return "skipped: " + s.reason }

// checkRateLimited asks for the 429 answer with Prefer: code=429, as a mock or Prism
// understands it, and checks that it tells a client when to come back: Retry-After and the
// X-RateLimit-* trio as non-negative integers, no requests remaining, the
// rateLimitExceeded error, and one moment to come back at: Retry-After seconds after the
// answer is X-RateLimit-Reset, and the vendor's detail ("You have exceeded your permitted
// rate limit of 10,000; please try again at 2017-01-01T00:00:00.") names that limit and
// that moment, when it is in that form. A target that ignores Prefer (the real API) is
// skipped: a real 429 cannot be provoked without spending the token's budget.
func checkRateLimited(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages?page%5Bsize%5D=1",
		header: http.Header{"Prefer": {"code=429"}}})
	if err != nil {
		return err
	}
	if rep.status >= 200 && rep.status < 300 {
		return skipped{fmt.Sprintf("the target answered %d to Prefer: code=429, so it does not honour Prefer and its 429 answer cannot be provoked", rep.status)}
	}
	if err := expectStatus(rep, http.StatusTooManyRequests, "GET with Prefer: code=429"); err != nil {
		return err
	}
	var problems found
	add := func(header, format string, args ...any) {
		inferred, reason := s.guessed(rep, header)
		problems = append(problems, Problem{Message: "the 429 answer does not tell a client when to retry: " + fmt.Sprintf(format, args...),
			Inferred: inferred, InferredReason: reason})
	}
	values := map[string]int64{}
	for _, name := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		v := rep.header.Get(name)
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			add(name, "%s is %q, want a non-negative integer", name, v)
			continue
		}
		values[name] = n
	}
	if v := rep.header.Get("X-RateLimit-Remaining"); v != "" && v != "0" {
		add("X-RateLimit-Remaining", "X-RateLimit-Remaining is %s on a 429, want 0", v)
	}
	wait, okWait := values["Retry-After"]
	reset, okReset := values["X-RateLimit-Reset"]
	if okWait && okReset {
		if problem := retryProblem(wait, reset, rep.sent, rep.received); problem != "" {
			add("Retry-After", "%s", problem)
		}
	}
	if limit, ok := values["X-RateLimit-Limit"]; ok && okReset {
		for _, e := range rep.errorObjects() {
			if problem := rateLimitDetailProblem(e.detail, limit, reset); problem != "" {
				add("X-RateLimit-Reset", "%s", problem)
			}
		}
	}
	problems = append(problems, s.identity(rep, "GET with Prefer: code=429", errorRateLimited)...)
	return problems.orNil()
}

// checkMaintenance asks for the 503 answer with Prefer: code=503, as checkRateLimited asks
// for the 429, and checks that it is the vendor's scheduled maintenance with a Retry-After
// in seconds. A target that ignores Prefer is skipped.
func checkMaintenance(ctx context.Context, s *session) error {
	rep, err := s.do(ctx, request{method: http.MethodGet, path: "/opportunityStages?page%5Bsize%5D=1",
		header: http.Header{"Prefer": {"code=503"}}})
	if err != nil {
		return err
	}
	if rep.status >= 200 && rep.status < 300 {
		return skipped{fmt.Sprintf("the target answered %d to Prefer: code=503, so it does not honour Prefer and its 503 answer cannot be provoked", rep.status)}
	}
	problems := s.identity(rep, "GET with Prefer: code=503", errorMaintenance)
	if v := rep.header.Get("Retry-After"); rep.status == http.StatusServiceUnavailable && !isSeconds(v) {
		inferred, reason := s.guessed(rep, "Retry-After")
		problems = append(problems, Problem{Message: fmt.Sprintf("the 503 answer's Retry-After is %q, want seconds to wait", v), Inferred: inferred, InferredReason: reason})
	}
	return problems.orNil()
}

// isSeconds reports whether v is a non-negative integer in digits.
func isSeconds(v string) bool {
	_, ok := unsignedInteger([]string{v})
	return ok
}

// retryProblem says how Retry-After (delta seconds) and X-RateLimit-Reset (Unix seconds)
// of an answer sent for at sent and read at received disagree, or "" when they name the
// same moment: the target's clock when it answered, reset minus the wait, is within
// clockSkew of the suite's.
func retryProblem(wait, reset int64, sent, received time.Time) string {
	answered := time.Unix(reset-wait, 0)
	if answered.Before(sent.Add(-clockSkew-time.Second)) || answered.After(received.Add(clockSkew+time.Second)) {
		return fmt.Sprintf("Retry-After %d and X-RateLimit-Reset %d (%s) name different moments: waiting %ds from the answer ends at %s",
			wait, reset, time.Unix(reset, 0).UTC().Format(time.RFC3339), wait, received.Add(time.Duration(wait)*time.Second).UTC().Format(time.RFC3339))
	}
	return ""
}

// vendorRateLimitDetail is the vendor's 429 detail: the limit and the moment to come back.
var vendorRateLimitDetail = regexp.MustCompile(`permitted rate limit of ([0-9,]+); please try again at ([0-9T:.Z+-]+?)\.?$`)

// rateLimitDetailProblem says how a 429 detail in the vendor's form disagrees with the
// X-RateLimit-Limit and X-RateLimit-Reset of its answer, or "" when it agrees or is in
// another form. A time without a zone is read as UTC.
func rateLimitDetailProblem(detail string, limit, reset int64) string {
	m := vendorRateLimitDetail.FindStringSubmatch(detail)
	if m == nil {
		return ""
	}
	if named, err := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64); err == nil && named != limit {
		return fmt.Sprintf("the detail %q names a limit of %d, X-RateLimit-Limit says %d", detail, named, limit)
	}
	var at time.Time
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if at, err = time.Parse(layout, m[2]); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Sprintf("the detail %q names no time a client can read: %v", detail, err)
	}
	if d := at.Sub(time.Unix(reset, 0)); d < -time.Second || d > time.Second {
		return fmt.Sprintf("the detail %q says to come back at %s, X-RateLimit-Reset %d says %s", detail, at.UTC().Format(time.RFC3339), reset, time.Unix(reset, 0).UTC().Format(time.RFC3339))
	}
	return ""
}

// checkLinksAbsolute fetches one document of every kind a read returns (a middle page,
// with first, prev and next; a page with included users; one stage; one user). Every
// link in every document the suite receives is checked as it arrives (foreignLinks); this
// check makes sure each kind is seen at least once, also in readonly mode.
func checkLinksAbsolute(ctx context.Context, s *session) error {
	first, rep, err := s.page(ctx, "/opportunityStages?page%5Bsize%5D=2&include=creator")
	if err != nil {
		return err
	}
	if len(first) == 0 {
		return emptyTarget()
	}
	if next := rep.link("next"); next != "" {
		path, err := s.relative(next)
		if err != nil {
			return err
		}
		if _, _, err := s.page(ctx, path); err != nil { // a middle page carries prev as well
			return err
		}
	}
	if _, err := s.get(ctx, fmt.Sprintf("/opportunityStages/%d", first[0].ID)); err != nil {
		return err
	}
	if id, ok := creatorOf(first[0]); ok {
		if _, err := s.get(ctx, fmt.Sprintf("/users/%d", id)); err != nil {
			return err
		}
	}
	return nil
}

// foreignLinks lists the links of a successful JSON:API document that a client could not
// follow to the target: relative ones, and absolute ones to another host or outside the
// API root. It reads the document's links, and the links and relationship links of every
// resource in data and included. Error documents are not read: their about links may
// rightly point elsewhere.
func (s *session) foreignLinks(rep *reply) []string {
	if rep.doc == nil || rep.status >= 300 {
		return nil
	}
	var bad []string
	visit := func(where string, links any) {
		m, _ := links.(map[string]any)
		for name, v := range m {
			link, ok := v.(string)
			if !ok {
				if obj, isObj := v.(map[string]any); isObj { // a JSON:API link object
					link, ok = obj["href"].(string)
				}
			}
			if !ok || link == "" {
				continue
			}
			if reason := s.notOnTarget(link); reason != "" {
				bad = append(bad, fmt.Sprintf("%s links.%s %s", where, name, reason))
			}
		}
	}
	visit("the document's", rep.doc["links"])
	for _, v := range rep.resources() {
		r, ok := v.(map[string]any)
		if !ok {
			continue
		}
		where := fmt.Sprintf("%v %v's", r["type"], r["id"])
		visit(where, r["links"])
		rels, _ := r["relationships"].(map[string]any)
		for name, rel := range rels {
			relObj, _ := rel.(map[string]any)
			visit(where+" "+name, relObj["links"])
		}
	}
	return bad
}

// notOnTarget says why a link does not lead to the target's API root, or "" when it does.
func (s *session) notOnTarget(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Sprintf("%q does not parse: %v", link, err)
	}
	if !u.IsAbs() || u.Host == "" {
		return fmt.Sprintf("%q is not absolute", link)
	}
	api, err := url.Parse(s.api)
	if err != nil {
		return fmt.Sprintf("the target %q does not parse", s.api)
	}
	if !strings.EqualFold(u.Scheme, api.Scheme) || !strings.EqualFold(u.Hostname(), api.Hostname()) || port(u) != port(api) {
		return fmt.Sprintf("%q points at %s://%s, not at the target %s://%s", link, u.Scheme, u.Host, api.Scheme, api.Host)
	}
	if root := strings.TrimSuffix(api.Path, "/"); u.Path != root && !strings.HasPrefix(u.Path, root+"/") { // the root itself, or below it
		return fmt.Sprintf("%q is outside the API root %s", link, api.Path)
	}
	return ""
}

// port is the URL's port, or the scheme's default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}
