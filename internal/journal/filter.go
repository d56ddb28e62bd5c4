package journal

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/clip"
	"github.com/oppstages/oppstages/internal/pathpattern"
)

// Filter selects entries; a zero field selects everything.
type Filter struct {
	// Method matches the HTTP method, in any case.
	Method string
	// Path is an exact path or a pattern with "*" for one segment.
	Path string
	// OperationID matches the operation the request was routed to.
	OperationID string
	// Status matches the status answered.
	Status int
	// Since keeps entries whose requests arrived at or after it.
	Since time.Time
	// After keeps entries with a greater id: pass the last id seen to get only newer ones.
	After int64
}

// ParamError says which filter parameter is wrong and why.
type ParamError struct {
	Param  string
	Reason string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Reason }

// Params are the query parameters ParseFilter understands.
var Params = []string{"method", "path", "operationId", "status", "since", "after"}

// ParseFilter reads a filter from query parameters (a parameter given twice takes its
// last value) and checks it. Unknown parameters and bad values are a *ParamError.
func ParseFilter(q url.Values) (Filter, error) {
	var f Filter
	for name, vs := range q {
		v := vs[len(vs)-1]
		switch name {
		case "method":
			f.Method = v
		case "path":
			f.Path = v
		case "operationId":
			f.OperationID = v
		case "status":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Filter{}, &ParamError{"status", fmt.Sprintf("%q is not a status such as 404", clip.String(v))}
			}
			f.Status = n
		case "since":
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return Filter{}, &ParamError{"since", fmt.Sprintf("%q is not an RFC 3339 time such as 2026-03-01T12:00:00Z", clip.String(v))}
			}
			f.Since = t
		case "after":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Filter{}, &ParamError{"after", fmt.Sprintf("%q is not an entry id", clip.String(v))}
			}
			f.After = n
		default:
			return Filter{}, &ParamError{clip.String(name), "is not a filter; use " + strings.Join(Params, ", ")}
		}
	}
	return f, f.Check()
}

// Check reports the first field that can never match anything sensible, as a *ParamError
// named like the query parameter.
func (f Filter) Check() error {
	var pathErr error
	if f.Path != "" {
		pathErr = pathpattern.Check(f.Path)
	}
	switch {
	case f.Method != "" && !isToken(f.Method):
		return &ParamError{"method", fmt.Sprintf("%q is not an HTTP method", clip.String(f.Method))}
	case pathErr != nil:
		return &ParamError{"path", fmt.Sprintf("%q %s", clip.String(f.Path), pathErr)}
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return &ParamError{"status", fmt.Sprintf("%d is not an HTTP status", f.Status)}
	case f.After < 0:
		return &ParamError{"after", "must not be negative"}
	}
	return nil
}

// Match reports whether e passes the filter.
func (f Filter) Match(e *Entry) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, e.Method)) &&
		(f.Path == "" || pathpattern.Match(f.Path, e.Path)) &&
		(f.OperationID == "" || f.OperationID == e.OperationID) &&
		(f.Status == 0 || f.Status == e.Status) &&
		(f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		e.ID > f.After
}

func isToken(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return len(s) <= 16
}
