package mock

import (
	"io/fs"
	"log/slog"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/oauth"
)

// Options configure a Server. The zero value is a server on the embedded fixtures with
// seed 0, any bearer token accepted with every scope, and the vendor's rate limit.
type Options struct {
	// Seed drives generated data and cursor signing: the same seed gives the same bytes.
	Seed uint64
	// Generate adds this many fake stages on top of the fixtures.
	Generate int
	// Fixtures holds stages.json and users.json; nil means the embedded defaults.
	Fixtures fs.FS
	// Stages, when not nil, are the seed's stages in place of the fixtures' (an empty slice
	// for none), checked as Sandbox.Put checks them; Generate adds to them.
	Stages []oppstages.Stage
	// Users, when not nil, are the seed's users in place of the fixtures': the creators
	// that stages may name; the one with the lowest id creates the stages made through
	// the API.
	Users []oppstages.User
	// BaseURL is the public root used in links, e.g. "http://127.0.0.1:8080". Empty means
	// the request's scheme (https when it came over TLS) and Host.
	BaseURL string
	// Tokens maps bearer tokens to their scopes. Nil accepts any bearer token with
	// opportunityStages.all; otherwise unknown tokens get 401.
	Tokens map[string][]oppstages.Scope
	// Clock gives the time for timestamps and rate-limit windows; nil means time.Now.
	Clock func() time.Time
	// Logger receives one line per request; nil discards them.
	Logger *slog.Logger
	// ValidateResponses checks every outgoing response against openapi.yaml; a violation
	// is logged and answered 500 mockContractViolation instead.
	ValidateResponses bool
	// MaxBodyBytes limits request bodies (413 beyond); 0 means 1 MiB.
	MaxBodyBytes int64
	// MaxHeaderBytes limits the request line and headers together (a JSON:API 431
	// beyond); 0 means 64 KiB. An http.Server in front needs a larger MaxHeaderBytes of
	// its own, or it answers first with net/http's plain-text 431.
	MaxHeaderBytes int
	// RateLimit is the number of requests per token per RateWindow; 0 means the vendor's
	// 10,000, and a negative value turns enforcement off (the headers are still sent).
	RateLimit int
	// RateWindow is the rate-limit window; 0 means one hour.
	RateWindow time.Duration
	// SKUDisabled answers every API request with the disabled-SKU 403.
	SKUDisabled bool
	// Latency is added to every API request.
	Latency Latency
	// ErrorRate is the fraction of API requests answered with a random documented 5xx.
	ErrorRate float64
	// StateFile, when set, is loaded at start if it exists, and every write to the default
	// sandbox is durable (logged beside it in StateFile+".log") before it returns. The file
	// itself is rewritten at start, by SaveState (POST /__admin/snapshot), state replace,
	// reset and Close. A symbolic link stands for the file it points to, which holds the
	// snapshot and has the log beside it; the link stays.
	StateFile string
	// MaxStateLogBytes is how large the write log beside StateFile grows before it is
	// folded into the state file, bounding the replay after a crash; 0 means 64 MiB.
	MaxStateLogBytes int64
	// StateRepair lets New start from a log damaged before its end: a record that fails its
	// length or CRC check with whole records after it, which no crash leaves and which New
	// otherwise refuses, changing no file. The writes before the damage are replayed and the
	// bytes from the damage on are moved to a file beside the log (its name plus
	// ".damaged-<offset>"), which a warning names. A damaged last record is a write torn by
	// a crash, never acknowledged, and is dropped either way.
	StateRepair bool
	// AdminToken, when set, must be sent as "Authorization: Bearer <token>" to /__admin/.
	AdminToken string
	// MaxSandboxes bounds the named sandboxes; the least recently used is evicted beyond
	// it. 0 means 1000.
	MaxSandboxes int
	// MaxJournal bounds each sandbox's request journal; the oldest entry is evicted beyond
	// it. 0 means 1000.
	MaxJournal int
	// MaxJournalBytes bounds what each sandbox's journal holds, bodies and headers
	// included; the oldest entries are evicted beyond it. 0 means 8 MiB.
	MaxJournalBytes int
	// MaxJournalBytesTotal bounds what all sandboxes' journals hold together: beyond it
	// the oldest entries of any sandbox are evicted, so that clients creating sandboxes
	// cannot grow the server without limit. 0 means 64 MiB.
	MaxJournalBytesTotal int
	// MaxStages bounds the stages one sandbox holds; creates beyond it get a 422.
	// 0 means 1,000,000.
	MaxStages int
	// MaxStateBytesTotal bounds the stages and users that all named sandboxes hold beyond
	// the seed, counted as they sit in memory (strings plus a fixed cost per record): each
	// may hold as much as the seed of its own, and together this much more. Beyond it a
	// create or an update that grows a stage gets a 422 and PUT /__admin/state a 400 (the
	// default sandbox is bounded by MaxStages alone). 0 means 256 MiB.
	MaxStateBytesTotal int64
	// MaxFaults bounds the fault rules of one sandbox. 0 means 1000.
	MaxFaults int
	// MaxFaultBytesTotal bounds what the fault rules of all sandboxes hold together
	// (patterns, headers, bodies, plus a fixed cost per rule); beyond it a new rule is
	// refused. 0 means 64 MiB.
	MaxFaultBytesTotal int64
	// TokenTTL is the lifetime of the access tokens the mock's /oauth/token issues; 0 means
	// two hours, the vendor's expires_in. An expired token gets the gateway's 401.
	TokenTTL time.Duration
	// NoOAuth turns the mock's authorization server off: GET /oauth/authorize and
	// POST /oauth/token are then left to whatever answers routes the mock does not mock
	// (404 routeNotFound by default). Tokens it issued before keep their meaning.
	NoOAuth bool

	// Upstream is the real API's root, e.g. "https://api.outreach.io". Requests on routes
	// openapi.yaml does not know are forwarded there and answered as it answers; so are
	// /oauth/authorize and /oauth/token (NoOAuth is implied).
	Upstream string
	// Proxy, with Upstream, forwards the contract's routes too, and checks each request and
	// each answer against openapi.yaml. Fault rules, Prefer and delays still apply in
	// front; the rate limit does not.
	Proxy bool
	// RecordDir, with Upstream and Proxy, is the directory the upstream's answers on the
	// contract's routes are recorded into, as fixtures that Fixtures can load.
	RecordDir string
	// UpstreamTimeout is how long the upstream may stay silent (to connect, to start
	// answering, within its body); 0 means 30 seconds.
	UpstreamTimeout time.Duration
	// CORS lists the browser origins allowed to call the API ("http://localhost:3000"),
	// or "*" for any; empty turns CORS off.
	CORS []string
}

