// Package upstream puts the mock in front of the real API: a reverse proxy that only ever
// talks to one configured upstream, the rewriting of links that point at that upstream,
// and a recorder that turns real answers into fixtures the mock can serve.
package upstream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxAnswer     = 16 << 20
	DefaultReadAheadSize = 1 << 20
)

// Config configures a Proxy.
type Config struct {
	// Target is the upstream's root, e.g. https://api.outreach.io. Request paths are
	// appended to its path.
	Target string
	// Timeout is how long the upstream may stay silent: to connect, to start its answer,
	// or between two pieces of its body. 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxAnswer bounds an answer that is read whole for inspection; 0 means
	// DefaultMaxAnswer.
	MaxAnswer int64
	// ReadAhead is how much of a passed-through answer is read before anything is sent,
	// so that an upstream that breaks off within it still gets a clean error; larger
	// answers stream. 0 means DefaultReadAheadSize.
	ReadAhead int64
	// DropCORS removes the upstream's own Access-Control-* headers, for a server that
	// answers CORS itself.
	DropCORS bool
	// Logger receives what the upstream did wrong; nil discards it.
	Logger *slog.Logger
}

// Proxy forwards requests to one upstream.
type Proxy struct {
	target    *url.URL
	host      string
	timeout   time.Duration
	maxAnswer int64
	readAhead int64
	dropCORS  bool
	logger    *slog.Logger
	transport http.RoundTripper
	buffers   bufferPool
	via       string // this proxy's name in Via headers, to notice a loop back to itself
}

// bufferPool lends the buffers answers are copied through, instead of one per request.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.pool.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }

