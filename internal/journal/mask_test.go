package journal

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/internal/apitest"
)

// echoSecret has what makes encodings differ: a slash, a plus, a space, a percent sign and
// a character beyond ASCII.
const echoSecret = "RT2/abc+d ef%é-0123"

// encodings are the ways an answer may repeat a secret inside a JSON string.
var encodings = []struct {
	name   string
	encode func(string) string
}{
	{"as it is", func(s string) string { return s }},
	{`slashes escaped \/`, func(s string) string { return strings.ReplaceAll(s, "/", `\/`) }},
	{`every character \u-escaped`, func(s string) string { return uEscape(s, "%04x") }},
	{`every character \U-escaped`, func(s string) string { return uEscape(s, "%04X") }},
	{"query-escaped", url.QueryEscape},
	{"path-escaped", url.PathEscape},
	{"percent-encoded in lower case", func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.PathEscape(s), strings.ToLower)
	}},
	{"percent-encoded twice", func(s string) string { return url.QueryEscape(url.QueryEscape(s)) }},
	{`percent signs \u-escaped`, func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%", `\u0025`) }},
	{"half plain, half escaped", func(s string) string { return s[:5] + uEscape(s[5:], "%04x") }},
}

// uEscape writes every character of s as a \u escape, non-BMP ones as surrogate pairs.
func uEscape(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r -= 0x10000
			fmt.Fprintf(&b, `\u`+format+`\u`+format, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			continue
		}
		fmt.Fprintf(&b, `\u`+format, r)
	}
	return b.String()
}

// Whatever a JSON string or a URL makes of a secret, Mask finds it and leaves valid JSON.
func TestMaskEveryEncoding(t *testing.T) {
	secrets := []string{"another-secret-1", echoSecret}
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			echoed := enc.encode(echoSecret)
			doc := `{"detail":"token ` + echoed + ` rejected","link":"https://api.test/x?t=` + echoed + `&page=2","n":[1,2]}`
			if !apitest.Reveals([]byte(doc), echoSecret) {
				t.Fatalf("the test's own encoding hides the secret: %s", doc)
			}
			got := Mask([]byte(doc), secrets)
			if !json.Valid(got) || apitest.Reveals(got, echoSecret) || !strings.Contains(string(got), "token REDACTED rejected") ||
				!strings.Contains(string(got), "&page=2") {
				t.Errorf("Mask(%s) = %s", doc, got)
			}
			// The same in text that is not JSON, e.g. a form or a log line.
			text := "a=1&echo=" + echoed + "&b=2"
			if got := MaskString(text, secrets); got != "a=1&echo=REDACTED&b=2" {
				t.Errorf("MaskString(%q) = %q", text, got)
			}
		})
	}
}

func TestMask(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		secrets        []string
	}{
		{"nothing to mask, kept byte for byte", `{"a": "b\/c"}`, `{"a": "b\/c"}`, []string{echoSecret}},
		{"a number holding a secret becomes a string", `{"id":12345678,"n":1}`, `{"id":"REDACTED","n":1}`, []string{"12345678"}},
		{"only inside strings", `{"k12345678":true}`, `{"kREDACTED":true}`, []string{"12345678"}},
		{"a quote in a secret, escaped", `{"a":"x ab\"cdefgh y"}`, `{"a":"x REDACTED y"}`, []string{`ab"cdefgh`}},
		{"two secrets overlapping", `{"a":"0123456789abcdef"}`, `{"a":"REDACTED"}`, []string{"0123456789ab", "6789abcdef"}},
		{"a secret too short to mask", `{"a":"short"}`, `{"a":"short"}`, []string{"short"}},
		{"a surrogate pair", `{"a":"x \ud83d\ude00-secret-1 y"}`, `{"a":"x REDACTED y"}`, []string{"😀-secret-1"}},
		{"a percent sign of the secret's own", `{"a":"p%25-secret-1 p%-secret-1"}`, `{"a":"REDACTED REDACTED"}`, []string{"p%-secret-1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Mask([]byte(c.in), c.secrets)
			if string(got) != c.want {
				t.Errorf("Mask = %s, want %s", got, c.want)
			}
			if !json.Valid(got) {
				t.Errorf("Mask broke the JSON: %s", got)
			}
		})
	}
}

