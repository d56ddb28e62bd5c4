package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// textHandler writes exactly what slog.TextHandler writes, byte for byte, but formats the
// common record itself: a request line costs no allocation and a fraction of the CPU.
// The common record is the time, level, message and attributes of kinds String, Int64,
// Uint64, Float64, Bool and Duration, with no ReplaceAttr and no source. Anything else
// (other kinds, groups, handlers made by WithAttrs or WithGroup) goes to the wrapped
// slog.TextHandler.
type textHandler struct {
	slow  *slog.TextHandler
	plain bool // the options leave the built-in format alone: no ReplaceAttr
	src   bool // AddSource is set

	mu    *sync.Mutex // serialises writes to w, shared with slow's writer
	w     io.Writer
	lines *sync.Pool // of *[]byte: buffers for a line each
}

// newTextHandler returns a handler writing to w what slog.NewTextHandler(w, opts) would.
// Every Write to w, from either path, holds one mutex, so w need not be safe for
// concurrent use.
func newTextHandler(w io.Writer, opts *slog.HandlerOptions) *textHandler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	mu := &sync.Mutex{}
	return &textHandler{
		slow:  slog.NewTextHandler(&lockedWriter{mu: mu, w: w}, opts),
		plain: opts.ReplaceAttr == nil,
		src:   opts.AddSource,
		mu:    mu,
		w:     w,
		lines: &sync.Pool{New: func() any {
			b := make([]byte, 0, 512)
			return &b
		}},
	}
}

// lockedWriter makes the wrapped handler's writes take the fast path's mutex.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (h *textHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.slow.Enabled(ctx, level)
}

func (h *textHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }
func (h *textHandler) WithGroup(name string) slog.Handler       { return h.slow.WithGroup(name) }

// Handle writes r as one line with a single Write.
func (h *textHandler) Handle(ctx context.Context, r slog.Record) error {
	if !h.plain || (h.src && r.PC != 0) {
		return h.slow.Handle(ctx, r)
	}
	bp := h.lines.Get().(*[]byte)
	defer h.putLineBuffer(bp)
	line, ok := appendRecord((*bp)[:0], r)
	*bp = line
	if !ok {
		return h.slow.Handle(ctx, r)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(line)
	return err
}

// maxPooledLine keeps a rare huge line from pinning its buffer in the pool.
const maxPooledLine = 16 << 10

func (h *textHandler) putLineBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooledLine {
		h.lines.Put(bp)
	}
}

// appendRecord appends r's line, as slog.TextHandler formats it with default options, to
// b. It reports false when r holds something only the wrapped handler formats.
func appendRecord(b []byte, r slog.Record) ([]byte, bool) {
	if !r.Time.IsZero() {
		var ok bool
		b = append(b, "time="...)
		if b, ok = appendTime(b, r.Time); !ok {
			return b, false
		}
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = appendLevel(b, r.Level)
	b = append(b, " msg="...)
	b = appendText(b, r.Message)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		b = append(b, ' ')
		b = appendText(b, a.Key)
		b = append(b, '=')
		b, ok = appendValue(b, a.Value)
		return ok
	})
	return append(b, '\n'), ok
}

// appendTime writes t in its own location as RFC 3339 with exactly three fractional
// digits, truncated, as slog does. Years outside 0-9999 are left to slog.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	n := len(b)
	b = t.AppendFormat(b, time.RFC3339) // 2006-01-02T15:04:05 and the zone, fast
	const secondsEnd = len("2006-01-02T15:04:05")
	if len(b) < n+secondsEnd || b[n+4] != '-' {
		return b, false
	}
	// Move the zone right and put the milliseconds in front of it.
	ms := t.Nanosecond() / int(time.Millisecond)
	zone := n + secondsEnd
	b = append(b, "...."...)
	copy(b[zone+4:], b[zone:len(b)-4])
	b[zone] = '.'
	b[zone+1] = byte('0' + ms/100)
	b[zone+2] = byte('0' + ms/10%10)
	b[zone+3] = byte('0' + ms%10)
	return b, true
}

// appendLevel writes what slog.Level.String returns: a name, and the distance above it
// for levels between the named ones (INFO+2, DEBUG-4).
func appendLevel(b []byte, l slog.Level) []byte {
	base, name := slog.LevelError, "ERROR"
	switch {
	case l < slog.LevelInfo:
		base, name = slog.LevelDebug, "DEBUG"
	case l < slog.LevelWarn:
		base, name = slog.LevelInfo, "INFO"
	case l < slog.LevelError:
		base, name = slog.LevelWarn, "WARN"
	}
	b = append(b, name...)
	if d := int64(l) - int64(base); d != 0 {
		if d > 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, d, 10)
	}
	return b
}

// appendValue writes v as slog's text format does, for the kinds it knows.
func appendValue(b []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindString:
		return appendText(b, v.String()), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		// String is inlined, so its result lives on the stack: no allocation.
		return append(b, v.Duration().String()...), true
	}
	return b, false
}

// appendText writes s bare, or Go-quoted when slog would quote it: when it is empty or
// holds a space, '=', '"', a control character, invalid UTF-8 or a rune that is not
// printable.
func appendText(b []byte, s string) []byte {
	if needsQuotes(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' { // DEL is written bare, as slog does
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
