package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
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

//go:embed testdata/dredd-hooks.js testdata/spectral.yaml testdata/roundtrip
var files embed.FS

// outcome is what one tool said: whether it passed, and its counts in a few words.
type outcome struct {
	ok     bool
	counts string
}

type tool struct {
	name string
	run  func(ctx context.Context, e *env) (outcome, error)
}

var tools = []tool{
	{"dredd", runDredd},
	{"specmatic", runSpecmatic},
	{"prism-proxy", runPrismProxy},
	{"spectral", runSpectral},
	{"redocly", runRedocly},
	{"oapi-codegen", runOapiCodegen},
	{"admin-spectral", runAdminSpectral},
	{"admin-redocly", runAdminRedocly},
	{"admin-oapi-codegen", runAdminOapiCodegen},
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

// runDredd runs Dredd with the hooks that un-skip every documented error answer. Dredd
// reads a path parameter's example only from the single `example` member, which OpenAPI
// 3.0 forbids beside the named `examples` the spec uses, so Dredd gets a copy in which each
// named path-parameter example is also the single one (dreddDocument).
func runDredd(ctx context.Context, e *env) (outcome, error) {
	if err := need("npx", "Dredd is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	raw, err := os.ReadFile(e.spec)
	if err != nil {
		return outcome{}, err
	}
	doc, err := dreddDocument(raw)
	if err != nil {
		return outcome{}, err
	}
	specPath := filepath.Join(e.dir, "openapi.dredd.json")
	if err := os.WriteFile(specPath, doc, 0o644); err != nil {
		return outcome{}, err
	}
	hooks, err := e.writeFile("dredd-hooks.js")
	if err != nil {
		return outcome{}, err
	}
	m, err := startMock("", oauthAtRoot)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	out, err := e.exec(ctx, "dredd", e.dir, nil, "npx", "--yes", dreddPkg, specPath, m.URL+"/api/v2",
		"--hookfiles", hooks, "--header", "Authorization: Bearer any-token")
	c, perr := parseDredd(out.all)
	if perr != nil {
		return outcome{counts: "no summary"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	counts := fmt.Sprintf("%d transactions: %d passed, %d failed, %d errors, %d skipped", c.total, c.passing, c.failing, c.errors, c.skipped)
	if ops := operationCount(raw); c.operations < ops {
		// Dredd 14 silently compiles no transaction for an operation whose query parameter
		// names have brackets (page[size], filter[name]); say so rather than hide it.
		counts += fmt.Sprintf("; Dredd compiled %d of %d operations, none with bracketed query parameters", c.operations, ops)
	}
	return outcome{
		ok:     err == nil && c.total > 0 && c.failing == 0 && c.errors == 0 && c.skipped == 0,
		counts: counts,
	}, nil
}

// specmaticFilter leaves out the one answer no example can earn on its own: a token
// exchange needs a code that a previous call to /oauth/authorize issued (Dredd's hook makes
// that call; Specmatic has no hooks).
const specmaticFilter = "!(PATH='/oauth/token' && STATUS='200')"

// runSpecmatic runs Specmatic's contract tests from the named examples, one request
// combination per operation.
func runSpecmatic(ctx context.Context, e *env) (outcome, error) {
	if err := need("npx", "Specmatic is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	if err := need("java", "Specmatic runs on Java 17 or later"); err != nil {
		return outcome{}, err
	}
	m, err := startMock("", oauthAtRoot)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	work := filepath.Join(e.dir, "specmatic") // Specmatic writes its reports below the working directory
	if err := os.MkdirAll(work, 0o755); err != nil {
		return outcome{}, err
	}
	out, err := e.exec(ctx, "specmatic", work, []string{"MAX_TEST_REQUEST_COMBINATIONS=1"},
		"npx", "--yes", specmaticPkg, "test", e.spec, "--testBaseURL", m.URL+"/api/v2", "--filter", specmaticFilter)
	c, perr := parseSpecmatic(out.all)
	if perr != nil {
		return outcome{counts: "no summary"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		ok:     err == nil && c.run > 0 && c.failures == 0 && c.errors == 0,
		counts: fmt.Sprintf("%d tests: %d passed, %d failed, %d errors; left out: the token exchange's 200, which needs a code from an earlier call", c.run, c.successes, c.failures, c.errors),
	}, nil
}

// runPrismProxy puts Prism, validating both directions, between the contract suite (full
// mode) and a mock. Prism serves the document's paths at its root, so a hop in front of
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
	m, err := startMock(front.URL, nil)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	hop.mock = m.URL
	stop, err := e.start("prism-proxy", "npx", "--yes", prismPkg, "proxy", e.spec, m.URL+"/api/v2",
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
		ok: report.OK() && report.Passed > 0 && st.responseViolations == 0,
		counts: fmt.Sprintf("%d contract checks: %d passed, %d failed, %d skipped; %d exchanges through Prism (%d request violations, %d response violations), %d requests sent around it (non-JSON bodies, trailing slashes)",
			len(report.Results), report.Passed, report.Failed, report.Skipped, st.proxied, st.requestViolations, st.responseViolations, st.bypassed),
	}, nil
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

// runSpectral lints with Spectral's built-in OpenAPI ruleset.
func runSpectral(ctx context.Context, e *env) (outcome, error) {
	if err := need("npx", "Spectral is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	rules, err := e.writeFile("spectral.yaml")
	if err != nil {
		return outcome{}, err
	}
	out, err := e.exec(ctx, "spectral", e.dir, nil, "npx", "--yes", spectralPkg, "lint", "--ruleset", rules, "--format", "json", e.spec)
	c, perr := parseSpectral(out.stdout)
	if perr != nil {
		return outcome{counts: "no results"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		ok:     err == nil && c.errors == 0 && c.warnings == 0,
		counts: fmt.Sprintf("%d errors, %d warnings, %d infos, %d hints", c.errors, c.warnings, c.infos, c.hints),
	}, nil
}

// runRedocly lints with Redocly's recommended rules; problems listed, with a reason, in
// .redocly.lint-ignore.yaml count as ignored.
func runRedocly(ctx context.Context, e *env) (outcome, error) {
	if err := need("npx", "Redocly is fetched through npx (Node.js)"); err != nil {
		return outcome{}, err
	}
	// From the document's directory, so that Redocly reads .redocly.lint-ignore.yaml there.
	out, err := e.exec(ctx, "redocly", filepath.Dir(e.spec), nil, "npx", "--yes", redoclyPkg, "lint", "--format=json", e.spec)
	c, perr := parseRedocly(out.stdout)
	if perr != nil {
		return outcome{counts: "no totals"}, fmt.Errorf("%w (exit %d)", perr, exitCode(err))
	}
	return outcome{
		ok:     err == nil && c.errors == 0 && c.warnings == 0,
		counts: fmt.Sprintf("%d errors, %d warnings, %d ignored", c.errors, c.warnings, c.ignored),
	}, nil
}

// runOapiCodegen generates a Go client in a module of its own (outside this one), builds
// a program on it, and runs it against a mock: list, create, get, update, delete, 404.
func runOapiCodegen(ctx context.Context, e *env) (outcome, error) {
	if err := need("go", "oapi-codegen runs through go run"); err != nil {
		return outcome{}, err
	}
	work := filepath.Join(e.dir, "roundtrip")
	for _, name := range []string{"roundtrip/main.go", "roundtrip/oapi-codegen.yaml"} {
		if _, err := e.writeFile(name); err != nil {
			return outcome{}, err
		}
	}
	gomod := "module example.com/roundtrip\n\ngo 1.26\n"
	if err := os.WriteFile(filepath.Join(work, "go.mod"), []byte(gomod), 0o644); err != nil {
		return outcome{}, err
	}
	noWork := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	steps := []struct {
		what string
		args []string
	}{
		{"generate", []string{"run", oapiCodegenPkg, "-config", "oapi-codegen.yaml", e.spec}},
		{"resolve", []string{"mod", "tidy"}},
		{"build", []string{"build", "-o", "roundtrip", "."}},
	}
	for _, s := range steps {
		if _, err := e.exec(ctx, "oapi-codegen", work, noWork, "go", s.args...); err != nil {
			return outcome{counts: s.what + " failed"}, err
		}
	}
	m, err := startMock("", nil)
	if err != nil {
		return outcome{}, err
	}
	defer m.Close()
	out, err := e.exec(ctx, "oapi-codegen", work, nil, filepath.Join(work, "roundtrip"), m.URL)
	if err != nil {
		return outcome{counts: "generated and built; the round trip failed"}, err
	}
	n := strings.Count("\n"+out.stdout, "\nok ")
	return outcome{ok: true, counts: fmt.Sprintf("client generated and built; %d exchanges round-tripped", n)}, nil
}
