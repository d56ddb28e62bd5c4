package contract

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/clip"
)

// The vendor's errors have a fixed identity per situation: the HTTP status, the id a client
// branches on, and the title (outreach-api.md §1, §2, §6 to §9). The checks of a situation
// compare all three, not the status alone, and protocol/error-identity holds every error
// answer of the run to the identities: a documented id comes with its status and title,
// and a status whose every documented situation is known carries one of their ids. A
// mismatch with an identity the reference only infers is a problem on a guess.

// identity is the vendor's error for one situation.
type identity struct {
	situation string
	status    int
	id        string
	title     string // "" where the reference gives none
	// fact says the reference confirms the identity (the vendor's documents, or a captured
	// answer); otherwise it is a guess, and a problem with it is labelled inferred.
	fact   bool
	source string
}

// The identities of the situations outreach-api.md documents.
var (
	errorUnsupportedMediaType = identity{"a body sent with another media type", http.StatusUnsupportedMediaType, "unsupportedMediaType", "Unsupported Media Type", true,
		"outreach-api.md §1 [C]: the vendor's making-requests page"}
	errorRouteNotFound = identity{"a path with no endpoint", http.StatusNotFound, "routeNotFound", "Route Not Found", true,
		"outreach-api.md §8 [C]: a captured answer (amp-labs/connectors)"}
	errorResourceNotFound = identity{"an id with no record", http.StatusNotFound, "resourceNotFound", "Resource Not Found", false,
		"outreach-api.md §8 [I]: a third-party transcription of the vendor's portal"}
	errorValidation = identity{"a document that breaks a rule", http.StatusUnprocessableEntity, "validationError", "Validation Error", false,
		"outreach-api.md §8 [I]: a third-party transcription of the vendor's portal"}
	errorRateLimited = identity{"a spent rate-limit budget", http.StatusTooManyRequests, "rateLimitExceeded", "Rate Limit Exceeded", false,
		"outreach-api.md §9 [I]: a third-party transcription of the vendor's portal"}
	errorMaintenance = identity{"scheduled maintenance", http.StatusServiceUnavailable, "scheduledServerMaintenance", "", false,
		"outreach-api.md §8 [I]: a third-party transcription of the vendor's portal"}
	errorMissingScope = identity{"a token without the operation's scope", http.StatusForbidden, "unauthorizedOauthScope", "Unauthorized OAuth Scope", true,
		"outreach-api.md §2 [C]: a captured answer (amp-labs/connectors) and a transcription agree"}
	errorNotPermitted = identity{"a user without the permission", http.StatusForbidden, "unauthorizedRequest", "Unauthorized Request", false,
		"outreach-api.md §2 [I]: third-party notes"}
	errorUnknownField = identity{"an unknown name in a fieldset", http.StatusBadRequest, "fieldsParameter.unknownResourceField", "", false,
		"outreach-api.md §6 [I]: a single third-party note"}
	errorUnknownAttribute = identity{"an unknown attribute in a write", http.StatusBadRequest, "permittedParams.unknownAttribute", "", false,
		"outreach-api.md §7 [I]: a single third-party note"}
)

var identities = []identity{errorUnsupportedMediaType, errorRouteNotFound, errorResourceNotFound, errorValidation,
	errorRateLimited, errorMaintenance, errorMissingScope, errorNotPermitted, errorUnknownField, errorUnknownAttribute}

// closedStatuses are the statuses whose every documented situation has an identity above,
// so that an error of that status with another id is not the vendor's. 400 is open: the
// reference lists only some of its ids.
var closedStatuses = []int{http.StatusForbidden, http.StatusNotFound, http.StatusUnsupportedMediaType,
	http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable}

// problem is a problem with the identity, labelled a guess unless the reference confirms it.
func (id identity) problem(message string) Problem {
	if id.fact {
		return Problem{Message: message, Source: id.source}
	}
	return Problem{Message: message, Inferred: true, InferredReason: id.source}
}

// identity compares an answer with the vendor's error for a situation: its status, and the
// id and title of each of its errors.
func (s *session) identity(rep *reply, what string, want identity) found {
	var out found
	add := func(format string, args ...any) {
		out = append(out, want.problem(fmt.Sprintf("%s (%s): ", what, want.situation)+fmt.Sprintf(format, args...)))
	}
	if rep.status != want.status {
		add("status %d, the vendor's is %d\n%s", rep.status, want.status, clip.To(string(rep.body), 400))
		return out
	}
	errs := rep.errorObjects()
	if len(errs) == 0 {
		add("the %d answer carries no JSON:API error; the vendor's has id %q\n%s", rep.status, want.id, clip.To(string(rep.body), 400))
	}
	for i, e := range errs {
		switch {
		case e.id != want.id:
			add("error %d has id %q, the vendor's is %q", i+1, e.id, want.id)
		case want.title != "" && e.title != want.title:
			add("error %d (%s) has title %q, the vendor's is %q", i+1, e.id, e.title, want.title)
		case want.id == errorUnsupportedMediaType.id && e.details == "":
			add("error %d (%s) has no member details, where the vendor explains it", i+1, e.id)
		}
	}
	return out
}

// identityFindings are the problems of one error answer with the vendor's identities:
// JSON:API's rules for an error document, the status and title of each documented id, and
// a documented id for a status whose situations are all documented.
func identityFindings(what string, rep *reply) exchangeFindings {
	f := exchangeFindings{what: what}
	if rep.status < 400 || rep.doc == nil {
		return f
	}
	if _, ok := rep.doc["errors"]; !ok {
		return f
	}
	if _, both := rep.doc["data"]; both {
		f.add(false, "", "an error document carries data, which JSON:API forbids beside errors")
	}
	for i, e := range rep.errorObjects() {
		if e.status != "" && e.status != strconv.Itoa(rep.status) {
			f.add(false, "", "error %d has status %q on a %d answer", i+1, e.status, rep.status)
		}
		known, ok := identityOf(e.id)
		switch {
		case ok && known.status != rep.status:
			p := known.problem("")
			f.add(p.Inferred, p.InferredReason, "error %d has id %q on a %d answer; the vendor's %s is a %d", i+1, e.id, rep.status, e.id, known.status)
		case ok && known.title != "" && e.title != known.title:
			p := known.problem("")
			f.add(p.Inferred, p.InferredReason, "error %d (%s) has title %q, the vendor's is %q", i+1, e.id, e.title, known.title)
		case ok && known.id == errorUnsupportedMediaType.id && e.details == "":
			p := known.problem("")
			f.add(p.Inferred, p.InferredReason, "error %d (%s) has no member details, where the vendor explains it", i+1, e.id)
		case !ok && slices.Contains(closedStatuses, rep.status):
			ids, fact, reason := idsOf(rep.status)
			f.add(!fact, reason, "error %d has id %q on a %d answer; the vendor's %d errors are %s", i+1, e.id, rep.status, rep.status, strings.Join(ids, " or "))
		}
	}
	return f
}

// identityOf is the identity with the id.
func identityOf(id string) (identity, bool) {
	for _, known := range identities {
		if known.id == id {
			return known, true
		}
	}
	return identity{}, false
}

// idsOf lists the documented ids of a status, whether every one of them is confirmed, and
// the source of the first that is not.
func idsOf(status int) (ids []string, fact bool, reason string) {
	fact = true
	for _, known := range identities {
		if known.status != status {
			continue
		}
		ids = append(ids, known.id)
		if !known.fact && fact {
			fact, reason = false, known.source
		}
	}
	return ids, fact, reason
}
