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
	}
}

func TestValid(t *testing.T) {
	for p, want := range map[string]bool{
		"/api/v2/opportunityStages/*": true, "/": true, "/*/*": true,
		"": false, "api/v2": false, "/api/v2*": false, "/a?b=1": false, "/a#b": false, "/a b": false, "/**": false,
	} {
		if got := Valid(p); got != want {
			t.Errorf("Valid(%q) = %v, want %v", p, got, want)
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
	})
}
