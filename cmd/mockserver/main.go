// Command mockserver runs the oppstages mock of the Outreach opportunity stages API.
//
// Every flag can also be set through the environment as MOCKSERVER_<FLAG>, upper case with
// "-" as "_" (for example MOCKSERVER_BASE_URL); a flag on the command line wins. A
// MOCKSERVER_ variable that names no flag is ignored with a warning at start-up.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/mock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = whileGoRunLives(ctx, os.Stderr)
	ready := make(chan string, 1)
	go func() {
		<-ready
		collectLessOften(os.Getenv) // once serving: start-up, which makes the most garbage, runs at the default
	}()
	if err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr, ready); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h printed the usage
		}
		fmt.Fprintln(os.Stderr, "mockserver:", err)
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	addr, baseURL, fixtures, tokens, logFormat string
	state, adminToken, adminTokenFile, latency string
	clientReport                               string
	stateRepair                                bool
	seed                                       uint64
	generate, rateLimit, maxConns              int
	rateWindow, tokenTTL                       time.Duration
	errorRate                                  float64
	validateResponses, skuDisabled, adminOpen  bool
	quiet                                      bool

	// Drop-in for the real API.
	upstream, record, cors string
	proxy                  bool

	// https.
	tlsCert, tlsKey, tlsGenerate string

	// unknownEnv are the MOCKSERVER_ variables of the environment that name no flag.
	unknownEnv []string
}

// envPrefix begins the name of every environment variable that sets a flag.
const envPrefix = "MOCKSERVER_"

// envName is the environment variable that sets the flag called name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// environMap reads environ, as os.Environ lists it (KEY=value), into a map; a name listed
// twice keeps its first value, as os.Getenv reads it.
func environMap(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if _, seen := env[k]; !seen {
			env[k] = v
		}
	}
	return env
}

