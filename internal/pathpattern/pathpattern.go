// Package pathpattern matches request paths against patterns in which "*" stands for
// exactly one path segment, e.g. /api/v2/opportunityStages/*. Fault rules and journal
// filters share it, so a pattern means the same thing in both.
package pathpattern

import "strings"

// Valid reports whether p is a usable pattern: it starts with "/", holds no query,
// fragment or space, and uses "*" only as a whole segment.
func Valid(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?# ") {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if strings.Contains(seg, "*") && seg != "*" {
			return false
		}
	}
	return true
}

// Match reports whether path matches pattern: equal, or equal segment by segment where
// the pattern has "*".
func Match(pattern, path string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == path
	}
	for {
		pseg, prest, pmore := strings.Cut(pattern, "/")
		seg, rest, more := strings.Cut(path, "/")
		if pseg != "*" && pseg != seg || pmore != more {
			return false
		}
		if !pmore {
			return true
		}
		pattern, path = prest, rest
	}
}
