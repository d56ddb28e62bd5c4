package mock

import "net/http"

// control is one step in front of the answerer: it answers the request itself, or
// returns nil to let it go on.
type control func(x *exchange) *response

// answerer gives the answer once every control has let the request through: it returns
// the answer, or writes the upstream's to w and returns a response marked sent.
type answerer func(x *exchange, w http.ResponseWriter) response

// chain builds the request chain once: the controls that apply to every request, in
// order, and the answerer behind them, the store or the upstream.
func (s *Server) chain() ([]control, answerer) {
	controls := []control{s.route, s.identify, s.rateLimit, s.delay, s.faults}
	if s.upstream == nil {
		controls = append(controls, s.routeNotFound) // with an upstream, unknown routes are its business
	}
	controls = append(controls, s.preferred, s.errorRate)
	switch {
	case s.upstream == nil:
		return controls, s.fromStore
	case s.opts.Proxy:
		return controls, s.fromUpstream
	default:
		return controls, s.fromStoreOrPassThrough
	}
}

// serve runs the request chain.
func (s *Server) serve(x *exchange, w http.ResponseWriter) response {
	for _, c := range s.controls {
		if resp := c(x); resp != nil {
			return *resp
		}
	}
	return s.answer(x, w)
}

// route matches the request to an operation of openapi.yaml and decides who answers it:
// the store, or the upstream (every request in proxy mode; unknown routes otherwise). The
// authorization server's paths are oauth.yaml's, so with the authorization server off they
// are unknown routes here.
func (s *Server) route(x *exchange) *response {
	x.match, x.routeErr = s.validator.Route(x.r)
	if x.match != nil {
		x.op = s.operations[x.match.OperationID()]
		if x.op.standsIn && s.upstream != nil {
			x.match, x.op = nil, operation{} // the empty list and the root's links only stand in for the real ones when there are none to ask
		}
	}
	x.forwarded = s.upstream != nil && (s.opts.Proxy || x.match == nil)
	return nil
}

// routeNotFound answers a route openapi.yaml does not know.
func (s *Server) routeNotFound(x *exchange) *response {
	if x.routeErr == nil {
		return nil
	}
	resp := fail(x.routeErr)
	return &resp
}