// parseFlags reads the command line and the environment (environ, as os.Environ lists it);
// -h prints the usage to stdout.
func parseFlags(args []string, environ []string, stdout io.Writer) (config, error) {
	var c config
	env := environMap(environ)
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a mistake is one line, which main prints
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&c.baseURL, "base-url", "", "public URL used in links (default: the scheme and Host of each request)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed for fake data and cursors; same seed, same data")
	fs.IntVar(&c.generate, "generate", 0, "fake stages to add on top of the fixtures")
	fs.StringVar(&c.fixtures, "fixtures", "", "directory with stages.json and users.json (default: embedded)")
	fs.StringVar(&c.tokens, "tokens", "", `JSON file mapping bearer tokens to scopes, e.g. {"t1":["opportunityStages.read"]} (default: any token has opportunityStages.all)`)
	fs.IntVar(&c.rateLimit, "rate-limit", mock.DefaultRateLimit, "requests per token per -rate-window; 0 disables")
	fs.DurationVar(&c.rateWindow, "rate-window", mock.DefaultRateWindow, "rate-limit window")
	fs.BoolVar(&c.skuDisabled, "sku-disabled", false, "answer every API request with the disabled-SKU 403")
	fs.StringVar(&c.latency, "latency", "0", "added delay per request, e.g. 50ms or 20ms-200ms")
	fs.Float64Var(&c.errorRate, "error-rate", 0, "fraction of requests that get a random documented 5xx")
	fs.StringVar(&c.state, "state", "", "state file (a JSON:API document): loaded at start if present; every write is durable before it is answered (log in FILE.log), folded into the file on shutdown and on POST /__admin/snapshot")
	fs.StringVar(&c.clientReport, "client-report", "", "when the server stops, write the default sandbox's client report (how the client under test behaved) to `FILE`, replacing it whole: JSON, or JUnit XML when FILE ends in .xml")
	fs.BoolVar(&c.stateRepair, "state-repair", false, "start even when FILE.log is damaged before its end: keep the writes before the damage, move the rest to FILE.log.damaged-<offset>")
	fs.StringVar(&c.adminToken, "admin-token", "", "when set, /__admin/ requires Authorization: Bearer <admin-token> (prefer -admin-token-file or MOCKSERVER_ADMIN_TOKEN: other local users can read the command line)")
	fs.StringVar(&c.adminTokenFile, "admin-token-file", "", "file holding the admin token (its first line), as -admin-token but kept out of the process list")
	fs.IntVar(&c.maxConns, "max-conns", defaultMaxConns, "connections held open at once; at the bound the longest-idle one makes room")
	fs.BoolVar(&c.adminOpen, "admin-open", false, "allow a non-loopback -addr without -admin-token (the admin API open to the network)")
	fs.BoolVar(&c.validateResponses, "validate-responses", false, "check every response against openapi.yaml; violations become 500 mockContractViolation")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&c.quiet, "quiet", false, "leave out the line per request; start-up, shutdown, warnings and errors still print")
	fs.DurationVar(&c.tokenTTL, "token-ttl", 2*time.Hour, "lifetime of the access tokens /oauth/token issues")
	// Drop-in for the real API.
	fs.StringVar(&c.upstream, "upstream", "", "the real API's root, e.g. https://api.outreach.io: routes openapi.yaml does not know (and /oauth/) are forwarded there")
	fs.BoolVar(&c.proxy, "proxy", false, "with -upstream: forward the stages API too, checking requests and answers against openapi.yaml")
	fs.StringVar(&c.record, "record", "", "with -upstream and -proxy: directory to record the upstream's answers into, as fixtures")
	fs.StringVar(&c.cors, "cors", "", "browser origins allowed to call the API, a comma list or *")
	addTLSFlags(fs, &c)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		usage(fs, stdout)
		return config{}, err
	} else if err != nil {
		return config{}, fmt.Errorf("%w (mockserver -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var envErr error
	named := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		named[name] = true
		if v := env[name]; v != "" && !set[f.Name] && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return config{}, envErr
	}
	for name := range env {
		if strings.HasPrefix(name, envPrefix) && !named[name] {
			c.unknownEnv = append(c.unknownEnv, name)
		}
	}
	slices.Sort(c.unknownEnv)
	if c.adminTokenFile != "" {
		if c.adminToken != "" {
			return config{}, fmt.Errorf("give the admin token once: -admin-token or -admin-token-file, not both")
		}
		token, err := readAdminToken(c.adminTokenFile)
		if err != nil {
			return config{}, err
		}
		c.adminToken = token
	}
	if c.maxConns < 1 {
		return config{}, fmt.Errorf("-max-conns must be at least 1, not %d", c.maxConns)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return config{}, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
	}
	if c.generate < 0 {
		return config{}, fmt.Errorf("-generate must not be negative")
	}
	if c.rateLimit < 0 {
		return config{}, fmt.Errorf("-rate-limit must not be negative (0 disables it)")
	}
	if c.errorRate < 0 || c.errorRate > 1 {
		return config{}, fmt.Errorf("-error-rate must be between 0 and 1")
	}
	if err := checkTLSFlags(c); err != nil {
		return config{}, err
	}
	if c.tokenTTL < time.Second {
		return config{}, fmt.Errorf("-token-ttl must be at least 1s, not %s", c.tokenTTL)
	}
	if _, err := mock.ParseLatency(c.latency); err != nil {
		return config{}, fmt.Errorf("-latency: %w", err)
	}
	return c, nil
}

// readAdminToken reads the admin token from the first line of a file, so that it stays
// out of the process list, where every local user can read a command line.
func readAdminToken(path string) (string, error) {
	data, err := mock.ReadSmallFile(path)
	if err != nil {
		return "", fmt.Errorf("-admin-token-file %s: %v", path, cause(err))
	}
	line, _, _ := strings.Cut(string(data), "\n")
	token := strings.TrimSpace(line)
	if token == "" {
		return "", fmt.Errorf("-admin-token-file %s: the first line is empty; it must hold the token", path)
	}
	return token, nil
}

// dropInLine says at start-up what goes to the upstream.
func dropInLine(c config) string {
	switch {
	case c.proxy && c.record != "":
		return fmt.Sprintf("forwarding every request to %s, checking the stages API against openapi.yaml, recording into %s", c.upstream, c.record)
	case c.proxy:
		return fmt.Sprintf("forwarding every request to %s, checking the stages API against openapi.yaml", c.upstream)
	}
	return fmt.Sprintf("forwarding routes openapi.yaml does not know, and /oauth/, to %s", c.upstream)
}

func loadTokens(path string) (map[string][]oppstages.Scope, error) {
	if path == "" {
		return nil, nil
	}
	data, err := mock.ReadSmallFile(path)
	if err != nil {
		return nil, fmt.Errorf("-tokens %s: %v", path, cause(err))
	}
	var tokens map[string][]oppstages.Scope
	if err := json.Unmarshal(data, &tokens); err != nil {
		return nil, fmt.Errorf("tokens file %s: want {\"token\": [\"scope\", ...]}: %w", path, err)
	}
	return tokens, nil
}

