package mock

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// adminCallerRefused says why a request may not reach the admin API from where it came,
// or "" when it may. Scripts and tests are never refused here; browsers are held to two
// rules:
//
//   - A page on another origin must not steer the mock: a cross-site POST with a
//     text/plain body needs no preflight, so without this check any open tab could reset
//     the mock or add faults. Browsers send Origin on every such request.
//   - Without an admin token, a page whose DNS name was rebound to 127.0.0.1 must not read
//     the journal or the state. Browsers mark their requests with Sec-Fetch-Site, so a
//     browser request must name the mock by a loopback name, an IP address or the
//     -base-url host.
func (s *Server) adminCallerRefused(r *http.Request) string {
	if origin := r.Header.Get("Origin"); origin != "" && !s.ownHost(originHost(origin), r.Host) {
		return fmt.Sprintf("cross-origin requests to the admin API are refused (Origin %s); use the dashboard at /__admin/ui/ or a script", clip(origin))
	}
	if s.opts.AdminToken == "" && r.Header.Get("Sec-Fetch-Site") != "" && !s.trustedHost(r.Host) {
		return fmt.Sprintf("a browser may reach the admin API only as localhost, an IP address or the -base-url host, not %q; or start the mock with -admin-token", clip(r.Host))
	}
	return ""
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
// fake: a loopback name, an IP address, or the -base-url host.
func (s *Server) trustedHost(host string) bool {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	if strings.EqualFold(name, "localhost") || net.ParseIP(name) != nil {
		return true
	}
	return s.ownHost(host, "")
}
