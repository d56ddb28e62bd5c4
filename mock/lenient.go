package mock

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/oppstages/oppstages/internal/validation"
)

// lenient reads the sloppy forms of a request that the real API, a Rails application,
// reads as canonical ones (openapi.yaml's x-trailing-slash and x-blank-parameters):
//
//   - a path with one trailing slash is the path without it, and /api/v2 is the root;
//   - a parameter named in blank, sent with an empty value, is absent.
//
// Only the forms Rails accepts are read this way: leniency runs one way.
type lenient struct {
	blank map[string]bool
}

func newLenient(blank []string) lenient {
	l := lenient{blank: make(map[string]bool, len(blank))}
	for _, name := range blank {
		l.blank[name] = true
	}
	return l
}

// canonical returns r as the mock routes, validates and answers it. A request already in
// canonical form, as nearly all are, is returned as it is, without a copy.
func (l lenient) canonical(r *http.Request) *http.Request {
	path, rawPath := validation.CanonicalPath(r.URL.Path), r.URL.RawPath
	query, dropped := l.dropBlank(r.URL.RawQuery)
	if path == r.URL.Path && !dropped {
		return r
	}
	if path != r.URL.Path && rawPath != "" {
		rawPath = validation.CanonicalPath(rawPath)
	}
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = path, rawPath, query
	if query == "" {
		u.ForceQuery = false
	}
	c := *r // shallow, as http.Request.WithContext copies
	c.URL = &u
	return &c
}

// dropBlank removes the parameters of raw that are named in l.blank and have an empty
// value (name= or a bare name). It reports whether it removed any; when it did not, raw
// is returned as it is, without allocating.
func (l lenient) dropBlank(raw string) (string, bool) {
	if len(l.blank) == 0 || !l.hasBlank(raw) {
		return raw, false
	}
	pairs := strings.Split(raw, "&")
	kept := pairs[:0]
	for _, pair := range pairs {
		if !l.isBlank(pair) {
			kept = append(kept, pair)
		}
	}
	return strings.Join(kept, "&"), true
}

func (l lenient) hasBlank(raw string) bool {
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if l.isBlank(pair) {
			return true
		}
	}
	return false
}

func (l lenient) isBlank(pair string) bool {
	name, value, _ := strings.Cut(pair, "=")
	if value != "" || name == "" {
		return false
	}
	if l.blank[name] {
		return true
	}
	unescaped, err := url.QueryUnescape(name)
	return err == nil && l.blank[unescaped]
}
