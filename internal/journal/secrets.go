package journal

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// MinSecretLen is the shortest credential RequestSecrets reports: masking shorter strings
// wherever they occur would mangle ordinary text, and real tokens are far longer.
const MinSecretLen = 8

// RequestSecrets lists the credentials a request carries, so that they can be masked
// wherever something else repeats them (an answer that echoes a token, a message): the
// values of headers with a credential's name and of any header sent with an
// authentication scheme (for Basic also the user:password it encodes, and the password),
// cookie values, JSON Web Tokens in any header, the values of credential parameters in
// the query and the path, and those of credential fields and members of body; each at
// least MinSecretLen long.
func RequestSecrets(r *http.Request, body []byte) []string {
	var set secretSet
	set.fromHeader(r.Header)
	if r.URL != nil {
		set.fromQuery(r.URL.RawQuery)
		set.fromPath(r.URL.Path)
	}
	if len(body) > 0 {
		shapeBody(body, r.Header.Get("Content-Type"), false, nil, &set)
	}
	return set.list
}

// secretSet gathers the credentials of one exchange, each once. A nil set gathers nothing.
type secretSet struct {
	list []string
}

func (s *secretSet) add(v string) {
	if s == nil {
		return
	}
	v = strings.TrimSpace(v)
	if len(v) >= MinSecretLen && !slices.Contains(s.list, v) {
		s.list = append(s.list, v)
	}
}

// addUnquoted adds v, and its value when v is percent-encoded or quoted as it may be in
// a query, a cookie or a name: value pair.
func (s *secretSet) addUnquoted(v string) {
	s.add(v)
	if unquoted := strings.Trim(v, `"'`); unquoted != v {
		s.add(unquoted)
	}
	if strings.ContainsAny(v, "%+") {
		if unescaped, err := url.QueryUnescape(v); err == nil {
			s.add(unescaped)
		}
	}
}

func (s *secretSet) fromHeader(h http.Header) {
	for name, values := range h {
		if plainHeaders[name] {
			continue
		}
		secret := Secret(name)
		for _, v := range values {
			s.fromHeaderValue(name, v, secret)
		}
	}
}

// fromHeaderValue adds the credentials in one value of the header name; secret says the
// name is a credential's.
func (s *secretSet) fromHeaderValue(name, v string, secret bool) {
	scheme, credentials, hasCredentials := strings.Cut(strings.TrimSpace(v), " ")
	switch {
	case hasCredentials && isAuthScheme(scheme):
		s.add(credentials)
		if strings.EqualFold(scheme, "Basic") {
			if decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(credentials)); err == nil {
				_, password, _ := strings.Cut(string(decoded), ":")
				s.add(string(decoded))
				s.add(password)
			}
		}
	case name == "Cookie":
		for cookie := range strings.SplitSeq(v, ";") {
			_, value, _ := strings.Cut(cookie, "=")
			s.addUnquoted(value)
		}
	case secret:
		s.add(v)
	}
	for rest := v; ; {
		start, end := findJWT(rest)
		if start < 0 {
			break
		}
		s.add(rest[start:end])
		rest = rest[end:]
	}
	if before, query, ok := strings.Cut(v, "?"); ok { // a URL, e.g. a Referer with a token
		s.fromQuery(query)
		s.fromPath(before)
	} else if strings.IndexByte(v, ';') >= 0 {
		s.fromPath(v)
	}
}

// fromQuery adds the values of the credential parameters of a raw query or form body,
// and of any parameter holding a JSON Web Token.
func (s *secretSet) fromQuery(raw string) {
	for raw != "" {
		var p string
		p, raw, _ = strings.Cut(raw, "&")
		key, value, hasValue := strings.Cut(p, "=")
		if hasValue && secretParameter(key, value) {
			s.addUnquoted(value)
		}
	}
}

// fromPath adds the values of a path's credential matrix parameters, and its tokens.
func (s *secretSet) fromPath(path string) {
	if strings.IndexByte(path, ';') < 0 && !strings.Contains(path, "eyJ") {
		return
	}
	redactPath(path, s)
}