// Defaults applied by New.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxHeaderBytes = 64 << 10
	DefaultRateLimit      = 10_000
	DefaultRateWindow     = time.Hour
	// DefaultMaxJournalBytes is each sandbox's journal budget: room for 64 entries that
	// carry two 64 KiB bodies each, or thousands of ordinary ones.
	DefaultMaxJournalBytes = 8 << 20
	// DefaultMaxJournalBytesTotal is what all journals together hold: eight full ones.
	DefaultMaxJournalBytesTotal = 64 << 20
	// DefaultMaxStateBytesTotal is what named sandboxes hold beyond the seed, together:
	// about a million stages with short names.
	DefaultMaxStateBytesTotal = 256 << 20
	// DefaultMaxFaultBytesTotal is what all fault rules hold together: about 900 rules
	// of the largest size, or a thousand ordinary rules in each of hundreds of sandboxes.
	DefaultMaxFaultBytesTotal = 64 << 20
)

func (o Options) withDefaults() Options {
	if o.Upstream != "" {
		o.NoOAuth = true // the upstream's authorization server answers
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxStateLogBytes <= 0 {
		o.MaxStateLogBytes = 64 << 20
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow <= 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.MaxSandboxes <= 0 {
		o.MaxSandboxes = 1000
	}
	if o.MaxJournal <= 0 {
		o.MaxJournal = 1000
	}
	if o.MaxJournalBytes <= 0 {
		o.MaxJournalBytes = DefaultMaxJournalBytes
	}
	if o.MaxJournalBytesTotal <= 0 {
		o.MaxJournalBytesTotal = DefaultMaxJournalBytesTotal
	}
	if o.MaxStages <= 0 {
		o.MaxStages = 1_000_000
	}
	if o.MaxStateBytesTotal <= 0 {
		o.MaxStateBytesTotal = DefaultMaxStateBytesTotal
	}
	if o.MaxFaults <= 0 {
		o.MaxFaults = 1000
	}
	if o.MaxFaultBytesTotal <= 0 {
		o.MaxFaultBytesTotal = DefaultMaxFaultBytesTotal
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = oauth.DefaultTokenTTL
	}
	return o
}

// settings are the live settings every sandbox starts with.
func (o Options) settings() Settings {
	return Settings{
		SKUDisabled: o.SKUDisabled,
		RateLimit:   max(o.RateLimit, 0),
		RateWindow:  Duration{o.RateWindow},
		Latency:     o.Latency,
		ErrorRate:   o.ErrorRate,
	}
}
