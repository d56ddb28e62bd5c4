package mock

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages/internal/clip"
)

// adminCallerRefused says why a request may not reach the admin API from where it came,
// or "" when it may. Two rules hold whatever else the request carries:
//
//   - A page on another origin must not steer the mock: a cross-site POST with a
//     text/plain body needs no preflight, so without this check any open tab could reset
//     the mock or add faults. Browsers send Origin on every such request.
//   - Without an admin token, a page whose DNS name was rebound to 127.0.0.1 must not read
//     the journal or the state, nor steer the mock. A browser does not always say it is one
//     (Chromium sends no Sec-Fetch-* headers to a plain-http origin that is not
//     localhost), but it always sends the name it resolved as Host; so every admin call
//     must name the mock as localhost, an IP address or the -base-url host. The health
//     check answers any name: it tells a rebound page nothing, and container
//     orchestrators probe it by service name. Requests made in memory by Client() cannot
//     come from a browser and are not held to the Host rule.
func (s *Server) adminCallerRefused(r *http.Request) string {
	if origin := r.Header.Get("Origin"); origin != "" && !s.ownHost(originHost(origin), r.Host) {
		return fmt.Sprintf("cross-origin requests to the admin API are refused (Origin %s); use the dashboard at /__admin/ui/ or a script", clip.String(origin))
	}
	if s.opts.AdminToken == "" && !s.trustedHost(r.Host) && !isHealthCheck(r) && !inMemory(r) {
		return fmt.Sprintf("without -admin-token the admin API answers only to Host localhost, an IP address or the -base-url host, not %q (DNS rebinding guard); call it by one of those, or start the mock with -base-url or -admin-token", clip.String(r.Host))
	}
	return ""
}

func isHealthCheck(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/__admin/health"
}

func originHost(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return "" // "null" and other opaque origins match nothing
	}
	return u.Host
}

// ownHost reports whether host (host[:port]) is the one this request was sent to or the
// public -base-url's.
func (s *Server) ownHost(host, requestHost string) bool {
	if host == "" {
		return false
	}
	if strings.EqualFold(host, requestHost) {
		return true
	}
	if s.opts.BaseURL != "" {
		if u, err := url.Parse(s.opts.BaseURL); err == nil && strings.EqualFold(host, u.Host) {
			return true
		}
	}
	return false
}

// trustedHost reports whether a Host header names the mock in a way DNS rebinding cannot
// fake: localhost (or a name under .localhost, which browsers resolve to loopback
// themselves), an IP address, or the -base-url host.
func (s *Server) trustedHost(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
			return false // localhost:80.evil.example is no port of localhost's
		}
		name = h
	}
	name = strings.TrimSuffix(strings.ToLower(strings.Trim(name, "[]")), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") || net.ParseIP(name) != nil {
		return true
	}
	return s.ownHost(host, "")
}
