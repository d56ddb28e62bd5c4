package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// "http://127.0.0.1:8080"; the spec's server path (/api/v2) is appended.
	Target string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// Mode is Full or ReadOnly; empty means ReadOnly.
	Mode Mode
	// Run, when set, is a regular expression; only checks whose names match run.
	Run string
	// Seed drives the generated request bodies and list queries; the same seed against
	// the same data sends the same requests.
	Seed uint64
	// Cases is how many generated list queries the property checks walk; 0 means
	// DefaultCases. More cases dig deeper.
	Cases int
	// Client sends the requests; nil means a client with a 30-second timeout.
	Client *http.Client
	// Spec is the OpenAPI document to check against; nil means the embedded openapi.yaml.
	Spec []byte
	// Header is added to every request, e.g. X-Mock-Sandbox to isolate a run.
	Header http.Header
	// Progress, when set, is called with each result as soon as its check ends.
	Progress func(Result)
}

// Result is the outcome of one check. A skipped check neither passed nor failed: the
// target could not be made to show the behaviour it checks, and SkipReason says why.
type Result struct {
	Name       string        `json:"name"`
	Passed     bool          `json:"passed"`
	Skipped    bool          `json:"skipped,omitempty"`
	SkipReason string        `json:"skipReason,omitempty"`
	Failure    string        `json:"failure,omitempty"`
	Duration   time.Duration `json:"durationNs"`
	Requests   []Exchange    `json:"requests"`
}

// Exchange is one request a check sent and the status it got (0 when it failed to arrive).
type Exchange struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status"`
}

// Report is the outcome of a run.
type Report struct {
	Target    string        `json:"target"`
	Mode      Mode          `json:"mode"`
	Results   []Result      `json:"checks"`
	Passed    int           `json:"passed"`
	Failed    int           `json:"failed"`
	Skipped   int           `json:"skipped"`
	Leftovers []string      `json:"leftovers,omitempty"`
	Duration  time.Duration `json:"durationNs"`
}

// OK reports whether every check passed and nothing was left behind.
func (r Report) OK() bool { return r.Failed == 0 && len(r.Leftovers) == 0 }

// Errors Run returns when a run cannot start.
var (
	// ErrUnreachable: the target cannot be reached at all.
	ErrUnreachable = errors.New("target unreachable")
	// ErrRefused: the target does not accept the token, so no check could say anything.
	ErrRefused = errors.New("token refused")
)

// Run checks the target. The error is for a run that could not start (bad config, a
// target that cannot be reached); failed checks are in the report.
func Run(ctx context.Context, cfg Config) (Report, error) {
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
		res := s.runCheck(ctx, c)
		report.Results = append(report.Results, res)
		switch {
		case res.Skipped:
			report.Skipped++
		case res.Passed:
			report.Passed++
		default:
			report.Failed++
		}
		if cfg.Progress != nil {
			cfg.Progress(res)
		}
	}
	// Checks recover their own panics, so clean-up always runs, also after a cancel.
	report.Leftovers = s.cleanup()
	report.Duration = time.Since(start)
	return report, nil
}

// check is one named check.
type check struct {
	name   string
	writes bool // needs Full mode
	run    func(ctx context.Context, s *session) error
}

func loadSpec(cfg Config) (*openapi3.T, error) {
	if cfg.Spec == nil {
		return oppstages.Spec()
	}
	return oppstages.ParseSpec(cfg.Spec)
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
	doc, err := loadSpec(cfg)
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
		validator: v,
		client:    client,
		api:       strings.TrimSuffix(cfg.Target, "/") + basePath,
		created:   map[int64]bool{},
	}, nil
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
