package journal

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redacted stands in for a credential the journal does not keep.
const Redacted = "REDACTED"

// secretWords make any header, parameter or member whose name contains one of them a
// credential; secretNames do so only as the whole name.
var (
	secretWords = []string{"token", "secret", "password", "passwd", "apikey", "api-key", "api_key",
		"authorization", "cookie", "session", "credential", "signature", "private", "assertion"}
	secretNames = []string{"code", "key", "auth"}
)

// plainHeaders are common headers that never carry credentials, skipped without a look.
var plainHeaders = map[string]bool{"Accept": true, "Accept-Encoding": true, "Content-Type": true,
	"Content-Length": true, "User-Agent": true, "Prefer": true, "X-Mock-Sandbox": true, "X-Mock-Delay": true,
	"X-Ratelimit-Limit": true, "X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true, "Retry-After": true,
	"Cache-Control": true, "Pragma": true}

// Secret reports whether a header, parameter or member name holds a credential.
func Secret(name string) bool {
	if !isASCII(name) {
		n := strings.ToLower(name)
		for _, w := range secretWords {
			if strings.Contains(n, w) {
				return true
			}
		}
		return slices.Contains(secretNames, n)
	}
	// The same test without lowering a copy: it runs for every header of every request.
	for _, w := range secretWords {
		if containsFold(name, w) {
			return true
		}
	}
	return slices.ContainsFunc(secretNames, func(w string) bool { return strings.EqualFold(name, w) })
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFold reports whether the ASCII string s contains word, ignoring case.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// RedactHeader copies h with credentials replaced: an Authorization header keeps its
// scheme ("Bearer REDACTED") so a test can still see which kind was sent; other
// credential-like headers, and any value sent with a Bearer or Basic scheme, become
// REDACTED; credential-like parameters of URLs (a Location with an OAuth code) too.
func RedactHeader(h http.Header) http.Header {
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	values := make([]string, n) // one array behind every header's values
	out := make(http.Header, len(h))
	for k, vs := range h {
		copied := values[:len(vs):len(vs)]
		values = values[len(vs):]
		if plainHeaders[k] {
			copy(copied, vs)
			out[k] = copied
			continue
		}
		secret := Secret(k)
		for i, v := range vs {
			scheme, _, hasCredentials := strings.Cut(strings.TrimSpace(v), " ")
			switch {
			case hasCredentials && scheme == "Bearer":
				copied[i] = "Bearer " + Redacted
			case hasCredentials && isAuthScheme(scheme):
				copied[i] = scheme + " " + Redacted
			case secret:
				copied[i] = Redacted
			case strings.Contains(v, "?"): // a URL, e.g. a Location carrying an OAuth code
				before, query, _ := strings.Cut(v, "?")
				copied[i] = before + "?" + RedactQuery(query)
			default:
				copied[i] = v
			}
		}
		out[k] = copied
	}
	return out
}

func isAuthScheme(s string) bool {
	if !isASCII(s) {
		s = strings.ToLower(s)
	}
	for _, scheme := range []string{"bearer", "basic", "token", "digest", "negotiate", "hoba", "mutual", "aws4-hmac-sha256"} {
		if strings.EqualFold(s, scheme) {
			return true
		}
	}
	return false
}
