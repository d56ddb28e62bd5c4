package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// logged is what a handler wrote for a record.
func logged(t testing.TB, h func(io.Writer) slog.Handler, r slog.Record) string {
	t.Helper()
	var out bytes.Buffer
	if err := h(&out).Handle(context.Background(), r); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	return out.String()
}

func stdText(opts *slog.HandlerOptions) func(io.Writer) slog.Handler {
	return func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, opts) }
}

func fastText(opts *slog.HandlerOptions) func(io.Writer) slog.Handler {
	return func(w io.Writer) slog.Handler { return newTextHandler(w, opts) }
}

type stageID int

func (id stageID) LogValue() slog.Value { return slog.IntValue(int(id)) }

func TestTextHandlerWritesWhatSlogWrites(t *testing.T) {
	when := time.Date(2026, 11, 30, 6, 30, 52, 123456789, time.UTC)
	record := func(level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
		r := slog.NewRecord(when, level, msg, 0)
		r.AddAttrs(attrs...)
		return r
	}
	at := func(tm time.Time) slog.Record {
		return slog.NewRecord(tm, slog.LevelInfo, "m", 0)
	}
	str := func(v string) slog.Record { return record(slog.LevelInfo, "m", slog.String("k", v)) }
	key := func(k string) slog.Record { return record(slog.LevelInfo, "m", slog.Int(k, 1)) }
	dur := func(d time.Duration) slog.Record { return record(slog.LevelInfo, "m", slog.Duration("d", d)) }
	many := func(n int) slog.Record {
		r := record(slog.LevelInfo, "many")
		for i := range n {
			r.AddAttrs(slog.Int(fmt.Sprint("k", i), i))
		}
		return r
	}

	type testCase struct {
		name string
		r    slog.Record
		fast bool // formatted without the wrapped handler
	}
	cases := []testCase{
		{"request line", record(slog.LevelInfo, "request", slog.String("method", "GET"),
			slog.String("path", "/api/v2/opportunityStages/1"), slog.Int("status", 200),
			slog.Duration("duration", 153*time.Microsecond)), true},
		{"request line with query", record(slog.LevelInfo, "request", slog.String("method", "GET"),
			slog.String("path", "/api/v2/opportunityStages"), slog.Int("status", 200),
			slog.Duration("duration", 2*time.Millisecond+345*time.Microsecond),
			slog.String("query", "page[size]=50&filter[name]=Won"), slog.String("sandbox", "s1"),
			slog.String("fault", "latency")), true},
		{"message with spaces", record(slog.LevelInfo, "mockserver listening on http://127.0.0.1:8080"), true},
		{"empty message", record(slog.LevelInfo, ""), true},
		{"no attrs", record(slog.LevelWarn, "w"), true},
		{"int64", record(slog.LevelInfo, "m", slog.Int64("n", -42), slog.Int64("min", math.MinInt64), slog.Int64("max", math.MaxInt64)), true},
		{"uint64", record(slog.LevelInfo, "m", slog.Uint64("u", 0), slog.Uint64("max", math.MaxUint64)), true},
		{"bool", record(slog.LevelInfo, "m", slog.Bool("yes", true), slog.Bool("no", false)), true},
		{"float64", record(slog.LevelInfo, "m", slog.Float64("a", 0), slog.Float64("b", math.Copysign(0, -1)),
			slog.Float64("c", 1.5), slog.Float64("d", -1e21), slog.Float64("e", 1e-7), slog.Float64("f", math.Pi),
			slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(1)), slog.Float64("-inf", math.Inf(-1))), true},
		{"many attrs", many(12), true},
		{"six attrs", many(6), true},
		{"zero time", slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0), true},
		{"time on a millisecond", at(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), true},
		{"time just under a second", at(time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC)), true},
		{"time ahead of UTC", at(time.Date(2026, 1, 2, 3, 4, 5, 7000000, time.FixedZone("IST", 5*3600+1800))), true},
		{"time behind UTC", at(time.Date(2026, 1, 2, 3, 4, 5, 70000000, time.FixedZone("BRT", -3*3600))), true},
		{"zone with seconds", at(time.Date(1850, 1, 2, 3, 4, 5, 1, time.FixedZone("LMT", -75))), true},
		{"zone under a minute", at(time.Date(1850, 1, 2, 3, 4, 5, 1, time.FixedZone("LMT", 30))), true},
		{"named zone at offset 0", at(time.Date(2026, 1, 2, 3, 4, 5, 1, time.FixedZone("GMT", 0))), true},
		{"local time", at(time.Date(2026, 7, 2, 3, 4, 5, 1, time.Local)), true},
		{"year 1", at(time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)), true},
		{"year 0", at(time.Date(0, 6, 1, 0, 0, 0, 1500000, time.UTC)), true},
		{"year 9999", at(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)), true},
		{"year 10000", at(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), false},
		{"negative year", at(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)), false},
		{"with monotonic clock", at(time.Now()), true},
	}
	for _, l := range []slog.Level{-100, -8, -5, slog.LevelDebug, -3, -1, slog.LevelInfo, 1, 2, 3,
		slog.LevelWarn, 5, 7, slog.LevelError, 9, 12, 100, math.MaxInt32} {
		cases = append(cases, testCase{"level " + l.String(), record(l, "m"), true})
	}
	for _, v := range []string{"plain", "", " ", "a b", "a=b", `a"b`, "back\\slash", "tab\there", "nl\n",
		"nul\x00", "del\x7f", "bell\a", "héllo", "日本語", "emoji😀", "nbsp\u00a0x", "zwsp\u200bx",
		"ideographic\u3000space", "bad\xffutf8", "replacement\ufffd", "combining e\u0301", "\u2028",
		"/api/v2/opportunityStages?page%5Bsize%5D=5", "-", "=", `"`, "{}", "[]", "#!$%&'()*+,-./:;<>?@^_`|~"} {
		cases = append(cases, testCase{fmt.Sprintf("string %q", v), str(v), true})
		cases = append(cases, testCase{fmt.Sprintf("key %q", v), key(v), true})
		cases = append(cases, testCase{fmt.Sprintf("message %q", v), record(slog.LevelInfo, v), true})
	}
	for _, d := range []time.Duration{0, 1, 999, time.Microsecond, 1500, 999999, time.Millisecond,
		1234567, 999999999, time.Second, 1500 * time.Millisecond, time.Minute, 61*time.Second + 5,
		time.Hour, time.Hour + 500*time.Millisecond, 100*time.Hour + 59*time.Minute, -1, -1500,
		-time.Hour, math.MinInt64, math.MaxInt64} {
		cases = append(cases, testCase{"duration " + d.String(), dur(d), true})
	}
	// Left to slog.TextHandler.
	cases = append(cases,
		testCase{"group", record(slog.LevelInfo, "m", slog.Group("g", slog.Int("a", 1))), false},
		testCase{"inline group", record(slog.LevelInfo, "m", slog.Group("", slog.Int("a", 1))), false},
		testCase{"any", record(slog.LevelInfo, "m", slog.Any("err", io.EOF)), false},
		testCase{"bytes", record(slog.LevelInfo, "m", slog.Any("b", []byte("x y"))), false},
		testCase{"time attr", record(slog.LevelInfo, "m", slog.Time("t", when)), false},
		testCase{"log valuer", record(slog.LevelInfo, "m", slog.Any("id", stageID(7))), false},
		testCase{"empty attr", record(slog.LevelInfo, "m", slog.Int("a", 1), slog.Attr{}, slog.Int("b", 2)), false},
		testCase{"fast then slow", record(slog.LevelInfo, "m", slog.Int("a", 1), slog.Any("nil", nil)), false},
	)

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := logged(t, stdText(nil), tc.r)
			got := logged(t, fastText(nil), tc.r)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("mismatch (-slog +ours):\n%s", diff)
			}
			if _, fast := appendRecord(nil, tc.r); fast != tc.fast {
				t.Errorf("fast path taken: %v, want %v", fast, tc.fast)
			}
		})
	}
}

