package budget

import "testing"

func TestChangeRefusesGrowthPastTheLimit(t *testing.T) {
	b := New(100)
	steps := []struct {
		name       string
		held, want int64
		ok         bool
		used       int64
	}{
		{"growth within the limit", 0, 60, true, 60},
		{"growth past it is refused", 0, 41, false, 60},
		{"growth up to it", 0, 40, true, 100},
		{"shrinking", 60, 10, true, 50},
		{"growth into what was given back", 10, 60, true, 100},
	}
	for _, s := range steps {
		if got := b.Change(s.held, s.want); got != s.ok {
			t.Errorf("%s: Change(%d, %d) = %v, want %v", s.name, s.held, s.want, got, s.ok)
		}
		if used, _ := b.Usage(); used != s.used {
			t.Errorf("%s: used %d, want %d", s.name, used, s.used)
		}
	}
	b.Force(0, 10)
	if used, _ := b.Usage(); used != 110 {
		t.Errorf("Force: used %d, want 110", used)
	}
	var unlimited *Budget
	if !unlimited.Change(0, 1<<40) {
		t.Error("a nil budget refused")
	}
}