// New checks the target and prepares the transport.
func New(cfg Config) (*Proxy, error) {
	target, err := ParseTarget(cfg.Target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		target:    target,
		host:      target.Host,
		timeout:   cfg.Timeout,
		maxAnswer: cfg.MaxAnswer,
		readAhead: cfg.ReadAhead,
		dropCORS:  cfg.DropCORS,
		logger:    cfg.Logger,
	}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.maxAnswer <= 0 {
		p.maxAnswer = DefaultMaxAnswer
	}
	if p.readAhead <= 0 {
		p.readAhead = DefaultReadAheadSize
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	p.via = "1.1 oppstages-" + hex.EncodeToString(id[:])
	p.transport = &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: p.timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    p.timeout,
		DisableCompression:     true, // bodies and Accept-Encoding travel exactly as the client sent them
		MaxIdleConnsPerHost:    32,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return p, nil
}

// ParseTarget checks an upstream root: an absolute http or https URL with a host, and no
// credentials, query or fragment.
func ParseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("upstream %q: %w", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("upstream %q must start with http:// or https://", raw)
	case u.Host == "":
		return nil, fmt.Errorf("upstream %q has no host", raw)
	case u.User != nil:
		return nil, fmt.Errorf("upstream must not carry credentials; the client's Authorization header is forwarded")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("upstream %q must not have a query or fragment", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// cleanPath resolves the dot segments of u's path (RFC 3986 §5.2.4), so that a request for
// /../x cannot reach above the upstream root's own path once the two are joined. Dots
// written as %2e count as dots, as most servers decode them; other escapes (an encoded
// slash within a segment) are kept as sent. A trailing slash stays.
func cleanPath(u *url.URL) {
	escaped := u.EscapedPath()
	if strings.HasPrefix(escaped, "/") && !strings.ContainsAny(escaped, `.%\`) && !strings.Contains(escaped, "//") {
		return // nearly every path: no dot, escape or empty segment, so nothing to resolve
	}
	dotted := replaceFold(escaped, "%2e", ".")
	if slashed := replaceFold(replaceFold(strings.ReplaceAll(dotted, `\`, "/"), "%2f", "/"), "%5c", "/"); hasDotDot(slashed) {
		dotted = slashed // ..%2F.. climbs on a server that decodes %2F (or reads \ as /): resolve it as such
	}
	cleaned := path.Clean("/" + dotted)
	if strings.HasSuffix(dotted, "/") && cleaned != "/" {
		cleaned += "/"
	}
	if cleaned == escaped {
		return
	}
	unescaped, err := url.PathUnescape(cleaned)
	if err != nil {
		unescaped = path.Clean("/" + u.Path) // an escape net/url let through but cannot decode: fall back to the decoded path
		cleaned = ""
	}
	u.Path, u.RawPath = unescaped, cleaned
}

// hasDotDot reports whether a path has a ".." segment.
func hasDotDot(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// replaceFold replaces every ASCII-case-insensitive occurrence of old in s with new.
func replaceFold(s, old, new string) string {
	lower := strings.ToLower(s) // the same length: escaped paths are ASCII
	if len(lower) != len(s) || !strings.Contains(lower, old) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// Target is the upstream's root.
func (p *Proxy) Target() *url.URL { c := *p.target; return &c }

// Host is the upstream's host, as error messages name it.
func (p *Proxy) Host() string { return p.host }

// Answer is an upstream answer read whole, for the caller to check and change before it is
// sent on.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Error says why the upstream gave no usable answer. Nothing was sent to the client.
type Error struct {
	Host    string
	Timeout bool   // the upstream stayed silent too long
	Reason  string // a sentence fragment: "could not be reached"
	Err     error
}

func (e *Error) Error() string { return "upstream " + e.Host + " " + e.Reason + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

var (
	errSilent   = errors.New("upstream stayed silent")
	errTooLarge = errors.New("upstream answer too large")
	errLoop     = errors.New("request came back to the proxy that sent it")
)

// Forward sends r, with body, to the upstream and writes the upstream's answer to w.
//
// The mock's own control headers (Prefer, X-Mock-*) are not forwarded, and neither the
// request line nor the Host header can send the request anywhere but the upstream.
// With inspect nil the answer passes through unchanged: up to ReadAhead bytes are read
// before anything is sent, larger answers stream. Otherwise the answer is read whole and
// given to inspect, which may change it, before it is sent.
//
// When the upstream fails before any of its answer was sent, Forward writes nothing and
// returns an *Error; it returns the status it sent otherwise.
func (p *Proxy) Forward(w http.ResponseWriter, r *http.Request, body []byte, inspect func(*Answer)) (int, error) {
	if viaIncludes(r.Header.Values("Via"), p.via) {
		return 0, &Error{Host: p.host, Reason: "is this mock itself; -upstream must name another server", Err: errLoop}
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	silence := time.AfterFunc(p.timeout, func() { cancel(errSilent) })
	defer silence.Stop()

	in := r.WithContext(ctx)
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if len(body) == 0 {
		in.Body = http.NoBody
	}

	var failure error
	status := 0
	rp := &httputil.ReverseProxy{
		Transport:  p.transport,
		BufferPool: &p.buffers,
		Rewrite: func(pr *httputil.ProxyRequest) {
			cleanPath(pr.Out.URL) // before the join, so no dot segment climbs out of the target's path
			pr.SetURL(p.target)   // scheme, host and Host header: the upstream's, whatever the request said
			// ReverseProxy drops query parameters Go cannot parse (a=b;c) and the client's
			// Forwarded and X-Forwarded-* headers; the upstream gets them as they were sent.
			pr.Out.URL.RawQuery = pr.In.URL.RawQuery
			for name, values := range pr.In.Header {
				if name == "Forwarded" || strings.HasPrefix(name, "X-Forwarded-") {
					pr.Out.Header[name] = values
				}
			}
			for name := range pr.Out.Header {
				if isMockControl(name) {
					delete(pr.Out.Header, name)
				}
			}
			pr.Out.Header.Add("Via", p.via)
			if inspect != nil {
				pr.Out.Header.Del("Accept-Encoding") // the answer is read, so it must not be compressed
			}
		},
		ModifyResponse: func(res *http.Response) error {
			res.Body = &watched{ReadCloser: res.Body, silence: silence, timeout: p.timeout}
			if p.dropCORS {
				for name := range res.Header {
					if strings.HasPrefix(name, "Access-Control-") {
						delete(res.Header, name)
					}
				}
			}
			if res.StatusCode == http.StatusSwitchingProtocols {
				status = res.StatusCode
				return nil
			}
			var err error
			if inspect != nil {
				err = p.inspect(res, inspect)
			} else {
				err = p.bufferHead(res)
			}
			status = res.StatusCode
			return err
		},
		ErrorHandler: func(_ http.ResponseWriter, _ *http.Request, err error) { failure = err },
		ErrorLog:     slog.NewLogLogger(p.logger.Handler(), slog.LevelWarn),
	}
	rp.ServeHTTP(w, in)
	if failure != nil {
		return 0, p.classify(ctx, failure)
	}
	return status, nil
}

func viaIncludes(values []string, via string) bool {
	for _, v := range values {
		if strings.Contains(v, via) {
			return true
		}
	}
	return false
}

// isMockControl reports whether a header is addressed to the mock, not the upstream.
func isMockControl(name string) bool {
	return strings.EqualFold(name, "Prefer") || len(name) >= 7 && strings.EqualFold(name[:7], "X-Mock-")
}

// inspect reads an answer whole, lets the caller change it, and puts it back.
func (p *Proxy) inspect(res *http.Response, inspect func(*Answer)) error {
	body, err := io.ReadAll(io.LimitReader(res.Body, p.maxAnswer+1))
	res.Body.Close()
	if err != nil {
		return err
	}
	if int64(len(body)) > p.maxAnswer {
		return errTooLarge
	}
	a := &Answer{Status: res.StatusCode, Header: res.Header, Body: body}
	inspect(a)
	res.StatusCode = a.Status
	res.Header = a.Header
	res.Header.Del("Content-Encoding")
	res.Header.Del("Transfer-Encoding")
	res.Header.Set("Content-Length", fmt.Sprint(len(a.Body)))
	res.ContentLength = int64(len(a.Body))
	res.Body = io.NopCloser(bytes.NewReader(a.Body))
	return nil
}

// bufferHead reads up to ReadAhead bytes of a passed-through answer, so that a short answer
// the upstream breaks off becomes an error before anything is sent; the rest streams.
func (p *Proxy) bufferHead(res *http.Response) error {
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return nil // events are meant to arrive as they happen
	}
	head, err := io.ReadAll(io.LimitReader(res.Body, p.readAhead))
	if err != nil {
		res.Body.Close()
		return err
	}
	rest := res.Body
	if int64(len(head)) < p.readAhead {
		rest.Close()
		res.Body = io.NopCloser(bytes.NewReader(head))
		return nil
	}
	res.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), rest}
	return nil
}

// classify turns what went wrong into an *Error that says it in words.
func (p *Proxy) classify(ctx context.Context, err error) *Error {
	e := &Error{Host: p.host, Err: err}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		e.Err = urlErr.Err // its URL may carry a credential in the query; the host says enough
	}
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, errLoop):
		e.Reason = "is this mock itself; -upstream must name another server"
	case errors.Is(context.Cause(ctx), errSilent) || errors.As(err, &netErr) && netErr.Timeout():
		e.Timeout = true
		e.Reason = fmt.Sprintf("did not answer within %s", p.timeout)
	case errors.Is(err, errTooLarge):
		e.Reason = fmt.Sprintf("sent an answer larger than %d bytes", p.maxAnswer)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Reason = "could not be reached"
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Reason = "closed the connection in the middle of its answer"
	case errors.Is(err, io.EOF):
		e.Reason = "closed the connection without answering"
	case strings.Contains(err.Error(), "malformed HTTP"):
		e.Reason = "answered with something that is not HTTP"
	default:
		e.Reason = "failed"
	}
	return e
}

// watched is an answer body that keeps the silence timer from firing while data arrives.
type watched struct {
	io.ReadCloser
	silence *time.Timer
	timeout time.Duration
}

func (b *watched) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.silence.Reset(b.timeout)
	}
	return n, err
}
