package journal

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oppstages/oppstages/internal/apitest"
)

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"method=GET&path=/api/v2/opportunityStages/*", "status=404&since=2026-03-01T12:00:00Z", "after=3", "x=1", "path=*", "status=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		filter, err := ParseFilter(q)
		if err != nil {
			if _, ok := err.(*ParamError); !ok {
				t.Fatalf("error %T is not a *ParamError", err)
			}
			return
		}
		if filter.Check() != nil {
			t.Fatal("ParseFilter accepted a filter Check rejects")
		}
		filter.Match(&Entry{Method: "GET", Path: "/api/v2/opportunityStages/1", ID: 1})
	})
}

func FuzzBody(f *testing.F) {
	for _, s := range []string{`{"access_token":"t"}`, `[{"a":{"password":"p"}}]`, "code=1&x=2", "plain", `"é`, ""} {
		f.Add(s, "application/json")
	}
	f.Add(multipartBody, "multipart/form-data; boundary=XyZ")
	f.Add(multipartBody[:40], "")
	f.Add("token: abc\n<password>p</password>", "application/yaml")
	f.Fuzz(func(t *testing.T, raw, contentType string) {
		got, truncated := Body([]byte(raw), contentType)
		if raw == "" {
			if got != nil {
				t.Fatal("a body out of nothing")
			}
			return
		}
		if !json.Valid(got) {
			t.Fatalf("Body(%q) = %q, not JSON", raw, got)
		}
		if truncated != (len(raw) > MaxBody) {
			t.Fatalf("truncated %v for %d bytes", truncated, len(raw))
		}
		if strings.Contains(raw, `"access_token":"secret-value"`) && strings.Contains(string(got), "secret-value") && json.Valid([]byte(raw)) {
			t.Fatalf("a token survived: %s", got)
		}
	})
}

// RedactQuery keeps every parameter as it was but the values of credential ones: by
// their name, or holding a JSON Web Token.
func FuzzRedactQuery(f *testing.F) {
	for _, s := range []string{"page[size]=50", "access_token=t&a=1", "a%5Ftoken=x", "api+key=1", "code", "code=", "&&=&", "%zz=1&token=2",
		"q=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln&PWD=p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in, out := strings.Split(raw, "&"), strings.Split(RedactQuery(raw), "&")
		if len(in) != len(out) {
			t.Fatalf("RedactQuery(%q) has %d parameters, want %d", raw, len(out), len(in))
		}
		for i := range in {
			key, _, hasValue := strings.Cut(in[i], "=")
			name, err := url.QueryUnescape(key)
			if err != nil {
				name = key
			}
			want := in[i]
			if hasValue && (Secret(name) || hasJWT(in[i][len(key)+1:])) {
				want = key + "=" + Redacted
			}
			if out[i] != want {
				t.Fatalf("RedactQuery(%q): parameter %d is %q, want %q", raw, i, out[i], want)
			}
		}
	})
}

// Whatever the secret and however one of the encodings a JSON string or a URL may give it
// writes it, Mask leaves valid JSON in which no string, decoded, holds it.
func FuzzMask(f *testing.F) {
	f.Add(echoSecret, "token ", " rejected", uint8(0))
	f.Add("RT2/abc-0123", "https://api.test/x?t=", "&page=2", uint8(4))
	f.Add("p%-secret-1", "", "", uint8(7))
	f.Add("\u00e9\"-0123", "a", "b", uint8(2))
	f.Add("00000000", "\x10", "0", uint8(2)) // no match may start in the digits of an escape
	f.Fuzz(func(t *testing.T, secret, before, after string, encoding uint8) {
		// The text around is plain, and no letter of REDACTED can make the secret again.
		if len(secret) < MinSecretLen || !utf8.ValidString(secret) || !utf8.ValidString(before) || !utf8.ValidString(after) ||
			strings.ContainsAny(secret, "REDACT") || strings.ContainsAny(before+after, `\%+"`) {
			return
		}
		echoed := encodings[int(encoding)%len(encodings)].encode(secret)
		if !utf8.ValidString(echoed) {
			return
		}
		quoted, _ := json.Marshal(before + "\x00" + after)
		doc := []byte(`{"echo":` + strings.Replace(string(quoted), `\u0000`, jsonContents(echoed), 1) + `,"n":1}`)
		if !json.Valid(doc) || !apitest.Reveals(doc, secret) {
			return // the encoding does not fit this secret (e.g. \/ in a secret with a backslash)
		}
		got := Mask(doc, []string{secret})
		if !json.Valid(got) {
			t.Fatalf("Mask(%s) = %s, not JSON", doc, got)
		}
		if apitest.Reveals(got, secret) {
			t.Fatalf("Mask(%s) = %s, still holds %q", doc, got, secret)
		}
	})
}

// jsonContents writes s into a JSON string: as it is, but for what JSON must escape.
func jsonContents(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
