package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oppstages/oppstages/contract"
)

// The pinned versions; change them here and in docs/other-tools.md together.
const (
	dreddPkg       = "dredd@14.1.0"
	specmaticPkg   = "specmatic@2.55.1"
	prismPkg       = "@stoplight/prism-cli@5.16.0"
	spectralPkg    = "@stoplight/spectral-cli@6.16.3"
	redoclyPkg     = "@redocly/cli@2.77.0"
	oapiCodegenPkg = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"
)

//go:embed testdata/roundtrip testdata/adminclient
var files embed.FS

type tool struct {
	name string
	run  func(ctx context.Context, e *env) (outcome, error)
}

var tools = []tool{
	{"dredd openapi.yaml", runDreddAPI},
	{"dredd oauth.yaml", runDreddOAuth},
	{"specmatic openapi.yaml", runSpecmaticAPI},
	{"specmatic oauth.yaml", runSpecmaticOAuth},
	{"prism-proxy", runPrismProxy},
	{"spectral", runSpectral},
	{"redocly", runRedocly},
	{"oapi-codegen", runOapiCodegen},
	{"admin-spectral", runAdminSpectral},
	{"admin-redocly", runAdminRedocly},
	{"admin-oapi-codegen", runAdminOapiCodegen},
}

// passIf is pass when ok, else fail.
func passIf(ok bool) verdict {
	if ok {
		return pass
	}
	return fail
}

// writeFile copies an embedded file into the scratch directory and returns its path.
func (e *env) writeFile(name string) (string, error) {
	data, err := files.ReadFile("testdata/" + name)
	if err != nil {
		return "", err
	}
	path := filepath.Join(e.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o644)
}

// dreddHooks shape each of oauth.yaml's transactions to earn the answer it expects.
const dreddHooks = "examples/dredd-hooks.js"

// dreddAPIWhy is why Dredd cannot run openapi.yaml.
const dreddAPIWhy = "Dredd 14 takes a parameter's value only from its single `example`, and rejects the whole " +
	"document when a required one has none; openapi.yaml gives its path parameters named `examples`, the form " +
	"Specmatic pairs a scenario's parameters, body and answer by (OpenAPI 3.0 allows one of the two per parameter). " +
	"With single examples Dredd would still compile no transaction for the operations whose query parameters have " +
	"brackets, page[size] or fields[user] (apiaryio/dredd#1908), and cover only GET / and DELETE."

