package jsonapi

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime writes t as a JSON string in the vendor's format, TimeFormat
// (2006-01-02T15:04:05.000Z), without the general formatter's cost.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, oppstages.TimeFormat)
		return append(b, '"')
	}
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1e6, 3)
	return append(b, 'Z', '"')
}

// appendDigits writes n, zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

func appendNullableString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return AppendString(b, *s)
}

func appendNullableInt(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

func appendNullableBool(b []byte, v *bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendBool(b, *v)
}

// members writes "{", then comma-separated members, then "}". The typed writers leave
// out members the sparse fieldset only does not include.
type members struct {
	b     []byte
	count int
	only  query.Fieldset
}

func (m *members) string(name, v string) {
	if m.only.Has(name) {
		m.key(name)
		m.b = AppendString(m.b, v)
	}
}

func (m *members) nullableString(name string, v *string) {
	if m.only.Has(name) {
		m.key(name)
		m.b = appendNullableString(m.b, v)
	}
}

func (m *members) nullableInt(name string, v *int64) {
	if m.only.Has(name) {
		m.key(name)
		m.b = appendNullableInt(m.b, v)
	}
}

func (m *members) boolean(name string, v bool) {
	if m.only.Has(name) {
		m.key(name)
		m.b = strconv.AppendBool(m.b, v)
	}
}

func (m *members) nullableBool(name string, v *bool) {
	if m.only.Has(name) {
		m.key(name)
		m.b = appendNullableBool(m.b, v)
	}
}

func (m *members) time(name string, t time.Time) {
	if m.only.Has(name) {
		m.key(name)
		m.b = appendTime(m.b, t)
	}
}

func (m *members) key(k string) {
	if m.count == 0 {
		m.b = append(m.b, '{')
	} else {
		m.b = append(m.b, ',')
	}
	m.count++
	m.b = append(m.b, '"')
	m.b = append(m.b, k...)
	m.b = append(m.b, '"', ':')
}

func (m *members) close() []byte {
	if m.count == 0 {
		return append(m.b, '{', '}')
	}
	return append(m.b, '}')
}