// run starts the server and blocks until ctx is done, then drains requests and returns.
// When ready is not nil it receives the listening address once the server accepts.
func run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer, ready chan<- string) error {
	c, err := parseFlags(args, environ, stdout)
	if err != nil {
		return err
	}
	if err := checkFixtures(c.fixtures); err != nil {
		return err
	}
	if err := checkClientReport(c.clientReport); err != nil {
		return err
	}
	tokens, err := loadTokens(c.tokens)
	if err != nil {
		return err
	}
	tlsConf, tlsLine, err := serverTLS(c, time.Now())
	if err != nil {
		return err
	}
	ln, err := listen(c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	adminOpen, err := adminExposure(c, ln.Addr())
	if err != nil {
		return err
	}
	// One line per request: written in batches at most 50 ms apart, not a write each.
	logOut := newBatchWriter(stdout, 50*time.Millisecond)
	defer logOut.Flush()
	newHandler := func(level slog.Level) slog.Handler {
		if c.logFormat == "json" {
			return slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: level})
		}
		return newTextHandler(logOut, &slog.HandlerOptions{Level: level}) // slog's text format, faster
	}
	handler := newHandler(slog.LevelInfo)
	logger := slog.New(handler)
	serverLogger := logger // the mock logs each request at Info, problems at Warn and above
	if c.quiet {
		serverLogger = slog.New(newHandler(slog.LevelWarn))
	}
	latency, _ := mock.ParseLatency(c.latency) // checked by parseFlags
	opts := mock.Options{
		SKUDisabled:       c.skuDisabled,
		Latency:           latency,
		ErrorRate:         c.errorRate,
		StateFile:         c.state,
		StateRepair:       c.stateRepair,
		AdminToken:        c.adminToken,
		Seed:              c.seed,
		Generate:          c.generate,
		BaseURL:           c.baseURL,
		Tokens:            tokens,
		Logger:            serverLogger,
		ValidateResponses: c.validateResponses,
		RateLimit:         c.rateLimit,
		RateWindow:        c.rateWindow,
		TokenTTL:          c.tokenTTL,
		Upstream:          c.upstream,
		Proxy:             c.proxy,
		RecordDir:         c.record,
		CORS:              strings.Split(c.cors, ","),
	}
	if c.rateLimit == 0 {
		opts.RateLimit = -1
	}
	if c.fixtures != "" {
		opts.Fixtures = os.DirFS(c.fixtures)
	}
	srv, err := mock.New(opts)
	if errors.Is(err, mock.ErrStateFile) {
		return fmt.Errorf("-state %s: %w", c.state, err)
	}
	if err != nil {
		return err
	}
	listenURL := "http://" + ln.Addr().String()
	if tlsConf != nil {
		listenURL = "https://" + ln.Addr().String()
	}
	conns := newConnLimiter(connBound(c.maxConns, openFileLimit()))
	httpServer := &http.Server{
		Handler:           srv.Handler(),
		ConnState:         conns.ConnState,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2*mock.MaxDelay + 30*time.Second, // room for the longest delays the mock adds
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    1 << 20, // the mock answers a JSON:API 431 past its own 64 KiB; net/http's plain one only past this
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
		Protocols:         http1Only(),
		TLSConfig:         tlsConf,
	}
	logger.Info(startupLine(listenURL, c.baseURL, srv.Len(), c.seed, adminAccess(c, adminOpen)))
	for _, name := range c.unknownEnv {
		logger.Warn(name + " names no flag and is ignored; mockserver -h lists the flags, each settable as " + envPrefix + "<FLAG>")
	}
	if tlsLine != "" {
		logger.Info(tlsLine)
	}
	if c.upstream != "" {
		logger.Info(dropInLine(c))
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	served := make(chan error, 1)
	go func() {
		if tlsConf != nil {
			served <- httpServer.ServeTLS(conns.Listener(ln), "", "")
			return
		}
		served <- httpServer.Serve(conns.Listener(ln))
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// The state and the report are each written, whichever fails.
	var stopErr error
	if c.state != "" {
		if err := srv.Close(); err != nil {
			stopErr = err
		} else {
			logger.Info("state saved", "file", c.state, "stages", srv.Len())
		}
	}
	if c.clientReport != "" {
		if report, err := writeClientReport(c.clientReport, srv); err != nil {
			stopErr = errors.Join(stopErr, err)
		} else {
			logger.Info("client report written", "file", c.clientReport, "passed", report.Passed, "failed", report.Failed, "unexercised", report.Unexercised)
		}
	}
	if stopErr != nil {
		return stopErr
	}
	logger.Info("mockserver stopped")
	return nil
}
