package validation

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// plainRouter matches requests as kin-openapi's gorillamux router does, without its
// per-request regular expressions and copies, for documents whose routes are all plain:
// relative servers without variables, and path templates whose variables are whole
// segments. It answers only paths that need no escaping; the router answers the rest.
type plainRouter struct {
	templates []template // in gorillamux's matching order
}

type template struct {
	segments []string          // of the server's base and the path; variable stands for a variable
	names    []string          // the variables, in order
	routes   map[string]*Match // by method; shared by every request that matches
}

// newPlainRouter returns nil when a route of doc is not plain.
func newPlainRouter(doc *openapi3.T, operations map[*openapi3.Operation]*operation) *plainRouter {
	pr := &plainRouter{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		servers := doc.Servers
		if len(item.Servers) > 0 {
			servers = item.Servers
		}
		if len(servers) == 0 {
			servers = openapi3.Servers{nil}
		}
		for _, server := range servers {
			base := ""
			if server != nil {
				if !strings.HasPrefix(server.URL, "/") || strings.ContainsAny(server.URL, "{}:?#") || !plainPath(server.URL) {
					return nil
				}
				base = strings.TrimSuffix(server.URL, "/")
			}
			t, ok := newTemplate(base + path)
			if !ok {
				return nil
			}
			for method, op := range item.Operations() {
				route := &routers.Route{Spec: doc, Server: server, Path: path, PathItem: item, Method: method, Operation: op}
				t.routes[method] = &Match{Route: route, op: operations[op]}
			}
			pr.templates = append(pr.templates, t)
		}
	}
	return pr
}

// variable marks a variable's segment: no plain path holds braces.
const variable = "{}"

func newTemplate(path string) (template, bool) {
	t := template{segments: strings.Split(path, "/"), routes: map[string]*Match{}}
	for i, seg := range t.segments {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && !strings.ContainsAny(seg[1:len(seg)-1], "{}:"):
			t.segments[i] = variable
			t.names = append(t.names, seg[1:len(seg)-1])
		case !plainPath(seg) || (seg == "" && i > 0 && i < len(t.segments)-1):
			return template{}, false
		}
	}
	return t, true
}

// plainPath reports whether a path is the same escaped or not, in every character.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("/-._~", c) >= 0) {
			return false
		}
	}
	return true
}

// find matches r, filling a match from newMatch, or says it cannot decide (ok false) and
// the router must.
func (pr *plainRouter) find(r *http.Request, newMatch func() *Match) (m *Match, ok bool) {
	path := r.URL.Path
	if r.URL.RawPath != "" || !plainPath(path) {
		return nil, false
	}
	for i := range pr.templates {
		t := &pr.templates[i]
		if !t.matches(path) {
			continue
		}
		shared := t.routes[r.Method]
		if shared == nil {
			return nil, true // gorillamux stops at the first path that matches: method not allowed
		}
		m = newMatch()
		m.Route, m.op = shared.Route, shared.op
		if len(t.names) > 0 && m.PathParams == nil {
			m.PathParams = make(map[string]string, len(t.names))
		}
		rest, n := path, 0
		for _, seg := range t.segments {
			var value string
			value, rest, _ = strings.Cut(rest, "/")
			if seg == variable {
				m.PathParams[t.names[n]] = value
				n++
			}
		}
		return m, true
	}
	return nil, true
}

// matches reports whether path has the template's segments, a variable matching any
// non-empty segment.
func (t *template) matches(path string) bool {
	rest := path
	for i, seg := range t.segments {
		value, after, more := strings.Cut(rest, "/")
		if more != (i < len(t.segments)-1) {
			return false
		}
		if seg == variable && value == "" || seg != variable && value != seg {
			return false
		}
		rest = after
	}
	return true
}

// apiRoot is the canonical path of the API root: openapi.yaml's "/" under its /api/v2 server.
const apiRoot = "/api/v2/"

// CanonicalPath is path as openapi.yaml names it: one trailing slash dropped, as Rails
// routing ignores it (openapi.yaml's x-trailing-slash), and /api/v2 as the root /api/v2/.
// The admin API's paths, which read their own, and paths ending in more than one slash are
// left as they are.
func CanonicalPath(path string) string {
	switch {
	case path == "/api/v2":
		return apiRoot
	case path == apiRoot || len(path) < 2 || !strings.HasSuffix(path, "/") || strings.HasSuffix(path, "//"):
		return path
	case strings.HasPrefix(path, "/__admin/"):
		return path
	}
	return path[:len(path)-1]
}

// CanonicalRequest is r with its path made canonical (CanonicalPath), for routing: r
// itself when the path is canonical already, else a shallow copy with its own URL.
func CanonicalRequest(r *http.Request) *http.Request {
	p := CanonicalPath(r.URL.Path)
	if p == r.URL.Path {
		return r
	}
	u := *r.URL
	u.Path = p
	if u.RawPath != "" {
		u.RawPath = CanonicalPath(u.RawPath)
	}
	c := *r
	c.URL = &u
	return &c
}
