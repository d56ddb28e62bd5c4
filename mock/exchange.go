package mock

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/validation"
)

// exchange is one request on its way through the server.
type exchange struct {
	r         *http.Request
	sent      *http.Request // r as it came, before lenient made it canonical; never nil
	arrived   time.Time     // by the server's clock
	box       *sandbox
	match     *validation.Match // nil when openapi.yaml knows no such route
	op        operation         // how the mock answers the matched operation
	routeErr  *oppstages.Error
	forwarded bool      // the upstream answers, not the store
	rate      rateCount // the rate-limit headers of the mock's own answers
	// headerValues hold the values of the headers send sets, in the exchange's allocation.
	headerValues [headerValues]string
	who          principal             // who the request acts as, when authErr is nil
	authErr      *jsonapi.GatewayError // why the request did not authenticate
	revoked      bool                  // a fault rule expired the request's token in its sandbox
	credential   credential            // what the rate limiter counts the request against
	body         []byte
	doc          any        // the body as validation decoded it, read by the write handlers
	query        url.Values // parsed once, repeats reduced to the last value; read by the checks and the handlers; never modified
	list         query.List // the query's parameters, parsed for every operation
	id           int64      // the path's id, for operations on one record
	fault        string     // what the mock injected, for the journal

	// What a client report rests on, for the journal.
	injected          bool         // the answer came from a fault rule or Prefer
	dropped           journal.Drop // a fault rule closed the connection without an answer, and when
	lostStatus        int          // with dropped "after": the status of the answer that was lost
	credentialExpired bool         // the answer is the 401 for an expired or revoked token
	cursors           []string     // the page cursors the answer's links issued
	cursorRoom        [2]string    // room for the next and prev cursors of a list page

	bodyErr    error    // from reading the body, answered once the checks before it pass
	violations []string // contract violations found in the exchange, for the journal

	secrets      []string // the credentials the request carried, once requestSecrets has looked
	secretsFound bool
}

// requestSecrets are the credentials the request carried, to mask wherever something the
// mock keeps or logs repeats them; worked out once.
func (x *exchange) requestSecrets() []string {
	if !x.secretsFound {
		x.secrets, x.secretsFound = journal.RequestSecrets(x.r, x.body), true
	}
	return x.secrets
}

// readBody reads a request body up to limit bytes. Beyond it, it returns what it read
// and an *http.MaxBytesError, which the checks answer with a 413 in the vendor's order.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody { // nil: only a request that did not come through a server
		return nil, nil
	}
	if n := r.ContentLength; n > 0 && n <= limit { // the server's reader stops at ContentLength
		body := make([]byte, n)
		read, err := io.ReadFull(r.Body, body)
		return body[:read], err
	}
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
}

// issueCursor records a page cursor the answer's links issue.
func (x *exchange) issueCursor(cursor string) {
	if x.cursors == nil {
		x.cursors = x.cursorRoom[:0]
	}
	x.cursors = append(x.cursors, cursor)
}

// journalExchange is what the journal keeps of the exchange as it was answered at
// answered, elapsed after it arrived: status 0 and no response for a dropped connection,
// the response headers as written. The journal takes the bodies as they are: neither is
// changed once the answer is sent.
func (x *exchange) journalExchange(answered time.Time, elapsed time.Duration, status int, resp response, written http.Header) journal.Exchange {
	r, sent := x.r, x.sent
	e := journal.Exchange{
		Time:               x.arrived,
		Sandbox:            x.box.name,
		Method:             r.Method,
		Path:               sent.URL.Path, // as the client sent them
		RawQuery:           sent.URL.RawQuery,
		Status:             status,
		Duration:           elapsed,
		Fault:              x.fault,
		RequestHeader:      r.Header,
		RequestBody:        x.body,
		RequestContentType: r.Header.Get("Content-Type"),
		Violations:         x.violations,
		Answered:           answered,
		Credential:         bearerToken(r),
		Injected:           x.injected,
		Dropped:            x.dropped,
		LostStatus:         x.lostStatus,
		CredentialExpired:  x.credentialExpired,
		Cursors:            x.cursors,
		Forwarded:          resp.sent,
	}
	if x.match != nil {
		e.OperationID = x.match.OperationID()
	}
	if _, cut := errors.AsType[*http.MaxBytesError](x.bodyErr); cut {
		e.RequestBodyCut = true
	}
	if !resp.drop {
		e.ResponseHeader = written
		e.ResponseBody, e.ResponseContentType, e.ResponseRendered = resp.body, resp.contentType, resp.rendered
	}
	return e
}
