package journal

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"regexp"
	"slices"
	"strings"
)

// unparsedRest stands in for the part of a multipart body after the point where it stopped
// parsing (a body cut at MaxBody, a broken part): what it holds cannot be told apart from
// a credential, so it is not kept.
const unparsedRest = Redacted + " (the rest of the multipart body did not parse)"

// multipartBoundary is the boundary of a multipart body: the content type's, or, whatever
// the content type claims, that of a body whose first line is a boundary line.
func multipartBoundary(raw []byte, contentType string) (boundary string, declared bool) {
	if mt, params, err := mime.ParseMediaType(contentType); err == nil && strings.HasPrefix(mt, "multipart/") {
		return params["boundary"], true
	}
	if !bytes.HasPrefix(raw, []byte("--")) {
		return "", false
	}
	line, _, _ := bytes.Cut(raw[2:], []byte("\n"))
	line = bytes.TrimRight(line, "\r \t")
	if len(line) == 0 || len(line) > 70 || bytes.ContainsAny(line, "\x00") {
		return "", false
	}
	return string(line), false
}

// redactMultipart rewrites a multipart body with the values of credential-like fields
// replaced, and the rest of each value redacted as text is. From where the body stops
// parsing it keeps nothing. ok is false for a body that is not multipart.
func redactMultipart(raw []byte, contentType string, found *secretSet) (text string, ok bool) {
	boundary, declared := multipartBoundary(raw, contentType)
	if boundary == "" {
		if declared { // multipart without a boundary: nothing can be told apart
			return unparsedRest, true
		}
		return "", false
	}
	r := multipart.NewReader(bytes.NewReader(raw), boundary)
	var b strings.Builder
	for parts := 0; ; parts++ {
		p, err := r.NextRawPart()                 // raw: the value as sent, not quoted-printable decoded
		if errors.Is(err, io.EOF) && parts == 0 { // no boundary line: all of it would be preamble
			if declared {
				return unparsedRest, true
			}
			return "", false
		}
		if errors.Is(err, io.EOF) {
			b.WriteString("--" + boundary + "--\r\n")
			return b.String(), true
		}
		if err != nil {
			if parts == 0 && !declared {
				return "", false // only looked like multipart: redact it as text
			}
			b.WriteString(unparsedRest)
			return b.String(), true
		}
		value, err := io.ReadAll(p)
		if err != nil {
			b.WriteString(unparsedRest)
			return b.String(), true
		}
		b.WriteString("--" + boundary + "\r\n")
		names := make([]string, 0, len(p.Header))
		for name := range p.Header {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			for _, v := range p.Header[name] {
				b.WriteString(name + ": " + v + "\r\n")
			}
		}
		b.WriteString("\r\n")
		if Secret(p.FormName()) {
			found.add(string(value))
			b.WriteString(Redacted)
		} else {
			b.WriteString(redactText(string(value), found))
		}
		b.WriteString("\r\n")
	}
}

// textPair finds name: value and name=value pairs (quoted or not) and <name>value</name>
// elements in text of no known shape, e.g. YAML or XML.
var (
	textPair    = regexp.MustCompile(`([A-Za-z0-9_.\-]{1,64})(["']?[ \t]*[:=][ \t]*["']?)((?i:(?:bearer|basic|token|digest)[ \t]+)?[^\s"'&,;<>]+)`)
	textElement = regexp.MustCompile(`<([A-Za-z0-9_.:\-]{1,64})>([^<]*)</`)
)

// redactText replaces what looks like a credential in text of any shape: form fields,
// members of JSON cut short, name: value pairs and XML elements; it adds what it removes
// to found.
func redactText(text string, found *secretSet) string {
	text = redactMembers(redactQuery(text, found), found)
	if !strings.ContainsAny(text, ":=") && !strings.Contains(text, "</") {
		return text // neither pattern can match: spare the regular expressions a long scan
	}
	text = textPair.ReplaceAllStringFunc(text, func(m string) string {
		sub := textPair.FindStringSubmatch(m)
		if !Secret(sub[1]) || sub[3] == Redacted {
			return m
		}
		value := sub[3]
		if i := strings.LastIndexAny(value, " \t"); i >= 0 { // after a scheme such as Bearer
			value = value[i+1:]
		}
		found.add(value)
		return sub[1] + sub[2] + Redacted
	})
	return textElement.ReplaceAllStringFunc(text, func(m string) string {
		sub := textElement.FindStringSubmatch(m)
		if !Secret(sub[1]) {
			return m
		}
		found.add(sub[2])
		return "<" + sub[1] + ">" + Redacted + "</"
	})
}
