package oppstages

import (
	"fmt"
	"net/http"
)

// ErrorCode is the stable `id` of a JSON:API error, the same for every occurrence.
type ErrorCode string

// The error codes the API answers with. The vendor's own ids come first; the mock's own
// (prefixed "mock") only ever come from the mock's control features.
const (
	CodeBadRequest                 ErrorCode = "badRequest"
	CodeUnfilterableField          ErrorCode = "filterParameter.unfilterableField"
	CodeInvalidDatetimeFormat      ErrorCode = "filterParameter.invalidDatetimeFormat"
	CodeUnsortableField            ErrorCode = "sortParameter.unsortableField"
	CodeUnknownResourceField       ErrorCode = "fieldsParameter.unknownResourceField"
	CodeInvalidCursor              ErrorCode = "pageParameter.invalidCursor"
	CodeUnknownAttribute           ErrorCode = "permittedParams.unknownAttribute"
	CodeUnauthorizedOauthScope     ErrorCode = "unauthorizedOauthScope"
	CodeUnauthorizedRequest        ErrorCode = "unauthorizedRequest"
	CodeResourceNotFound           ErrorCode = "resourceNotFound"
	CodeRouteNotFound              ErrorCode = "routeNotFound"
	CodeConflict                   ErrorCode = "conflict"
	CodeRequestEntityTooLarge      ErrorCode = "requestEntityTooLarge"
	CodeHeaderFieldsTooLarge       ErrorCode = "requestHeaderFieldsTooLarge"
	CodeUnsupportedMediaType       ErrorCode = "unsupportedMediaType"
	CodeValidationError            ErrorCode = "validationError"
	CodeRateLimitExceeded          ErrorCode = "rateLimitExceeded"
	CodeInternalServerError        ErrorCode = "internalServerError"
	CodeBadGateway                 ErrorCode = "badGateway"
	CodeScheduledServerMaintenance ErrorCode = "scheduledServerMaintenance"
	CodeMockBadPrefer              ErrorCode = "mockBadPrefer"
	CodeMockContractViolation      ErrorCode = "mockContractViolation"
	CodeMockBadHeader              ErrorCode = "mockBadHeader"
	CodeMockUpstreamUnavailable    ErrorCode = "mockUpstreamUnavailable"
	CodeMockUpstreamTimeout        ErrorCode = "mockUpstreamTimeout"
	CodeMockOriginNotAllowed       ErrorCode = "mockOriginNotAllowed"
)

type codeInfo struct {
	status int
	title  string
}

var codes = map[ErrorCode]codeInfo{
	CodeBadRequest:                 {http.StatusBadRequest, "Bad Request"},
	CodeUnfilterableField:          {http.StatusBadRequest, "Invalid Filter Parameter"},
	CodeInvalidDatetimeFormat:      {http.StatusBadRequest, "Invalid Filter Parameter"},
	CodeUnsortableField:            {http.StatusBadRequest, "Invalid Sort Parameter"},
	CodeUnknownResourceField:       {http.StatusBadRequest, "Invalid Fields Parameter"},
	CodeInvalidCursor:              {http.StatusBadRequest, "Invalid Page Parameter"},
	CodeUnknownAttribute:           {http.StatusBadRequest, "Unknown Attribute"},
	CodeUnauthorizedOauthScope:     {http.StatusForbidden, "Unauthorized OAuth Scope"},
	CodeUnauthorizedRequest:        {http.StatusForbidden, "Unauthorized Request"},
	CodeResourceNotFound:           {http.StatusNotFound, "Resource Not Found"},
	CodeRouteNotFound:              {http.StatusNotFound, "Route Not Found"},
	CodeConflict:                   {http.StatusConflict, "Conflict"},
	CodeRequestEntityTooLarge:      {http.StatusRequestEntityTooLarge, "Request Entity Too Large"},
	CodeHeaderFieldsTooLarge:       {http.StatusRequestHeaderFieldsTooLarge, "Request Header Fields Too Large"},
	CodeUnsupportedMediaType:       {http.StatusUnsupportedMediaType, "Unsupported Media Type"},
	CodeValidationError:            {http.StatusUnprocessableEntity, "Validation Error"},
	CodeRateLimitExceeded:          {http.StatusTooManyRequests, "Rate Limit Exceeded"},
	CodeInternalServerError:        {http.StatusInternalServerError, "Internal Server Error"},
	CodeBadGateway:                 {http.StatusBadGateway, "Bad Gateway"},
	CodeScheduledServerMaintenance: {http.StatusServiceUnavailable, "Scheduled Server Maintenance"},
	CodeMockBadPrefer:              {http.StatusBadRequest, "Bad Prefer Header"},
	CodeMockContractViolation:      {http.StatusInternalServerError, "Mock Contract Violation"},
	CodeMockBadHeader:              {http.StatusBadRequest, "Bad Mock Header"},
	CodeMockUpstreamUnavailable:    {http.StatusBadGateway, "Upstream Unavailable"},
	CodeMockUpstreamTimeout:        {http.StatusGatewayTimeout, "Upstream Timeout"},
	CodeMockOriginNotAllowed:       {http.StatusForbidden, "Origin Not Allowed"},
}

// Status is the HTTP status that goes with the code; unknown codes are 500.
func (c ErrorCode) Status() int {
	if info, ok := codes[c]; ok {
		return info.status
	}
	return http.StatusInternalServerError
}

// Title is the vendor's human-readable title for the code.
func (c ErrorCode) Title() string {
	if info, ok := codes[c]; ok {
		return info.title
	}
	return "Internal Server Error"
}

// Error is one JSON:API error: a code, the sentence that explains this occurrence, and
// where in the request it was found (a JSON pointer into the body or a parameter name).
type Error struct {
	Code      ErrorCode
	Detail    string
	Pointer   string
	Parameter string
}

// Errorf builds an *Error whose detail is formatted like fmt.Sprintf.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Detail
}

// AtPointer returns a copy of e that points at a member of the request document.
func (e *Error) AtPointer(pointer string) *Error {
	c := *e
	c.Pointer = pointer
	return &c
}

// AtParameter returns a copy of e that names the parameter at fault.
func (e *Error) AtParameter(name string) *Error {
	c := *e
	c.Parameter = name
	return &c
}