func TestTextHandlerOptionsAndDerivedHandlers(t *testing.T) {
	when := time.Date(2026, 11, 30, 6, 30, 52, 123456789, time.FixedZone("X", 3600))
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	withPC := slog.NewRecord(when, slog.LevelInfo, "request", pcs[0])
	withPC.AddAttrs(slog.String("path", "/a b"), slog.Int("status", 200))
	plain := slog.NewRecord(when, slog.LevelWarn, "request", 0)
	plain.AddAttrs(slog.String("path", "/a"), slog.Int("status", 200), slog.Duration("d", time.Millisecond))

	upper := func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(strings.ToUpper(a.Value.String()))
		}
		return a
	}
	derive := map[string]func(slog.Handler) slog.Handler{
		"as built":   func(h slog.Handler) slog.Handler { return h },
		"WithAttrs":  func(h slog.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("app", "mock x")}) },
		"WithGroup":  func(h slog.Handler) slog.Handler { return h.WithGroup("g") },
		"both":       func(h slog.Handler) slog.Handler { return h.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("n", 1)}) },
		"empty With": func(h slog.Handler) slog.Handler { return h.WithAttrs(nil).WithGroup("") },
	}
	for _, opts := range []struct {
		name string
		opts *slog.HandlerOptions
	}{
		{"nil options", nil},
		{"warn level", &slog.HandlerOptions{Level: slog.LevelWarn}},
		{"AddSource", &slog.HandlerOptions{AddSource: true}},
		{"ReplaceAttr", &slog.HandlerOptions{ReplaceAttr: upper}},
	} {
		for dname, d := range derive {
			for rname, r := range map[string]slog.Record{"with PC": withPC, "without PC": plain} {
				t.Run(opts.name+"/"+dname+"/"+rname, func(t *testing.T) {
					want := logged(t, func(w io.Writer) slog.Handler { return d(slog.NewTextHandler(w, opts.opts)) }, r)
					got := logged(t, func(w io.Writer) slog.Handler { return d(newTextHandler(w, opts.opts)) }, r)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("mismatch (-slog +ours):\n%s", diff)
					}
				})
			}
		}
	}
	for _, opts := range []*slog.HandlerOptions{nil, {Level: slog.LevelWarn}, {Level: slog.LevelError + 1}} {
		std, ours := slog.NewTextHandler(io.Discard, opts), newTextHandler(io.Discard, opts)
		for l := slog.LevelDebug - 2; l <= slog.LevelError+2; l++ {
			if got, want := ours.Enabled(context.Background(), l), std.Enabled(context.Background(), l); got != want {
				t.Errorf("options %+v: Enabled(%v) = %v, slog says %v", opts, l, got, want)
			}
		}
	}
}

