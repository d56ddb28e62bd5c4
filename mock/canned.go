package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// documented indexes, per operation, the statuses and named examples of the contract's
// documents, openapi.yaml and oauth.yaml.
type documented struct {
	ops map[string]*operationResponses
}

type operationResponses struct {
	statuses []int
	success  int
	examples map[string]example
	byStatus map[int][]string // example names, sorted
}

type example struct {
	status    int
	mediaType string
	body      []byte
}

func indexResponses(docs ...*openapi3.T) *documented {
	d := &documented{ops: map[string]*operationResponses{}}
	for _, item := range pathItems(docs) {
		for _, op := range item.Operations() {
			or := &operationResponses{examples: map[string]example{}, byStatus: map[int][]string{}}
			for code, ref := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				or.statuses = append(or.statuses, status)
				if status < 300 && (or.success == 0 || status < or.success) {
					or.success = status
				}
				for media, mt := range ref.Value.Content {
					for name, ex := range mt.Examples {
						body, _ := json.Marshal(ex.Value.Value) // values came from YAML, so they marshal
						or.examples[name] = example{status: status, mediaType: media, body: body}
						or.byStatus[status] = append(or.byStatus[status], name)
					}
				}
			}
			slices.Sort(or.statuses)
			for _, names := range or.byStatus {
				slices.Sort(names)
			}
			d.ops[op.OperationID] = or
		}
	}
	return d
}

// pathItems are the path items of every document in docs.
func pathItems(docs []*openapi3.T) []*openapi3.PathItem {
	var items []*openapi3.PathItem
	for _, doc := range docs {
		for _, item := range doc.Paths.Map() {
			items = append(items, item)
		}
	}
	return items
}

// fixtureResponse replays a captured error response.
func (s *Server) fixtureResponse(x *exchange, fx fixtures.ErrorResponse) response {
	body := s.currentRateLimit(x, fx.Status, fx.Body)
	resp := response{status: fx.Status, contentType: mediaTypeFor(fx.Status), body: body, header: http.Header{}}
	for k, v := range fx.Headers {
		resp.header.Set(k, v)
	}
	s.addRetryAfter(x, &resp)
	return resp
}

// errorForStatus is the body for an injected status: the first error fixture with that
// status, by name, or a plain JSON:API error naming the status.
func (s *Server) errorForStatus(x *exchange, status int) response {
	names := make([]string, 0, len(s.errors))
	for name, fx := range s.errors {
		if fx.Status == status {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		slices.Sort(names)
		return s.fixtureResponse(x, s.errors[names[0]])
	}
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"id": "mockInjectedError", "title": http.StatusText(status), "detail": fmt.Sprintf("The mock was told to answer %d.", status),
	}}})
	resp := response{status: status, contentType: mediaTypeFor(status), body: body}
	if status < 400 {
		resp.contentType = jsonapi.MediaType
	}
	s.addRetryAfter(x, &resp)
	return resp
}

func mediaTypeFor(status int) string {
	if status == http.StatusUnauthorized {
		return "application/json"
	}
	return jsonapi.MediaType
}

// currentRateLimit makes a canned 429 body name the request's real limit and reset time.
func (s *Server) currentRateLimit(x *exchange, status int, body []byte) []byte {
	if status != http.StatusTooManyRequests {
		return body
	}
	return x.box.limiter.withCurrentRateLimit(body, x.credential, s.now())
}

// addRetryAfter gives a 429 or 503 the Retry-After the contract requires, unless it has
// one: the seconds to the rate-limit reset for 429, thirty for 503.
func (s *Server) addRetryAfter(x *exchange, resp *response) {
	if resp.status != http.StatusTooManyRequests && resp.status != http.StatusServiceUnavailable {
		return
	}
	if resp.header == nil {
		resp.header = http.Header{}
	}
	if resp.header.Get("Retry-After") != "" {
		return
	}
	if resp.status == http.StatusServiceUnavailable {
		resp.header.Set("Retry-After", "30")
		return
	}
	now := s.now()
	_, reset := x.box.limiter.resetAt(x.credential, now)
	resp.header.Set("Retry-After", retryAfter(reset, now))
	resp.header.Set("X-RateLimit-Remaining", "0")
}

// skuDisabled is the disabled-SKU 403.
func (s *Server) skuDisabled(x *exchange) response {
	x.fault = "sku-disabled"
	if fx, ok := s.errors["skuDisabled"]; ok {
		return s.fixtureResponse(x, fx)
	}
	return fail(oppstages.Errorf(oppstages.CodeUnauthorizedRequest, "You are not authorized to perform that request."))
}

func (s *Server) operationIDs() []string {
	ids := make([]string, 0, len(s.responses.ops))
	for id := range s.responses.ops {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
