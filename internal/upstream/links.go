package upstream

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Links rewrites absolute links that point at the upstream so that they point at the
// mock instead, and a client that follows links.next stays on the mock.
type Links struct {
	from []string // the upstream's root as a link may spell it
	to   string
}

// Links returns the rewriter from the upstream's root to base, the mock's public root.
func (p *Proxy) Links(base string) *Links {
	return &Links{from: spellings(p.target), to: strings.TrimSuffix(base, "/")}
}

// spellings lists the ways a link can name the upstream's root: as configured, with a
// lower-case host, and with or without the scheme's default port. Other ports are other
// servers: http://h:80 is http://h, http://h:8080 is not.
func spellings(u *url.URL) []string {
	host := strings.ToLower(u.Hostname())
	join := func(port string) string {
		switch {
		case port != "":
			return net.JoinHostPort(host, port)
		case strings.Contains(host, ":"):
			return "[" + host + "]"
		}
		return host
	}
	defaultPort := map[string]string{"http": "80", "https": "443"}[u.Scheme]
	out := []string{u.Scheme + "://" + u.Host + u.Path, u.Scheme + "://" + join(u.Port()) + u.Path}
	switch u.Port() {
	case "":
		out = append(out, u.Scheme+"://"+join(defaultPort)+u.Path)
	case defaultPort:
		out = append(out, u.Scheme+"://"+join("")+u.Path)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// endsRoot reports whether rest, what follows a root in a link, starts a path, query or
// fragment, or ends the link: the root matched whole, not as the start of a longer host.
func endsRoot(rest string) bool {
	return rest == "" || strings.ContainsRune("/?#", rune(rest[0])) || strings.HasPrefix(rest, `\/`)
}

// Body rewrites the JSON string values of body that start with the upstream's root. Every
// other byte stays as it was.
func (l *Links) Body(body []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(body) && body[j] != '"' {
			if body[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(body) {
			break // not JSON after all; leave the rest alone
		}
		if repl, ok := l.rewrite(string(body[i+1 : j])); ok {
			out = append(out, body[last:i+1]...)
			out = append(out, repl...)
			last = j
		}
		i = j
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

// rewrite replaces the root at the start of a string (as found inside a JSON literal, so
// "/" may be escaped as "\/").
func (l *Links) rewrite(s string) (string, bool) {
	for _, from := range l.from {
		for _, escaped := range []bool{false, true} {
			f, to := from, l.to
			if escaped {
				f, to = strings.ReplaceAll(f, "/", `\/`), strings.ReplaceAll(to, "/", `\/`)
			}
			if rest, ok := strings.CutPrefix(s, f); ok && endsRoot(rest) {
				return to + rest, true
			}
		}
	}
	return "", false
}

// linkHeaders are the headers that carry links: a redirect's target and RFC 8288 links.
var linkHeaders = []string{"Location", "Content-Location", "Link"}

// Header rewrites the links in Location, Content-Location and Link.
func (l *Links) Header(h http.Header) {
	for _, name := range linkHeaders {
		values := h.Values(name)
		for i, v := range values {
			values[i] = l.inText(v)
		}
	}
}

// inText rewrites every link in s that starts with the upstream's root where a link can
// start: at the beginning, or after "<", a quote, a comma or a space.
func (l *Links) inText(s string) string {
	for _, from := range l.from {
		var b strings.Builder
		last := 0
		for pos := 0; ; {
			i := strings.Index(s[pos:], from)
			if i < 0 {
				break
			}
			i += pos
			end := i + len(from)
			after := s[end:]
			starts := i == 0 || strings.ContainsRune(`<" ,`, rune(s[i-1]))
			if starts && (endsRoot(after) || strings.ContainsRune(`>";,`, rune(after[0]))) {
				b.WriteString(s[last:i])
				b.WriteString(l.to)
				last = end
			}
			pos = end
		}
		if last > 0 {
			b.WriteString(s[last:])
			s = b.String()
		}
	}
	return s
}

// isJSON reports whether a Content-Type is JSON (application/json, application/vnd.api+json).
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Rewrite rewrites the links of an answer: its link headers and, when it is JSON, its body.
func (l *Links) Rewrite(a *Answer) {
	l.Header(a.Header)
	if isJSON(a.Header.Get("Content-Type")) {
		a.Body = l.Body(a.Body)
	}
}
