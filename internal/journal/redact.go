package journal

import (
	"net/http"
	"net/url"
	"strings"
)

// Redacted stands in for a credential the journal does not keep.
const Redacted = "REDACTED"

// plainHeaders are common headers that never carry credentials, skipped without a look.
var plainHeaders = map[string]bool{"Accept": true, "Accept-Encoding": true, "Content-Type": true,
	"Content-Length": true, "User-Agent": true, "Prefer": true, "X-Mock-Sandbox": true, "X-Mock-Delay": true,
	"X-Ratelimit-Limit": true, "X-Ratelimit-Remaining": true, "X-Ratelimit-Reset": true, "Retry-After": true,
	"Cache-Control": true, "Pragma": true}

// RedactHeader copies h with credentials replaced: an Authorization header keeps its
// scheme ("Bearer REDACTED") so a test can still see which kind was sent; other headers
// with a credential's name (see Secret), and any value sent with an authentication
// scheme, become REDACTED; a JSON Web Token in any header, and credential parameters of
// URLs (a Location with an OAuth code), too.
func RedactHeader(h http.Header) http.Header {
	return redactHeader(h, nil)
}

// redactHeader is RedactHeader that also masks each of secrets wherever a value repeats it.
func redactHeader(h http.Header, secrets []string) http.Header {
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
			case hasCredentials && isAuthScheme(scheme):
				copied[i] = scheme + " " + Redacted
			case secret:
				copied[i] = Redacted
			default:
				copied[i] = MaskString(redactURL(redactJWTs(v, nil)), secrets)
			}
		}
		out[k] = copied
	}
	return out
}

// redactURL redacts the credential parameters of a URL, in its path and its query.
func redactURL(v string) string {
	before, query, hasQuery := strings.Cut(v, "?")
	path, redactedQuery := RedactPath(before), RedactQuery(query)
	switch {
	case path == before && redactedQuery == query:
		return v
	case !hasQuery:
		return path
	}
	return path + "?" + redactedQuery
}

func isAuthScheme(s string) bool {
	for _, scheme := range []string{"bearer", "basic", "token", "digest", "negotiate", "hoba", "mutual", "aws4-hmac-sha256"} {
		if strings.EqualFold(s, scheme) {
			return true
		}
	}
	return false
}

// RedactPath replaces the values of a path's credential matrix parameters
// (/stages;jsessionid=...) and any JSON Web Token in it with REDACTED. A parameter's value
// runs to the next ';', slashes included: a credential may hold one.
func RedactPath(path string) string {
	return redactPath(path, nil)
}

func redactPath(path string, found *secretSet) string {
	if strings.IndexByte(path, ';') < 0 {
		return redactJWTs(path, found)
	}
	segments := strings.Split(path, ";")
	for i, p := range segments[1:] {
		name, value, hasValue := strings.Cut(p, "=")
		if unescaped, err := url.PathUnescape(name); err == nil {
			name = unescaped
		}
		if hasValue && (Secret(name) || hasJWT(value)) {
			found.add(value)
			segments[i+1] = p[:len(p)-len(value)] + Redacted
		}
	}
	return redactJWTs(strings.Join(segments, ";"), found)
}

// redactJWTs replaces each JSON Web Token in s with REDACTED, adding it to found.
func redactJWTs(s string, found *secretSet) string {
	start, end := findJWT(s)
	if start < 0 {
		return s
	}
	var b strings.Builder
	for start >= 0 {
		found.add(s[start:end])
		b.WriteString(s[:start])
		b.WriteString(Redacted)
		s = s[end:]
		start, end = findJWT(s)
	}
	b.WriteString(s)
	return b.String()
}

func hasJWT(s string) bool {
	start, _ := findJWT(s)
	return start >= 0
}

// findJWT finds the first JSON Web Token in s: a header of at least minJWTHeader
// base64url characters starting with eyJ (the encoding of {"), then two or more
// base64url segments after dots (a signed token has three, an encrypted one five; the
// last may be empty). It returns -1, -1 when there is none.
func findJWT(s string) (start, end int) {
	for offset := 0; ; {
		i := strings.Index(s[offset:], "eyJ")
		if i < 0 {
			return -1, -1
		}
		start = offset + i
		end = start + base64URLRun(s[start:])
		if end-start >= minJWTHeader && (start == 0 || !isBase64URL(s[start-1])) {
			segments := 0
			for end < len(s) && s[end] == '.' {
				end += 1 + base64URLRun(s[end+1:])
				segments++
			}
			if segments >= 2 {
				return start, end
			}
		}
		offset = start + 3
	}
}

// minJWTHeader is the length of the shortest header a token could have, {"alg":"x"}
// encoded; it keeps words such as eyJohnson.example.com apart from tokens.
const minJWTHeader = 15

func base64URLRun(s string) int {
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) {
			return i
		}
	}
	return len(s)
}

func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
