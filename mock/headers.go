package mock

import (
	"fmt"
	"net/http"
	"time"

	"github.com/oppstages/oppstages"
)

// headerBytes is the size of a request's head as it came over the wire: the request line
// and every header line, Host included.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2 + len("Host: \r\n") + len(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(": \r\n") + len(v)
		}
	}
	return n
}

// headersTooLarge answers a request whose headers are over the limit: a JSON:API 431 on
// the API, plain JSON on the admin API. (Far beyond the limit, net/http answers its own
// plain-text 431 before the mock sees the request.)
func (s *Server) headersTooLarge(w http.ResponseWriter, r *http.Request, start time.Time) {
	detail := fmt.Sprintf("The request headers must not exceed %d bytes.", s.opts.MaxHeaderBytes)
	if isAdminPath(r.URL.Path) {
		resp := adminError(http.StatusRequestHeaderFieldsTooLarge, detail)
		resp.write(w)
		s.logRequest(r, resp.status, start, time.Since(start), "")
		return
	}
	s.refuseEarly(w, r, oppstages.Errorf(oppstages.CodeHeaderFieldsTooLarge, "%s", detail), start)
}

// badTarget answers a request whose target is not a path: an absolute URL with no path
// after its scheme (http:x, mailto:x), which would otherwise reach the upstream as a
// request line of its own choosing.
func (s *Server) badTarget(w http.ResponseWriter, r *http.Request, start time.Time) {
	s.refuseEarly(w, r, oppstages.Errorf(oppstages.CodeBadRequest, "The request target must be a path, such as /api/v2/opportunityStages."), start)
}

// refuseEarly answers err before the request chain runs (no sandbox, no journal), with
// the rate-limit headers every answer carries, and logs the request as it came.
func (s *Server) refuseEarly(w http.ResponseWriter, r *http.Request, err *oppstages.Error, start time.Time) {
	resp := fail(err)
	s.countEarly(r).setHeaders(w.Header())
	resp.write(w)
	s.logRequest(r, resp.status, start, time.Since(start), "")
}
