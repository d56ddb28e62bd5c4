// Package pathpattern matches request paths against patterns in which "*" stands for
// exactly one path segment, e.g. /api/v2/opportunityStages/*. Fault rules and journal
// filters share it, so a pattern means the same thing in both.
package pathpattern

import (
	"errors"
	"fmt"
	"strings"
)

// A pattern is at most MaxLen bytes and MaxSegments segments long: longer than any path
// the API has, and short enough that matching a request against many patterns costs
// little.
const (
	MaxLen      = 1024
	MaxSegments = 16
)

// Check says why p is not a usable pattern, or returns nil: a pattern starts with "/",
// holds no query, fragment or space, uses "*" only as a whole segment, and keeps within
// MaxLen and MaxSegments.
func Check(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return errors.New("must start with /")
	case len(p) > MaxLen:
		return fmt.Errorf("must be at most %d bytes long, not %d", MaxLen, len(p))
	case strings.ContainsAny(p, "?# "):
		return errors.New("must not hold a query, a fragment or a space")
	}
	if n := strings.Count(p, "/"); n > MaxSegments {
		return fmt.Errorf("must have at most %d segments, not %d", MaxSegments, n)
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if strings.Contains(seg, "*") && seg != "*" {
			return errors.New("must use * for a whole segment only")
		}
	}
	return nil
}

// Valid reports whether p is a usable pattern (Check finds nothing wrong with it).
func Valid(p string) bool { return Check(p) == nil }

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

// Path is a request path cut into its segments once, so that matching it against many
// patterns costs each pattern's length, not the path's.
type Path struct {
	// parts are what lies around the path's slashes: the empty part before the leading
	// "/", then one per segment.
	parts [MaxSegments + 1]string
	n     int // 0 when the path has more segments than any valid pattern
}

// Split cuts path for Path.Match.
func Split(path string) Path {
	var p Path
	for i := range p.parts {
		part, rest, more := strings.Cut(path, "/")
		p.parts[i] = part
		if !more {
			p.n = i + 1
			return p
		}
		path = rest
	}
	return Path{}
}

// Match reports what Match(pattern, path) does, for a valid pattern.
func (p *Path) Match(pattern string) bool {
	for i := range p.n {
		part, rest, more := strings.Cut(pattern, "/")
		if part != "*" && part != p.parts[i] {
			return false
		}
		if !more {
			return i == p.n-1
		}
		pattern = rest
	}
	return false
}