// runDreddAPI runs Dredd on openapi.yaml as its documentation says:
// dredd openapi.yaml URL/api/v2 --header "Authorization: Bearer T". It rejects the document
// before sending anything, which is a failure as documented; should it run, it must pass.
func runDreddAPI(ctx context.Context, e *env) (outcome, error) {
	const name = "dredd openapi.yaml"
	if err := need("npx", "Dredd is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	m, err := e.startMock(ctx, name)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	out, err := e.exec(ctx, name, e.repo, nil, "npx", "--yes", dreddPkg, apiDoc, m.URL+"/api/v2", "--header", "Authorization: Bearer any-token")
	return judgeDreddAPI(out.all, err)
}

// judgeDreddAPI judges Dredd's run on openapi.yaml from its output and exit: rejected for
// want of single examples, and nothing run, is the failure documented; a run must pass;
// anything else fails.
func judgeDreddAPI(out string, runErr error) (outcome, error) {
	if c, err := parseDredd(out); err == nil && c.total > 0 {
		return outcome{
			verdict: passIf(runErr == nil && c.failing == 0 && c.errors == 0 && c.skipped == 0),
			counts:  c.String(),
		}, nil
	}
	rejected := dreddNoExample.FindAllString(out, -1)
	if len(rejected) == 0 || runErr == nil {
		return outcome{counts: "neither a summary nor the documented rejection"}, fmt.Errorf("exit %d", exitCode(runErr))
	}
	return outcome{
		verdict: failedAsDocumented,
		counts:  fmt.Sprintf("Dredd rejected the document with %d errors like %q; no transaction ran", len(rejected), rejected[0]),
		why:     dreddAPIWhy,
	}, nil
}

// runDreddOAuth runs Dredd on oauth.yaml with the committed hooks, as its documentation
// says: dredd oauth.yaml URL --hookfiles=examples/dredd-hooks.js. Every transaction must
// pass, none skipped.
func runDreddOAuth(ctx context.Context, e *env) (outcome, error) {
	const name = "dredd oauth.yaml"
	if err := need("npx", "Dredd is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	m, err := e.startMock(ctx, name)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	out, err := e.exec(ctx, name, e.repo, nil, "npx", "--yes", dreddPkg, oauthDoc, m.URL, "--hookfiles="+dreddHooks)
	c, perr := parseDredd(out.all)
	if perr != nil {
		return outcome{counts: "no summary"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		verdict: passIf(err == nil && c.total > 0 && c.failing == 0 && c.errors == 0 && c.skipped == 0),
		counts:  c.String(),
	}, nil
}

// specmatic runs Specmatic's contract tests on doc as its documentation says:
// specmatic test DOC --testBaseURL URL, against a fresh mock (the tests write), from a
// directory of its own, below which Specmatic writes its reports. npx specmatic exits 0
// whether tests fail or not, so the counts come from its summary.
func (e *env) specmatic(ctx context.Context, name, doc, basePath string) (specmaticCounts, error) {
	if err := need("npx", "Specmatic is fetched through npx (Node.js)"); err != nil {
		return specmaticCounts{}, err
	}
	if err := need("java", "Specmatic runs on Java 17 or later"); err != nil {
		return specmaticCounts{}, err
	}
	m, err := e.startMock(ctx, name)
	if err != nil {
		return specmaticCounts{}, err
	}
	defer m.Close()
	work := filepath.Join(e.dir, logName(name))
	if err := os.MkdirAll(work, 0o755); err != nil {
		return specmaticCounts{}, err
	}
	out, err := e.exec(ctx, name, work, nil, "npx", "--yes", specmaticPkg, "test", filepath.Join(e.repo, doc), "--testBaseURL", m.URL+basePath)
	c, perr := parseSpecmatic(out.all)
	if perr != nil {
		return c, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	if err != nil {
		return c, fmt.Errorf("exit %d", exitCode(err))
	}
	return c, nil
}

// runSpecmaticAPI runs Specmatic on openapi.yaml, below /api/v2: every named example
// scenario must pass.
func runSpecmaticAPI(ctx context.Context, e *env) (outcome, error) {
	c, err := e.specmatic(ctx, "specmatic openapi.yaml", apiDoc, "/api/v2")
	if err != nil {
		return outcome{counts: "no summary"}, err
	}
	return outcome{verdict: passIf(c.run > 0 && c.failures == 0 && c.errors == 0 && c.wip == 0), counts: c.String()}, nil
}

// tokenExchange is the one scenario of oauth.yaml Specmatic cannot pass.
const tokenExchange = "POST /oauth/token -> 200"

// specmaticOAuthWhy is why Specmatic cannot pass oauth.yaml.
const specmaticOAuthWhy = "the token exchange's 200 needs a code that GET /oauth/authorize has just issued " +
	"(or, for a refresh, a refresh token an exchange issued); Specmatic sends each named example as it is, with " +
	"no hook to make that call first, so the example's code is one nobody issued and the answer is 400 " +
	"invalid_grant. Dredd runs the exchange with its hooks. Specmatic also skips GET /oauth/authorize, whose " +
	"parameters carry the single examples Dredd needs, not the named ones Specmatic reads."

// runSpecmaticOAuth runs Specmatic on oauth.yaml, at the root. Its error scenarios must
// pass; the token exchange's 200 fails, as documented, and nothing else may.
func runSpecmaticOAuth(ctx context.Context, e *env) (outcome, error) {
	c, err := e.specmatic(ctx, "specmatic oauth.yaml", oauthDoc, "")
	if err != nil {
		return outcome{counts: "no summary"}, err
	}
	return judgeSpecmaticOAuth(c), nil
}

// judgeSpecmaticOAuth judges Specmatic's run on oauth.yaml: failures of the token
// exchange's 200 alone, beside scenarios that passed, are the failure documented.
func judgeSpecmaticOAuth(c specmaticCounts) outcome {
	switch {
	case c.run > 0 && c.failures == 0 && c.errors == 0 && c.wip == 0:
		return outcome{verdict: pass, counts: c.String()}
	case c.successes > 0 && c.errors == 0 && c.wip == 0 && c.failures > 0 && c.failedOnly(tokenExchange):
		return outcome{verdict: failedAsDocumented, counts: c.String() + "; every failure is " + tokenExchange, why: specmaticOAuthWhy}
	}
	return outcome{verdict: fail, counts: c.String()}
}

// runPrismProxy puts Prism, validating both directions with openapi.yaml, between the
// contract suite (full mode) and a mock. Prism serves the document's paths at its root, so a hop in front of
// it strips /api/v2; the mock's links point at that hop, so that every link the suite
// follows goes through Prism too. Prism 5.16 never answers a request whose body is not
// JSON, so the hop sends those few (the suite's malformed-JSON case) straight to the mock
// and counts them. The suite's deliberately bad requests are request violations for
// Prism; any response violation fails the run.
func runPrismProxy(ctx context.Context, e *env) (outcome, error) {
	if err := need("npx", "Prism is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	port, err := freePort()
	if err != nil {
		return outcome{}, err
	}
	hop := &prismHop{prism: fmt.Sprintf("http://127.0.0.1:%d", port), prefix: "/api/v2"}
	front, err := startHandler(hop)
	if err != nil {
		return outcome{}, err
	}
	defer front.Close()
	m, err := e.startMock(ctx, "prism-proxy", "-base-url", front.URL)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	hop.mock = m.URL
	stop, err := e.start("prism-proxy", "npx", "--yes", prismPkg, "proxy", filepath.Join(e.repo, apiDoc), m.URL+"/api/v2",
		"--host", "127.0.0.1", "--port", strconv.Itoa(port))
	if err != nil {
		return outcome{}, err
	}
	defer stop()
	if err := waitListening(ctx, fmt.Sprintf("127.0.0.1:%d", port), 3*time.Minute); err != nil {
		return outcome{counts: "Prism did not start"}, err
	}
	report, err := contract.Run(ctx, contract.Config{Target: front.URL, Token: "any-token", Mode: contract.Full, Seed: 1})
	if err != nil {
		return outcome{counts: "the contract suite could not start"}, err
	}
	st := hop.stats()
	if f, ferr := os.OpenFile(filepath.Join(e.dir, "prism-proxy.log"), os.O_WRONLY|os.O_APPEND, 0o644); ferr == nil {
		for _, r := range report.Results {
			fmt.Fprintln(f, contract.Line(r))
		}
		for _, v := range st.violations {
			fmt.Fprintln(f, "violation:", v)
		}
		f.Close()
	}
	return outcome{
		verdict: passIf(report.OK() && report.Passed > 0 && st.responseViolations == 0),
		counts: fmt.Sprintf("%d contract checks: %d passed, %d failed, %d skipped; %d exchanges through Prism (%d request violations, %d response violations), %d requests sent around it (non-JSON bodies, trailing slashes)",
			len(report.Results), report.Passed, report.Failed, report.Skipped, st.proxied, st.requestViolations, st.responseViolations, st.bypassed),
	}, nil
}

// hopServer is the hop in front of Prism, served in this process.
type hopServer struct {
	URL string
	srv *http.Server
}

func (h *hopServer) Close() { h.srv.Close() }

// startHandler serves h on a free loopback port.
func startHandler(h http.Handler) (*hopServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return &hopServer{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// prismHop forwards to Prism with the API prefix stripped, or straight to the mock when the
// body is not JSON, and tallies Prism's sl-violations header by side.
type prismHop struct {
	prism, mock, prefix string

	mu                                    sync.Mutex
	proxied, bypassed                     int
	requestViolations, responseViolations int
	violations                            []string
}

type hopStats struct {
	proxied, bypassed                     int
	requestViolations, responseViolations int
	violations                            []string
}

func (h *prismHop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	target, path := h.prism, strings.TrimPrefix(r.URL.Path, h.prefix)
	// Prism never answers a body that is not JSON, and routes a path with a trailing slash
	// (x-trailing-slash, which openapi.yaml states as an extension) to the {id} template with
	// an empty id; those requests go around it, counted.
	bypass := len(body) > 0 && !json.Valid(body) || len(path) > 1 && strings.HasSuffix(path, "/")
	if bypass {
		target, path = h.mock, r.URL.Path
	}
	to, err := url.Parse(target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(to)
			pr.Out.URL.Path, pr.Out.URL.RawPath = path, ""
		},
		ModifyResponse: func(resp *http.Response) error {
			h.tally(bypass, resp.Request.Method+" "+resp.Request.URL.RequestURI(), resp.Header.Get("sl-violations"))
			return nil
		},
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rp.ServeHTTP(w, r)
}

func (h *prismHop) tally(bypassed bool, what, header string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if bypassed {
		h.bypassed++
		return
	}
	h.proxied++
	if header == "" {
		return
	}
	h.violations = append(h.violations, what+": "+header)
	var vs []struct {
		Location []string `json:"location"`
	}
	if json.Unmarshal([]byte(header), &vs) != nil {
		h.responseViolations++ // unreadable: count it against the answer, to be looked at
		return
	}
	for _, v := range vs {
		if len(v.Location) > 0 && v.Location[0] == "request" {
			h.requestViolations++
		} else {
			h.responseViolations++
		}
	}
}

func (h *prismHop) stats() hopStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return hopStats{h.proxied, h.bypassed, h.requestViolations, h.responseViolations, append([]string(nil), h.violations...)}
}

// lintDocs are the documents of the API and its authorization server, linted together.
var lintDocs = []string{apiDoc, oauthDoc}

// runSpectral lints openapi.yaml and oauth.yaml with Spectral's built-in OpenAPI rules, as
// .spectral.yaml at the repository's root asks, from there: spectral lint openapi.yaml
// oauth.yaml.
func runSpectral(ctx context.Context, e *env) (outcome, error) {
	return e.spectral(ctx, "spectral", lintDocs...)
}

// spectral runs spectral lint on docs from the repository's root, where it reads its
// ruleset, .spectral.yaml; zero errors and zero warnings pass.
func (e *env) spectral(ctx context.Context, name string, docs ...string) (outcome, error) {
	if err := need("npx", "Spectral is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	args := append([]string{"--yes", spectralPkg, "lint", "--format", "json"}, docs...)
	out, err := e.exec(ctx, name, e.repo, nil, "npx", args...)
	c, perr := parseSpectral(out.stdout)
	if perr != nil {
		return outcome{counts: "no results"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		verdict: passIf(err == nil && c.errors == 0 && c.warnings == 0),
		counts:  fmt.Sprintf("%s: %d errors, %d warnings, %d infos, %d hints", strings.Join(docs, ", "), c.errors, c.warnings, c.infos, c.hints),
	}, nil
}

// runRedocly lints openapi.yaml and oauth.yaml with Redocly's recommended rules, from the
// repository's root: redocly lint openapi.yaml oauth.yaml.
func runRedocly(ctx context.Context, e *env) (outcome, error) {
	return e.redocly(ctx, "redocly", lintDocs...)
}

// redocly runs redocly lint on docs from the repository's root, where it reads
// .redocly.lint-ignore.yaml: the problems listed there, each with its reason, count as
// ignored; zero errors and zero warnings pass.
func (e *env) redocly(ctx context.Context, name string, docs ...string) (outcome, error) {
	if err := need("npx", "Redocly is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	args := append([]string{"--yes", redoclyPkg, "lint", "--format=json"}, docs...)
	out, err := e.exec(ctx, name, e.repo, nil, "npx", args...)
	c, perr := parseRedocly(out.stdout)
	if perr != nil {
		return outcome{counts: "no totals"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		verdict: passIf(err == nil && c.errors == 0 && c.warnings == 0),
		counts:  fmt.Sprintf("%s: %d errors, %d warnings, %d ignored", strings.Join(docs, ", "), c.errors, c.warnings, c.ignored),
	}, nil
}

// runOapiCodegen generates a Go client in a module of its own (outside this one), builds
// a program on it, and runs it against a mock: list, create, get, update, delete, 404.
func runOapiCodegen(ctx context.Context, e *env) (outcome, error) {
	out, err := e.generatedClient(ctx, "oapi-codegen", "roundtrip", apiDoc)
	if err != nil {
		return outcome{counts: out}, err
	}
	return outcome{verdict: pass, counts: fmt.Sprintf("client generated and built; %d exchanges round-tripped", strings.Count("\n"+out, "\nok "))}, nil
}

// generatedClient generates a Go client from doc with oapi-codegen in a module of its own
// (outside this one), from the embedded program testdata/<program> (its main.go and
// oapi-codegen.yaml), builds it and runs it against a fresh mock. It returns the
// program's output, or on failure the step that failed.
func (e *env) generatedClient(ctx context.Context, tool, program, doc string) (string, error) {
	if err := need("go", "oapi-codegen runs through go run"); err != nil {
		return "", err
	}
	work := filepath.Join(e.dir, program)
	for _, name := range []string{program + "/main.go", program + "/oapi-codegen.yaml"} {
		if _, err := e.writeFile(name); err != nil {
			return "", err
		}
	}
	gomod := "module example.com/" + program + "\n\ngo 1.26\n"
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte(gomod), 0o644); err != nil {
		return "", err
	}
	noWork := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	steps := []struct {
		what string
		args []string
	}{
		{"generate", []string{"run", oapiCodegenPkg, "-config", "oapi-codegen.yaml", filepath.Join(e.repo, doc)}},
		{"resolve", []string{"mod", "tidy"}},
		{"build", []string{"build", "-o", program, "."}},
	}
	for _, s := range steps {
		if _, err := e.exec(ctx, tool, work, noWork, "go", s.args...); err != nil {
			return s.what + " failed", err
		}
	}
	m, err := e.startMock(ctx, tool)
	if err != nil {
		return "", err
	}
	defer m.Close()
	out, err := e.exec(ctx, tool, work, nil, filepath.Join(work, program), m.URL)
	if err != nil {
		return "generated and built; the program against the mock failed", err
	}
	return out.stdout, nil
}