// A body cut short keeps no start of a secret at its end.
func TestBodyCutInASecret(t *testing.T) {
	secret := "RT2-abcdefghijklmnop"
	for _, cutAt := range []int{4, 10, len(secret) - 1} {
		raw := strings.Repeat("a", MaxBody-cutAt) + secret
		got, truncated := shapeBody([]byte(raw), "text/plain", false, []string{secret}, nil)
		var text string
		if err := json.Unmarshal(got, &text); err != nil || !truncated {
			t.Fatalf("cut at %d: %v, truncated %v", cutAt, err, truncated)
		}
		if !strings.HasSuffix(text, "a"+Redacted) {
			t.Errorf("cut %d bytes into the secret: ends %q", cutAt, text[len(text)-20:])
		}
	}
}

// Every credential the request carried is masked wherever its entry repeats it: in both
// bodies, in the response's headers, in the query and the path, however it is encoded.
func TestEntriesMaskWhatTheRequestCarried(t *testing.T) {
	secrets := map[string]string{
		"bearer token":          "RT2/bearer-0123456789",
		"X-Api-Key":             "key/0123456789abcdef",
		"cookie":                "sid/cookie-0123456789",
		"Basic password":        "pass/word-0123456789",
		"query access_token":    "qry/token-0123456789",
		"matrix jsessionid":     "mtx-session-0123456789",
		"form body credential":  "body/secret-0123456789",
		"JWT in another header": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
	}
	var echo []string
	for _, s := range secrets {
		for _, enc := range encodings {
			echo = append(echo, enc.encode(s))
		}
	}
	echoed := `{"echo":"` + strings.Join(echo, " ") + `","id":1}`
	j := New(10, 1<<20)
	j.Add(Exchange{
		Method:   "POST",
		Path:     "/api/v2/opportunityStages;jsessionid=" + secrets["matrix jsessionid"],
		RawQuery: "access_token=" + url.QueryEscape(secrets["query access_token"]) + "&q=" + url.QueryEscape(secrets["X-Api-Key"]),
		RequestHeader: http.Header{
			"Authorization":       {"Bearer " + secrets["bearer token"]},
			"X-Api-Key":           {secrets["X-Api-Key"]},
			"Cookie":              {"sid=" + secrets["cookie"] + "; theme=dark"},
			"Proxy-Authorization": {"Basic " + basic("user", secrets["Basic password"])},
			"X-Trace":             {secrets["JWT in another header"]},
			"Referer":             {"https://app.test/?code=" + secrets["bearer token"]},
		},
		RequestBody:        []byte("client_secret=" + url.QueryEscape(secrets["form body credential"]) + "&note=" + url.QueryEscape(secrets["bearer token"])),
		RequestContentType: "application/x-www-form-urlencoded",
		ResponseHeader:     http.Header{"X-Echo": {secrets["X-Api-Key"]}, "Location": {"/next?t=" + secrets["bearer token"]}},
		ResponseBody:       []byte(echoed),
		Violations:         []string{"response: " + secrets["cookie"] + " is not a stage"},
	})
	entries, _ := j.List(Filter{})
	doc, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	for what, s := range secrets {
		if apitest.Reveals(doc, s) {
			t.Errorf("the %s is in the entry: %s", what, doc)
		}
	}
	if !strings.Contains(string(entries[0].ResponseBody), `"id":1`) || entries[0].Query != "access_token=REDACTED&q=REDACTED" {
		t.Errorf("masked too much: %s %s", entries[0].Query, entries[0].ResponseBody)
	}
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
