package mock

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/query"
	"github.com/oppstages/oppstages/internal/store"
	"github.com/oppstages/oppstages/internal/validation"
)

// Server is one mock API: its seed state, its live state and its settings.
type Server struct {
	opts      Options
	validator *validation.Validator
	cursors   query.Cursors
	seed      *store.Store // never written; live state starts as a clone of it
	creatorID int64        // the user who creates stages made through the API
	limiter   *rateLimiter

	mu    sync.Mutex
	state *store.Store
}

// New builds a server from opts: it loads the fixtures, generates extra stages and
// prepares validation against the embedded contract.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	doc, err := oppstages.Spec()
	if err != nil {
		return nil, err
	}
	v, err := validation.New(doc)
	if err != nil {
		return nil, err
	}
	var data fixtures.Data
	if opts.Fixtures != nil {
		data, err = fixtures.Load(opts.Fixtures)
	} else {
		data, err = fixtures.Default()
	}
	if err != nil {
		return nil, fmt.Errorf("load fixtures: %w", err)
	}
	data = fixtures.Generate(data, opts.Generate, opts.Seed)
	seed := store.New(data.Stages, data.Users)
	s := &Server{
		opts:      opts,
		validator: v,
		cursors:   query.NewCursors(cursorKey(opts.Seed)),
		seed:      seed,
		creatorID: slices.MinFunc(data.Users, func(a, b oppstages.User) int { return int(a.ID - b.ID) }).ID,
		limiter:   newRateLimiter(opts.RateLimit, opts.RateWindow),
		state:     seed.Clone(),
	}
	return s, nil
}

func cursorKey(seed uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	sum := sha256.Sum256(append([]byte("oppstages cursor key "), b[:]...))
	return sum[:]
}

// Handler serves the API under /api/v2 and the admin API under /__admin/.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Stages is the number of stages the server holds now.
func (s *Server) Stages() int { return s.store().Len() }

// Reset puts the server's state back to the seed state.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = s.seed.Clone()
	s.limiter.reset()
}

func (s *Server) store() *store.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *Server) baseURL(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return strings.TrimSuffix(s.opts.BaseURL, "/")
	}
	return "http://" + r.Host
}

func (s *Server) now() time.Time { return s.opts.Clock().UTC() }
