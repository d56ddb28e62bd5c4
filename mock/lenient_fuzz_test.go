package mock

import (
	"slices"
	"strings"
	"testing"
)

// FuzzDropBlank: dropping blank parameters removes exactly the blank ones named in the
// list, keeps every other pair as sent and in order, and leaves a query without any alone.
func FuzzDropBlank(f *testing.F) {
	for _, seed := range []string{"", "sort=", "sort", "sort=&include=&page%5Bsize%5D=2", "a=1&&b=", "fields[user]=&x=%zz", "count=&count=true", "&&&", "=&sort=="} {
		f.Add(seed)
	}
	l := newLenient([]string{"sort", "include", "count", "page[size]", "fields[user]"})
	f.Fuzz(func(t *testing.T, raw string) {
		got, dropped := l.dropBlank(raw)
		if !dropped {
			if got != raw {
				t.Fatalf("nothing dropped, yet %q became %q", raw, got)
			}
			return
		}
		want := slices.DeleteFunc(strings.Split(raw, "&"), l.isBlank)
		if got != strings.Join(want, "&") {
			t.Fatalf("%q became %q, want the pairs %q", raw, got, want)
		}
		if len(want) == len(strings.Split(raw, "&")) {
			t.Fatalf("%q: reported a drop, but no pair was blank", raw)
		}
	})
}