// unsafeWriter is a writer that must not be used concurrently; the race detector notices
// if it is.
type unsafeWriter struct{ lines []string }

func (w *unsafeWriter) Write(p []byte) (int, error) {
	w.lines = append(w.lines, string(p))
	return len(p), nil
}

func TestTextHandlerWritesWholeLinesConcurrently(t *testing.T) {
	const goroutines, each = 16, 200
	record := func(g, i int) slog.Record {
		r := slog.NewRecord(time.Time{}, slog.LevelInfo, "request", 0)
		r.AddAttrs(slog.Int("g", g), slog.Int("i", i), slog.String("path", strings.Repeat("/p", i%40)))
		if i%3 == 0 { // the wrapped handler's path writes too
			r.AddAttrs(slog.Any("err", io.EOF))
		}
		return r
	}
	out := &unsafeWriter{}
	h := newTextHandler(out, nil)
	derived := h.WithAttrs([]slog.Attr{slog.String("via", "With")})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				hh := slog.Handler(h)
				if g%4 == 3 {
					hh = derived
				}
				if err := hh.Handle(context.Background(), record(g, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	want := map[string]int{}
	for g := range goroutines {
		std := stdText(nil)
		if g%4 == 3 {
			std = func(w io.Writer) slog.Handler {
				return slog.NewTextHandler(w, nil).WithAttrs([]slog.Attr{slog.String("via", "With")})
			}
		}
		for i := range each {
			want[logged(t, std, record(g, i))]++
		}
	}
	got := map[string]int{}
	for _, l := range out.lines {
		got[l]++
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func FuzzTextHandlerMatchesSlog(f *testing.F) {
	f.Add("request", "path", "/api/v2/opportunityStages/1", int64(200), uint64(7), int64(153000), 1.5, true, 0, int64(1764484252123456789), 0)
	f.Add("", "", "", int64(-1), uint64(0), int64(0), 0.0, false, -4, int64(0), -75)
	f.Add("a b", "k=v", `say "hi"`, int64(math.MinInt64), uint64(math.MaxUint64), int64(math.MinInt64), math.Inf(-1), false, 3, int64(-1), 19800)
	f.Add("héllo\x00", "日本", "\xff\u00a0", int64(42), uint64(1), int64(3723000000001), math.NaN(), true, 9, int64(math.MaxInt64), -3600)
	f.Fuzz(func(t *testing.T, msg, key, s string, i int64, u uint64, d int64, fl float64, b bool, level int, unixNano int64, offset int) {
		var when time.Time
		if unixNano != 0 {
			when = time.Unix(0, unixNano).In(time.FixedZone("Z", offset%(30*3600)))
		}
		r := slog.NewRecord(when, slog.Level(level), msg, 0)
		r.AddAttrs(slog.String(key, s), slog.Int64("i", i), slog.Uint64(s, u), slog.Duration(key, time.Duration(d)),
			slog.Float64("f", fl), slog.Bool("b", b), slog.String("m", msg))
		want := logged(t, stdText(nil), r)
		got := logged(t, fastText(nil), r)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mismatch (-slog +ours):\n%s", diff)
		}
	})
}

// BenchmarkRequestLog compares slog.TextHandler with textHandler on the line the server
// writes per request.
func BenchmarkRequestLog(b *testing.B) {
	get := func() slog.Record {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
		r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/api/v2/opportunityStages/1"),
			slog.Int("status", 200), slog.Duration("duration", 153421*time.Nanosecond))
		return r
	}
	list := func() slog.Record {
		r := get()
		r.AddAttrs(slog.String("query", "page[size]=50&sort=-order"))
		return r
	}
	for _, rec := range []struct {
		name string
		r    slog.Record
	}{{"get", get()}, {"list-query", list()}} {
		for _, h := range []struct {
			name string
			h    slog.Handler
		}{{"slog.TextHandler", slog.NewTextHandler(io.Discard, nil)}, {"textHandler", newTextHandler(io.Discard, nil)}} {
			b.Run(rec.name+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := context.Background()
				for b.Loop() {
					if err := h.h.Handle(ctx, rec.r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
