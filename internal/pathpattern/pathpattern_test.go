package pathpattern

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"/api/v2/opportunityStages", "/api/v2/opportunityStages", true},
		{"/api/v2/opportunityStages", "/api/v2/opportunityStages/1", false},
		{"/api/v2/opportunityStages/*", "/api/v2/opportunityStages/1", true},
		{"/api/v2/opportunityStages/*", "/api/v2/opportunityStages", false},
		{"/api/v2/opportunityStages/*", "/api/v2/opportunityStages/1/x", false},
		{"/api/v2/opportunityStages/*", "/api/v2/opportunityStages/", true}, // an empty segment is a segment
		{"/api/*/opportunityStages/*", "/api/v2/opportunityStages/7", true},
		{"/api/*/opportunityStages/*", "/api/v2/users/7", false},
		{"/*", "/", true},
		{"/*", "/a/b", false},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
		path := Split(c.path)
		if got := path.Match(c.pattern); got != c.want {
			t.Errorf("Split(%q).Match(%q) = %v, want %v", c.path, c.pattern, got, c.want)
		}
	}
}

func TestValid(t *testing.T) {
	for p, want := range map[string]bool{
		"/api/v2/opportunityStages/*": true, "/": true, "/*/*": true,
		"": false, "api/v2": false, "/api/v2*": false, "/a?b=1": false, "/a#b": false, "/a b": false, "/**": false,
		strings.Repeat("/*", MaxSegments): true, strings.Repeat("/*", MaxSegments+1): false,
		"/" + strings.Repeat("a", MaxLen-1): true, "/" + strings.Repeat("a", MaxLen): false,
	} {
		if got := Valid(p); got != want {
			t.Errorf("Valid(%q) = %v, want %v", p, got, want)
		}
	}
}

// A pattern beyond a bound is refused with a reason that names the bound.
func TestCheckNamesTheLimit(t *testing.T) {
	for p, want := range map[string]string{
		strings.Repeat("/*", 20000):            "at most 1024 bytes long, not 40000",
		"/" + strings.Repeat("a", 2000):        "at most 1024 bytes long, not 2001",
		strings.Repeat("/"+"x", MaxSegments+1): "at most 16 segments, not 17",
	} {
		err := Check(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%.20q...) = %v, want an error saying %q", p, err, want)
		}
	}
}

// A path with more segments than any valid pattern matches none, and matching costs the
// pattern's length: a path of 20,000 segments is cut no further than MaxSegments.
func TestSplitLongPath(t *testing.T) {
	long := strings.Repeat("/a", 20000)
	p := Split(long)
	for _, pattern := range []string{strings.Repeat("/*", MaxSegments), strings.Repeat("/a", MaxSegments), "/*"} {
		if p.Match(pattern) {
			t.Errorf("a path of 20000 segments matched %q", pattern)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("/api/v2/opportunityStages/*", "/api/v2/opportunityStages/1")
	f.Add("/*/*", "/a")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		got := Match(pattern, path)
		if pattern == path && !got {
			t.Fatalf("Match(%q, itself) = false", pattern)
		}
		if Valid(pattern) && got && strings.Count(pattern, "/") != strings.Count(path, "/") {
			t.Fatalf("Match(%q, %q): segment counts differ", pattern, path)
		}
		if split := Split(path); Valid(pattern) && split.Match(pattern) != got {
			t.Fatalf("Split(%q).Match(%q) = %v, Match = %v", path, pattern, !got, got)
		}
	})
}
