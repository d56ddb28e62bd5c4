package mock

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/budget"
	"github.com/oppstages/oppstages/internal/dashboard"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/oauth"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/statefile"
	"github.com/oppstages/oppstages/internal/store"
	"github.com/oppstages/oppstages/internal/upstream"
	"github.com/oppstages/oppstages/internal/validation"
)

// Server is one mock API: its seed state, its sandboxes and their settings.
type Server struct {
	opts        Options
	validator   *validation.Validator // openapi.yaml's: the API's routes, requests and answers
	oauthRoutes *validation.Validator // oauth.yaml's: the authorization server's routes
	responses   *documented
	operations  map[string]operation // the dispatch table, checked against openapi.yaml and oauth.yaml
	errors      map[string]fixtures.ErrorResponse
	cursors     query.Cursors
	lenient     lenient      // the sloppy request forms the real API reads as canonical ones
	seed        *store.Store // never written; every sandbox starts as a clone of it
	creatorID   int64        // the user who creates stages made through the API
	initial     Settings
	main        *sandbox // the default sandbox, used without X-Mock-Sandbox
	named       *sandboxes
	journals    *journal.Pool  // the byte budget all sandboxes' journals share
	states      *budget.Budget // what named sandboxes' records hold beyond the seed, together
	faultBytes  *budget.Budget // what all sandboxes' fault rules hold together
	limiter     *rateLimiter   // the rate-limit buckets all sandboxes share
	oauth       *oauth.Server  // issues the tokens /oauth/token answers with, and checks them
	// anyTokenScopes are the scopes of any token when Options.Tokens is nil; shared by
	// every such request, read only.
	anyTokenScopes []oppstages.Scope
	durable        *statefile.File // the default sandbox on disk, when there is a state file
	dashboard      http.Handler
	adminMux       *http.ServeMux // the admin API's endpoints, by method and path
	handler        http.Handler

	// The request chain, built once by New.
	controls []control
	answer   answerer

	// Drop-in for the real API: all nil without an upstream.
	upstream *upstream.Proxy
	strict   *validation.Validator // openapi.yaml with the stage schemas closed, for the upstream's answers
	recorder *upstream.Recorder
	cors     *corsPolicy

	systemClock bool // Options.Clock is time.Now: a request's arrival is the time taken when it came in
}

// New builds a server from opts: it loads the fixtures and error fixtures, generates extra
// stages, loads the state file when there is one, and prepares validation against the
// embedded contract, openapi.yaml for the API and oauth.yaml for the authorization server.
// It fails when the contract has an operation the mock does not answer, or the mock
// answers one the contract lacks.
func New(opts Options) (*Server, error) {
	api, err := oppstages.Spec()
	if err != nil {
		return nil, err
	}
	oauthDoc, err := oppstages.OAuthSpec()
	if err != nil {
		return nil, err
	}
	return newServer(opts, documents{api: api, oauth: oauthDoc}, operations())
}

// documents are the contract's: the API's and the authorization server's.
type documents struct{ api, oauth *openapi3.T }

// newServer is New on the contract docs with the dispatch table ops.
func newServer(opts Options, docs documents, ops map[string]operation) (*Server, error) {
	systemClock := opts.Clock == nil
	opts = opts.withDefaults()
	if err := opts.settings().check(); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	if opts.TokenTTL < time.Second {
		return nil, fmt.Errorf("options: TokenTTL must be at least one second, not %s", opts.TokenTTL)
	}
	if err := checkOperations(docs, ops); err != nil {
		return nil, err
	}
	v, err := validation.New(docs.api)
	if err != nil {
		return nil, err
	}
	oauthRoutes, err := validation.New(docs.oauth)
	if err != nil {
		return nil, err
	}
	blank, err := oppstages.BlankParameters(docs.api)
	if err != nil {
		return nil, err
	}
	data, errorFixtures, err := loadFixtures(opts.Fixtures)
	if err != nil {
		return nil, err
	}
	if data, err = seedData(data, opts, v); err != nil {
		return nil, err
	}
	data = fixtures.Generate(data, opts.Generate, opts.Seed)
	seed := store.New(data.Stages, data.Users)
	s := &Server{
		opts:           opts,
		systemClock:    systemClock,
		validator:      v,
		oauthRoutes:    oauthRoutes,
		responses:      indexResponses(docs.api, docs.oauth),
		operations:     ops,
		errors:         errorFixtures,
		cursors:        query.NewCursors(cursorKey(opts.Seed)),
		lenient:        newLenient(blank),
		seed:           seed,
		creatorID:      firstUser(data.Users),
		initial:        opts.settings(),
		named:          newSandboxes(opts.MaxSandboxes),
		journals:       journal.NewPool(opts.MaxJournalBytesTotal),
		states:         budget.New(opts.MaxStateBytesTotal),
		faultBytes:     budget.New(opts.MaxFaultBytesTotal),
		limiter:        newRateLimiter(maxRateBuckets),
		anyTokenScopes: []oppstages.Scope{oppstages.ScopeAll},
		oauth:          oauth.New(oauth.Config{Key: oauthKey(opts), TokenTTL: opts.TokenTTL, Clock: opts.Clock, GrantableScopes: grantableScopes(opts.Tokens)}),
		dashboard:      dashboard.Handler(),
	}
	s.main = s.newSandbox("")
	if err := s.connectUpstream(); err != nil {
		return nil, err
	}
	if s.cors, err = newCORSPolicy(opts.CORS); err != nil {
		return nil, fmt.Errorf("options: %w", err)
	}
	s.controls, s.answer = s.chain()
	s.adminMux = s.newAdminMux()
	s.handler = s.withCORS(http.HandlerFunc(s.serveHTTP))
	if opts.StateFile != "" {
		st, durable, err := openDurableState(opts, seed)
		if err != nil {
			return nil, err
		}
		s.main.state, s.durable = st, durable
	}
	return s, nil
}

