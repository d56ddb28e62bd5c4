package journal

import (
	"net/http"
	"strings"
)

// MinSecretLen is the shortest credential RequestSecrets reports: masking shorter strings
// wherever they occur would mangle ordinary text, and real tokens are far longer.
const MinSecretLen = 8

// RequestSecrets lists the credentials a request carries, so that they can be masked
// wherever something else repeats them (an answer that echoes a token, a message): the
// Authorization and Proxy-Authorization credentials, cookie values, and the values of
// credential-like query parameters, each at least MinSecretLen long.
func RequestSecrets(r *http.Request) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len(s) >= MinSecretLen {
			out = append(out, s)
		}
	}
	for _, name := range []string{"Authorization", "Proxy-Authorization"} {
		for _, v := range r.Header.Values(name) {
			if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
				add(cred)
			} else {
				add(v)
			}
		}
	}
	for _, c := range r.Cookies() {
		add(c.Value)
	}
	if r.URL != nil {
		for name, values := range r.URL.Query() {
			if Secret(name) {
				for _, v := range values {
					add(v)
				}
			}
		}
	}
	return out
}
