package journal

import (
	"bytes"
	"slices"
	"unicode"
	"unicode/utf8"
)

// credentialNames is the one list of what makes a name a credential's, whatever it names:
// a header, a query, path or form parameter, a JSON member, a multipart field, a
// "name: value" pair or an XML element. A name is compared in lower case, split into
// words at anything but a letter or a digit and where camel case starts a word, and
// joined again without separators: access_token, Access-Token and accessToken are all
// "accesstoken", whose last word is "token". docs/journal.md lists these words: keep the
// two in step.
var credentialNames = []credentialName{
	// Anywhere in a name.
	{word: "token"}, {word: "secret"}, {word: "password"}, {word: "passwd"}, {word: "passphrase"},
	{word: "passcode"}, {word: "authorization"}, {word: "authentication"}, {word: "cookie"}, {word: "session"},
	{word: "credential"}, {word: "signature"}, {word: "private"}, {word: "assertion"}, {word: "jwt"},
	{word: "csrf"}, {word: "xsrf"}, {word: "authcode"},
	// PKCE: the verifier, and the challenge, which with the plain method is the verifier.
	{word: "codeverifier"}, {word: "codechallenge"},
	// Keys written as one word (APIKEY, accesskey); with separators the last word is key.
	{word: "apikey"}, {word: "accesskey"}, {word: "clientkey"}, {word: "subscriptionkey"},
	// The last word of a name: X-Auth, db_pass, url_sig, but not author, bypass or signal.
	{word: "auth", at: lastWord}, {word: "pass", at: lastWord}, {word: "pwd", at: lastWord},
	{word: "sig", at: lastWord}, {word: "bearer", at: lastWord}, {word: "otp", at: lastWord},
	{word: "pw", at: lastWord}, {word: "refresh", at: lastWord},
	// Key alone, X-Client-Key, Ocp-Apim-Subscription-Key; not the kinds of key that
	// are not secret: an Idempotency-Key, a sort key, a public key.
	{word: "key", at: lastWord, unless: []string{"idempotency", "public", "primary", "foreign", "sort",
		"partition", "cache", "dedup", "dedupe", "deduplication", "routing", "lookup", "object", "row",
		"group", "message", "translation", "i18n"}},
	// The whole name only: an OAuth code, not a zipCode or an errorCode.
	{word: "code", at: wholeName},
}

// credentialName is a word that makes a name a credential's, and where it must stand.
type credentialName struct {
	word   string
	at     wordPlace
	unless []string // words that, right before it, make the name an ordinary one
}

type wordPlace int

const (
	anywhere  wordPlace = iota // anywhere in the name joined without separators
	lastWord                   // as the name's last word
	wholeName                  // as the whole name
)

// shortestCredentialName is the length of the shortest word in credentialNames: no
// shorter name is a credential's.
const shortestCredentialName = 3

// Secret reports whether a header, parameter, member or field name names a credential:
// see credentialNames.
func Secret(name string) bool {
	if len(name) < shortestCredentialName {
		return false
	}
	var buf [64]byte // most names fit: no allocation
	return splitName(name, buf[:0]).credential()
}

// nameWords is a name in lower case with its separators removed, and where its last two
// words start in it.
type nameWords struct {
	joined     []byte
	last, prev int // -1 when the name has fewer words
}

// splitName splits name into words, appending its lower-case letters and digits to buf.
// A word starts after anything that is neither a letter nor a digit, at an upper-case
// letter after a lower-case one or a digit, and at the last upper-case letter of a run
// followed by a lower-case one (APIKey is API and Key). A non-ASCII letter never lowers
// to an ASCII one (as the Kelvin sign would to k): only ASCII spells the list's words.
func splitName(name string, buf []byte) nameWords {
	w := nameWords{joined: buf, last: -1, prev: -1}
	const (
		separator = iota
		lower     // or a digit
		upper
	)
	before := separator
	for i := 0; i < len(name); {
		r, size := rune(name[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(name[i:])
		}
		kind := letterKind(r)
		if kind == separator {
			before = separator
			i += size
			continue
		}
		starts := before == separator || kind == upper && before == lower
		if kind == upper && before == upper {
			next, _ := utf8.DecodeRuneInString(name[i+size:])
			starts = letterKind(next) == lower && !unicode.IsDigit(next)
		}
		if starts {
			w.prev, w.last = w.last, len(w.joined)
		}
		switch {
		case r < utf8.RuneSelf && kind == upper:
			w.joined = append(w.joined, byte(r)+'a'-'A')
		case r < utf8.RuneSelf:
			w.joined = append(w.joined, byte(r))
		case unicode.ToLower(r) >= utf8.RuneSelf: // a non-ASCII letter never lowers to an ASCII one here
			w.joined = utf8.AppendRune(w.joined, unicode.ToLower(r))
		default:
			w.joined = utf8.AppendRune(w.joined, r)
		}
		before = kind
		i += size
	}
	return w
}

// letterKind sorts a rune for splitName: 0 neither a letter nor a digit, 1 a lower-case
// letter or a digit (or a letter without case), 2 an upper-case letter.
func letterKind(r rune) int {
	switch {
	case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
		return 1
	case r >= 'A' && r <= 'Z':
		return 2
	case r < utf8.RuneSelf || !unicode.IsLetter(r) && !unicode.IsDigit(r):
		return 0
	case unicode.IsUpper(r):
		return 2
	}
	return 1
}

// credential reports whether the name is a credential's by credentialNames.
func (w nameWords) credential() bool {
	if w.last < 0 {
		return false
	}
	for i, c := range w.joined {
		if c >= utf8.RuneSelf {
			continue
		}
		for _, word := range wordsAnywhere[c] {
			if bytes.HasPrefix(w.joined[i:], []byte(word)) {
				return true
			}
		}
	}
	last := w.joined[w.last:]
	var prev []byte
	if w.prev >= 0 {
		prev = w.joined[w.prev:w.last]
	}
	for _, c := range credentialNames {
		switch c.at {
		case lastWord:
			if string(last) == c.word && !slices.Contains(c.unless, string(prev)) {
				return true
			}
		case wholeName:
			if w.prev < 0 && string(w.joined) == c.word {
				return true
			}
		}
	}
	return false
}

// wordsAnywhere holds the words credentialNames allows anywhere in a name, by their first
// letter, so that a name is searched in one pass.
var wordsAnywhere = func() (index [utf8.RuneSelf][]string) {
	for _, c := range credentialNames {
		if c.at == anywhere {
			index[c.word[0]] = append(index[c.word[0]], c.word)
		}
	}
	return index
}()