// loadFixtures reads seed data and error fixtures from fsys, or the embedded ones when
// fsys is nil; error fixtures in fsys add to and replace the embedded ones by name.
func loadFixtures(fsys fs.FS) (fixtures.Data, map[string]fixtures.ErrorResponse, error) {
	errs, err := fixtures.DefaultErrors()
	if err != nil {
		return fixtures.Data{}, nil, err
	}
	if fsys == nil {
		data, err := fixtures.Default()
		return data, errs, err
	}
	data, err := fixtures.Load(fsys)
	if err != nil {
		return fixtures.Data{}, nil, fmt.Errorf("load fixtures: %w", err)
	}
	own, err := fixtures.LoadErrors(fsys)
	if err != nil {
		return fixtures.Data{}, nil, err
	}
	for name, e := range own {
		errs[name] = e
	}
	return data, errs, nil
}

// firstUser is the user with the lowest id, who creates the stages made through the API;
// 0 (no creator) when there are no users.
func firstUser(users []oppstages.User) int64 {
	if len(users) == 0 {
		return 0
	}
	return slices.MinFunc(users, func(a, b oppstages.User) int { return cmp.Compare(a.ID, b.ID) }).ID
}

func cursorKey(seed uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	sum := sha256.Sum256(append([]byte("oppstages cursor key "), b[:]...))
	return sum[:]
}

// Handler serves the API under /api/v2 and the admin API under /__admin/.
func (s *Server) Handler() http.Handler { return s.handler }

// Reset puts the default sandbox back to the seed state; with a state file, durably.
func (s *Server) Reset() error { return s.resetSandbox(s.main) }

// SaveState writes the default sandbox's records to the state file, atomically, and
// empties the log of writes kept beside it (every write is durable without this; a
// snapshot folds the log into the file a person reads).
func (s *Server) SaveState() error {
	if s.durable == nil {
		return ErrNoStateFile
	}
	return s.main.store().Checkpoint()
}

// Close writes the state file a last time and closes its log; later writes to the default
// sandbox fail. A server without a state file has nothing to close.
func (s *Server) Close() error {
	if s.durable == nil {
		return nil
	}
	return s.durable.Close()
}

// sandboxFor picks the sandbox a request names with X-Mock-Sandbox.
func (s *Server) sandboxFor(r *http.Request) (*sandbox, *oppstages.Error) {
	name, ok := sandboxHeader(r)
	if !ok {
		return nil, oppstages.Errorf(oppstages.CodeMockBadHeader, "%s", conflictingSandboxes)
	}
	if name == "" {
		return s.main, nil
	}
	return s.named.get(name, s.newSandbox)
}

// conflictingSandboxes is the refusal of a request that names two sandboxes.
const conflictingSandboxes = "X-Mock-Sandbox is sent more than once with different values; send it once."

// sandboxHeader is the sandbox a request names with X-Mock-Sandbox, "" for the default
// one. The header may repeat one name; ok is false when it names two, so that a request
// is not run in whichever of them a proxy happened to put first.
func sandboxHeader(r *http.Request) (name string, ok bool) {
	values := r.Header.Values("X-Mock-Sandbox")
	for _, v := range values[min(1, len(values)):] {
		if v != values[0] {
			return "", false
		}
	}
	return r.Header.Get("X-Mock-Sandbox"), true
}

func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }

// answeredAt is when the answer to a request that arrived at arrived (by the server's
// clock) was done, elapsed later by the system clock: by the server's clock too, so that
// a journal's times all come from one clock.
func (s *Server) answeredAt(arrived time.Time, elapsed time.Duration) time.Time {
	if s.systemClock {
		return arrived.Add(elapsed)
	}
	return s.now()
}

// arrival is when a request that came in at start (by time.Now) arrived by the server's
// clock, without asking the system clock again when that is the server's clock.
func (s *Server) arrival(start time.Time) time.Time {
	if s.systemClock {
		return start.UTC()
	}
	return s.now()
}
