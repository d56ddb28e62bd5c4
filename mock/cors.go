package mock

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// corsPolicy lets browser apps on the allowed origins call the API: it answers their
// preflights and labels every API answer for them. The admin API stays same-origin.
type corsPolicy struct {
	anyOrigin bool
	origins   []string
}

// corsAllowedHeaders are the request headers a browser app may send.
var corsAllowedHeaders = []string{"authorization", "content-type", "prefer", "accept", "accept-language", "content-language"}

// corsExposed are the answer headers a browser app may read.
const corsExposed = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Mock-Violations, Location, Link"

// newCORSPolicy reads the allowed origins: "*", or origins such as http://localhost:3000.
// None turns CORS off (a nil policy).
func newCORSPolicy(origins []string) (*corsPolicy, error) {
	var p corsPolicy
	for _, o := range origins {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			continue
		case o == "*":
			p.anyOrigin = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("CORS origin %q must be * or scheme://host[:port], such as http://localhost:3000", o)
		}
		p.origins = append(p.origins, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	if !p.anyOrigin && len(p.origins) == 0 {
		return nil, nil
	}
	return &p, nil
}

func (p *corsPolicy) allows(origin string) bool {
	return p.anyOrigin || slices.Contains(p.origins, strings.ToLower(origin))
}

// withCORS wraps the API in the CORS policy; without one it is next itself.
func (s *Server) withCORS(next http.Handler) http.Handler {
	p := s.cors
	if p == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || isAdminPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := p.allows(origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			if !allowed {
				fail(oppstages.Errorf(oppstages.CodeMockOriginNotAllowed,
					"The origin %s may not call this mock; start it with -cors %s (or -cors '*').", clip.String(origin), clip.String(origin))).write(w)
				return
			}
			p.label(h, origin)
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			if headers := allowedRequestHeaders(r.Header.Values("Access-Control-Request-Headers")); headers != "" {
				h.Set("Access-Control-Allow-Headers", headers)
			}
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			p.label(h, origin)
			h.Set("Access-Control-Expose-Headers", corsExposed)
		}
		next.ServeHTTP(w, r)
	})
}

func (p *corsPolicy) label(h http.Header, origin string) {
	if p.anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
}

// allowedRequestHeaders echoes the requested headers the policy allows: Authorization,
// Content-Type, Prefer, the X-Mock-* controls and the always-safe ones.
func allowedRequestHeaders(requested []string) string {
	var out []string
	for _, list := range requested {
		for _, name := range strings.Split(list, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if slices.Contains(corsAllowedHeaders, name) || strings.HasPrefix(name, "x-mock-") {
				out = append(out, name)
			}
		}
	}
	return strings.Join(out, ", ")
}
