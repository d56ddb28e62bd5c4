package headerfield

import "testing"

func TestValidNameAndValue(t *testing.T) {
	names := []struct {
		name string
		ok   bool
	}{
		{"Retry-After", true}, {"X-Custom_1", true}, {"!#$%&'*+-.^_`|~", true},
		{"", false}, {"Bad Name", false}, {"Bad:Name", false}, {"Bad\r\nName", false}, {"Naïve", false}, {"\x00", false},
	}
	for _, c := range names {
		if got := ValidName(c.name); got != c.ok {
			t.Errorf("ValidName(%q) = %v, want %v", c.name, got, c.ok)
		}
	}
	values := []struct {
		value string
		ok    bool
	}{
		{"30", true}, {"", true}, {"a\tb", true}, {"caf\xc3\xa9", true},
		{"a\r\nSet-Cookie: x=1", false}, {"a\nb", false}, {"a\x00b", false}, {"a\x7fb", false}, {"\x07", false},
	}
	for _, c := range values {
		if got := ValidValue(c.value); got != c.ok {
			t.Errorf("ValidValue(%q) = %v, want %v", c.value, got, c.ok)
		}
	}
	for name, want := range map[string]bool{"content-length": true, "Transfer-Encoding": true, "Content-Type": false} {
		if Framing(name) != want {
			t.Errorf("Framing(%q) = %v", name, !want)
		}
	}
}
