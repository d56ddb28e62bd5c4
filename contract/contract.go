package contract

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/validation"
)

// Mode says which checks may run.
type Mode string

// The modes.
const (
	// Full runs every check, creating, changing and deleting records.
	Full Mode = "full"
	// ReadOnly sends only GET requests.
	ReadOnly Mode = "readonly"
)

// Config says what to check and how.
type Config struct {
	// Target is the server's root, e.g. "https://api.outreach.io" or
	// "http://127.0.0.1:8080"; the spec's server path (/api/v2) is appended unless the
	// target already ends with it ("https://api.outreach.io/api/v2").
	Target string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// Mode is Full or ReadOnly; empty means ReadOnly.
	Mode Mode
	// Run, when set, is a regular expression; only checks whose names match run.
	Run string
	// Seed drives the values of the generated request bodies and list queries; the same
	// seed against the same data sends the same requests. Which list parameters meet does
	// not depend on it: every pair of their levels is drawn on every seed.
	Seed uint64
	// Cases is how many generated list queries the property checks walk, at least one per
	// row of the pairwise covering array whatever it says; 0 means DefaultCases. More
	// cases dig deeper.
	Cases int
	// Client sends the requests; nil means a client with a 30-second timeout.
	Client *http.Client
	// Spec is the OpenAPI document to check against; nil means the embedded openapi.yaml.
	// Its servers may be absolute: only their path is used, below Target.
	Spec []byte
	// SpecName names Spec in messages, e.g. its file; empty means "openapi.yaml" for the
	// embedded document and "the spec" for another.
	SpecName string
	// Header is added to every request, e.g. X-Mock-Sandbox to isolate a run.
	Header http.Header
	// Progress, when set, is called with each result as soon as its check ends.
	Progress func(Result)
}

// Verdict is what a check concluded.
type Verdict string

// The verdicts.
const (
	// Pass: the check judged the exchanges it lists in Requests and found nothing wrong.
	Pass Verdict = "pass"
	// Fail: the check found a problem that rests on a fact (the vendor's documents,
	// JSON:API, or a rule the spec states without marking it a guess).
	Fail Verdict = "fail"
	// Inferred: the check failed, but every problem it found rests only on a guess, a
	// rule the spec marks x-inferred. Against the real API it shows a guess that does not
	// hold rather than a broken server.
	Inferred Verdict = "inferred"
	// Skip: the check had nothing to judge (no records, no second page, a write in a
	// read-only run), or the target showed that a guess does not hold for it without
	// breaking anything; SkipReason says which.
	Skip Verdict = "skip"
)

// Result is the outcome of one check. A skipped check neither passed nor failed: the
// target could not be made to show the behaviour it checks, and SkipReason says why. A
// failed check lists its problems, each labelled with whether it rests only on a guess;
// Failure is the same as text, a guess's lines opening "inferred: ".
type Result struct {
	Name       string        `json:"name"`
	Verdict    Verdict       `json:"verdict"`
	Passed     bool          `json:"passed"`
	Skipped    bool          `json:"skipped,omitempty"`
	SkipReason string        `json:"skipReason,omitempty"`
	Failure    string        `json:"failure,omitempty"`
	Problems   []Problem     `json:"problems,omitempty"`
	Duration   time.Duration `json:"durationNs"`
	// Requests are the exchanges the check judged: the ones it sent, and for the property
	// and protocol checks the shared ones it judged.
	Requests []Exchange `json:"requests"`
}

// Problem is one thing a check found wrong.
type Problem struct {
	Message string `json:"message"`
	// Inferred reports that the problem rests only on a guess: the rule it breaks, or an
	// object of the spec that holds the rule, is marked x-inferred. InferredReason is the
	// mark's x-inferred-reason.
	Inferred       bool   `json:"inferred,omitempty"`
	InferredReason string `json:"inferredReason,omitempty"`
	// Source is the published fact the broken rule rests on (the spec's x-source), for a
	// conformance problem whose rule cites one.
	Source string `json:"source,omitempty"`
	// Exchange is the exchange whose answer breaks the spec, for a conformance problem.
	Exchange *Exchange `json:"exchange,omitempty"`
}

// Exchange is one request a check sent and the status it got (0 when no answer came).
// Header holds the headers the check chose for this request (Prefer, Content-Type), not
// the ones every request carries.
type Exchange struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   string      `json:"body,omitempty"`
	Status int         `json:"status"`
}

// Report is the outcome of a run. Failed counts every check that failed; Inferred counts
// those of them whose every problem rests only on a guess.
type Report struct {
	Target    string        `json:"target"`
	Mode      Mode          `json:"mode"`
	Results   []Result      `json:"checks"`
	Passed    int           `json:"passed"`
	Failed    int           `json:"failed"`
	Inferred  int           `json:"inferred"`
	Skipped   int           `json:"skipped"`
	Leftovers []string      `json:"leftovers,omitempty"`
	Duration  time.Duration `json:"durationNs"`
	// Coverage is how many pairs of list-parameter levels the property checks' walks drew,
	// of all the spec offers: all of them whenever the property checks ran to the end.
	Coverage Coverage `json:"pairwiseCoverage"`
}

// OK reports whether every check passed and nothing was left behind.
func (r Report) OK() bool { return r.Failed == 0 && len(r.Leftovers) == 0 }

// Errors Run returns when a run cannot start.
var (
	// ErrUnreachable: the target cannot be reached at all.
	ErrUnreachable = errors.New("target unreachable")
	// ErrRefused: the target does not accept the token, so no check could say anything.
	ErrRefused = errors.New("token refused")
	// ErrNoCheck: Config.Run matches the name of no check, as a typo would.
	ErrNoCheck = errors.New("no check matches -run")
)

// Run checks the target. The error is for a run that could not start (bad config, a
// target that cannot be reached); failed checks are in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
	return run(ctx, cfg, nil)
}

// around runs one check, by calling check, inside whatever the caller needs (Test: a
// subtest), and returns its result; ran is false when it chose not to run the check.
type around func(name string, check func() Result) (res Result, ran bool)

// run is Run with each check inside wrap; nil runs every check as it is.
func run(ctx context.Context, cfg Config, wrap around) (Report, error) {
	start := time.Now()
	s, err := newSession(cfg)
	if err != nil {
		return Report{}, err
	}
	filter := regexp.MustCompile("")
	if cfg.Run != "" {
		if filter, err = regexp.Compile(cfg.Run); err != nil {
			return Report{}, fmt.Errorf("-run: %w", err)
		}
	}
	if err := s.anyCheckMatches(filter, cfg.Run); err != nil {
		return Report{}, err
	}
	if err := s.preflight(ctx); err != nil {
		return Report{}, err
	}
	report := Report{Target: cfg.Target, Mode: s.mode}
	for _, c := range s.checks() {
		if !filter.MatchString(c.name) || (c.writes && s.mode != Full) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		res, ran := Result{}, true
		if wrap == nil {
			res = s.runCheck(ctx, c)
		} else {
			res, ran = wrap(c.name, func() Result { return s.runCheck(ctx, c) })
		}
		if !ran {
			continue
		}
		report.Results = append(report.Results, res)
		switch res.Verdict {
		case Skip:
			report.Skipped++
		case Pass:
			report.Passed++
		case Inferred:
			report.Failed++
			report.Inferred++
		default:
			report.Failed++
		}
		if cfg.Progress != nil {
			cfg.Progress(res)
		}
	}
	report.Coverage = s.coverage()
	// Checks recover their own panics, so clean-up always runs, also after a cancel.
	report.Leftovers = s.cleanup()
	report.Duration = time.Since(start)
	return report, nil
}

// anyCheckMatches returns ErrNoCheck when filter, the regular expression expr, leaves
// no check to run in the session's mode.
func (s *session) anyCheckMatches(filter *regexp.Regexp, expr string) error {
	writes := false
	for _, c := range s.checks() {
		if !filter.MatchString(c.name) {
			continue
		}
		if !c.writes || s.mode == Full {
			return nil
		}
		writes = true
	}
	if writes {
		return fmt.Errorf("%w %s in %s mode: the checks it matches write, and only -mode %s runs them", ErrNoCheck, expr, s.mode, Full)
	}
	return fmt.Errorf("%w %s", ErrNoCheck, expr)
}

// loadSpec loads the spec to check against, and the name messages give it. The servers
// of a document given in Config.Spec keep only their path: the target is the host.
func loadSpec(cfg Config) (*openapi3.T, string, error) {
	if cfg.Spec == nil {
		doc, err := oppstages.Spec()
		return doc, cmp.Or(cfg.SpecName, "openapi.yaml"), err
	}
	doc, err := oppstages.ParseSpec(cfg.Spec)
	if err != nil {
		return nil, "", err
	}
	for _, server := range doc.Servers {
		server.URL = cmp.Or(serverPath(server.URL), "/")
	}
	return doc, cmp.Or(cfg.SpecName, "the spec"), nil
}

func newSession(cfg Config) (*session, error) {
	if cfg.Target == "" {
		return nil, errors.New("no target: set Config.Target (e.g. http://127.0.0.1:8080)")
	}
	if !strings.HasPrefix(cfg.Target, "http://") && !strings.HasPrefix(cfg.Target, "https://") {
		return nil, fmt.Errorf("target %q must start with http:// or https://", cfg.Target)
	}
	mode := cfg.Mode
	if mode == "" {
		mode = ReadOnly
	}
	if mode != Full && mode != ReadOnly {
		return nil, fmt.Errorf("mode %q must be full or readonly", mode)
	}
	doc, specName, err := loadSpec(cfg)
	if err != nil {
		return nil, err
	}
	v, err := validation.New(doc)
	if err != nil {
		return nil, err
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	basePath := "/api/v2"
	if len(doc.Servers) > 0 {
		basePath = serverPath(doc.Servers[0].URL)
	}
	return &session{
		cfg:       cfg,
		mode:      mode,
		doc:       doc,
		specName:  specName,
		validator: v,
		client:    client,
		api:       apiRoot(cfg.Target, basePath),
		created:   map[int64]bool{},
		made:      map[int64]bool{},
	}, nil
}

// apiRoot is the target with the spec's server path below it, once: a target that already
// ends with the path is the API root itself.
func apiRoot(target, basePath string) string {
	root := strings.TrimSuffix(target, "/")
	if u, err := url.Parse(root); err == nil && basePath != "" && strings.HasSuffix(u.Path, basePath) {
		return root
	}
	return root + basePath
}

// serverPath is the path of a server URL, absolute or relative.
func serverPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.Index(rest, "/"); j >= 0 {
			return strings.TrimSuffix(rest[j:], "/")
		}
		return ""
	}
	return strings.TrimSuffix(u, "/")
}
