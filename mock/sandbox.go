package mock

import (
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"

	"github.com/oppstages/oppstages/internal/clip"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/statefile"
	"github.com/oppstages/oppstages/internal/store"
)

// Sandbox is a handle on one sandbox of a Server. Its methods are the admin API, one
// method per call, for Go tests that need no HTTP plumbing; the admin HTTP handlers call
// the same methods. Errors match ErrInvalid, ErrNotFound or ErrLimit under errors.Is.
//
//	POST   /__admin/reset           Reset
//	GET    /__admin/state           State
//	PUT    /__admin/state           ReplaceState
//	GET    /__admin/requests        Requests
//	DELETE /__admin/requests        ClearRequests
//	POST   /__admin/faults          AddFault
//	GET    /__admin/faults          Faults
//	DELETE /__admin/faults/{id}     RemoveFault
//	DELETE /__admin/faults          ClearFaults
//	GET    /__admin/settings        Settings
//	PATCH  /__admin/settings        PatchSettings
//	GET    /__admin/health          Health
//	GET    /__admin/sandboxes       Server.Sandboxes
//	POST   /__admin/snapshot        Server.SaveState
//	GET    /__admin/client-report   ClientReport
//	POST   /__admin/gauntlet        Gauntlet
//
// A handle stays valid for the server's life: a sandbox dropped because MaxSandboxes was
// exceeded starts again from the seed on its next use.
type Sandbox struct {
	srv  *Server
	name string
}

// Sandbox returns the handle on the sandbox that requests with X-Mock-Sandbox: name use;
// "" is the default sandbox. Names are 1 to 64 letters, digits, '.', '_' or '-'.
func (s *Server) Sandbox(name string) (*Sandbox, error) {
	if name != "" && !sandboxName.MatchString(name) {
		return nil, &InputError{Field: "X-Mock-Sandbox", Reason: fmt.Sprintf("%q must be 1 to 64 letters, digits, '.', '_' or '-'", clip.String(name))}
	}
	return &Sandbox{srv: s, name: name}, nil
}

// SandboxSummary is one sandbox in GET /__admin/sandboxes.
type SandboxSummary struct {
	Name   string `json:"name"`
	Stages int    `json:"stages"`
}

// Sandboxes lists the default sandbox ("") and the named ones the server holds, most
// recently used first, with the stages each holds.
func (s *Server) Sandboxes() []SandboxSummary {
	list := []SandboxSummary{{Name: "", Stages: s.main.store().Len()}}
	for _, b := range s.named.list() {
		list = append(list, SandboxSummary{Name: b.name, Stages: b.store().Len()})
	}
	return list
}

// Name is the sandbox's name, "" for the default one.
func (h *Sandbox) Name() string { return h.name }

// Client returns an in-memory HTTP client, like Server.Client, whose requests go to this
// sandbox: it sets X-Mock-Sandbox on each.
func (h *Sandbox) Client() *http.Client {
	return &http.Client{Transport: handlerTransport{h: h.srv.Handler(), sandbox: h.name}}
}

func (h *Sandbox) box() *sandbox {
	if h.name == "" {
		return h.srv.main
	}
	b, _ := h.srv.named.get(h.name, h.srv.newSandbox) // the name was checked in Server.Sandbox
	return b
}

// Health is what GET /__admin/health answers.
type Health struct {
	Status           string `json:"status"`
	Stages           int    `json:"stages"` // in this sandbox
	Sandboxes        int    `json:"sandboxes"`
	SandboxesEvicted int    `json:"sandboxesEvicted"`
	JournalEvicted   int    `json:"journalEvicted"` // from this sandbox's journal
	// Violations counts the ways the upstream's exchanges broke openapi.yaml in this
	// sandbox (validating proxy), since the last reset.
	Violations int64 `json:"violations"`
}

// Health reports the server's state as seen from this sandbox.
func (h *Sandbox) Health() Health {
	box := h.box()
	count, evicted := h.srv.named.stats()
	_, _, journalEvicted := box.journal.Usage()
	return Health{Status: "ok", Stages: box.store().Len(), Sandboxes: count, SandboxesEvicted: evicted, JournalEvicted: journalEvicted,
		Violations: box.violations.Load()}
}

// Reset puts the sandbox back to the seed state and clears its journal, fault rules,
// rate limits and settings. It fails only when a state file is set and the reset could
// not be made durable.
func (h *Sandbox) Reset() error { return h.srv.resetSandbox(h.box()) }

// State exports the sandbox's records as a JSON:API document (stages in data, users in
// included, meta.nextId), the format ReplaceState and the -state file take. Links use
// Options.BaseURL, or http://127.0.0.1:8080 when it is empty.
func (h *Sandbox) State() []byte {
	base := h.srv.opts.BaseURL
	if base == "" {
		base = statefile.LinkBase
	}
	return h.exportState(base)
}

func (h *Sandbox) exportState(baseURL string) []byte {
	return statefile.Encode(h.box().store(), baseURL)
}

// ReplaceState replaces the sandbox's records with a document in the format of State.
// Without users in the document, the sandbox's current users are kept. A bad document is
// ErrInvalid; records that MaxStateBytesTotal has no room for are ErrLimit; any other
// error is a state file that could not be written.
func (h *Sandbox) ReplaceState(doc []byte) error {
	box := h.box()
	st, err := statefile.Decode(doc, box.store()) // the state document is what the -state file holds
	if err != nil {
		return &InputError{Field: "state", Reason: err.Error()}
	}
	if err := box.replace(st); errors.Is(err, store.ErrOverBudget) {
		return fmt.Errorf("named sandboxes together hold at most %d bytes of records beyond the seed (MaxStateBytesTotal), and this state does not fit; reset or replace other sandboxes first: %w",
			h.srv.opts.MaxStateBytesTotal, ErrLimit)
	} else if err != nil {
		return err
	}
	return nil
}

// JournalEntry is one recorded request and its answer: id, time, sandbox, method, path,
// query, operationId, status, durationMs, fault, requestHeaders (credentials redacted),
// requestBody and responseBody (JSON values when JSON, else text; at most 64 KiB each,
// with requestBodyTruncated and responseBodyTruncated), responseHeaders and violations.
type JournalEntry = journal.Entry

// JournalFilter selects journal entries by Method, Path (exact, or "*" for one segment),
// OperationID, Status, Since (arrival time) and After (entry id); zero fields select all.
type JournalFilter = journal.Filter

// RequestLog is what GET /__admin/requests answers.
type RequestLog struct {
	// Requests are the entries that passed the filter, oldest first.
	Requests []JournalEntry `json:"requests"`
	// Count is len(Requests).
	Count int `json:"count"`
	// Evicted is how many entries the journal dropped to stay within its limits since it
	// was last cleared.
	Evicted int `json:"evicted"`
}

// Requests returns the journal's entries that pass f. The entries are copies: changing
// them changes nothing in the journal.
func (h *Sandbox) Requests(f JournalFilter) (RequestLog, error) {
	entries, evicted, err := h.requests(f)
	if err != nil {
		return RequestLog{}, err
	}
	log := RequestLog{Requests: []JournalEntry{}, Evicted: evicted}
	for e := range entries {
		log.Requests = append(log.Requests, e)
	}
	log.Count = len(log.Requests)
	return log, nil
}

// requests checks f and returns the journal's entries that pass it, each made only when
// its turn comes, and the journal's eviction count: Requests collects them, GET
// /__admin/requests writes them out one by one.
func (h *Sandbox) requests(f JournalFilter) (entries iter.Seq[JournalEntry], evicted int, err error) {
	if err := f.Check(); err != nil {
		return nil, 0, inputError(err)
	}
	if f.OperationID != "" && !slices.Contains(h.srv.operationIDs(), f.OperationID) {
		return nil, 0, &InputError{Field: "operationId", Reason: fmt.Sprintf("%q is not an operation of openapi.yaml or oauth.yaml", clip.String(f.OperationID))}
	}
	entries, evicted = h.box().journal.Entries(f)
	return entries, evicted, nil
}

// ClearRequests empties the journal.
func (h *Sandbox) ClearRequests() { h.box().journal.Clear() }

// AddFault checks a rule and stores it after the sandbox's other rules; the stored rule,
// with its id, is returned. ID and Fired are ignored, and nothing in r is kept, so r can
// be reused.
func (h *Sandbox) AddFault(r FaultRule) (FaultRule, error) {
	rule, err := r.checked(h.srv.operationIDs(), h.srv.errorStatus)
	if err != nil {
		return FaultRule{}, err
	}
	added, err := h.box().faults.add(rule, h.srv.opts.MaxFaults)
	switch {
	case errors.Is(err, errTooManyRules):
		return FaultRule{}, fmt.Errorf("a sandbox holds at most %d fault rules; delete some first: %w", h.srv.opts.MaxFaults, ErrLimit)
	case errors.Is(err, errFaultBudget):
		return FaultRule{}, fmt.Errorf("the fault rules of all sandboxes together hold at most %d bytes (MaxFaultBytesTotal), and this one of %d does not fit; delete some first: %w",
			h.srv.opts.MaxFaultBytesTotal, rule.size(), ErrLimit)
	}
	return added, err
}

// Faults returns the sandbox's rules in the order they are tried, with how often each
// fired and, for limited rules, how many times are left.
func (h *Sandbox) Faults() []FaultRule { return h.box().faults.list() }

// RemoveFault removes the rule with the id; ErrNotFound when there is none.
func (h *Sandbox) RemoveFault(id int) error {
	if !h.box().faults.remove(id) {
		return fmt.Errorf("fault rule %d: %w", id, ErrNotFound)
	}
	return nil
}

// ClearFaults removes every rule.
func (h *Sandbox) ClearFaults() { h.box().faults.clear() }

// Settings returns the sandbox's live settings.
func (h *Sandbox) Settings() Settings { return h.box().currentSettings() }

// PatchSettings changes the members p sets and returns the settings now in force; if
// the result is out of range, nothing changes.
func (h *Sandbox) PatchSettings(p SettingsPatch) (Settings, error) {
	return h.box().patchSettings(p)
}

// errorStatus is the status of the named error fixture, if there is one.
func (s *Server) errorStatus(name string) (int, bool) {
	fx, ok := s.errors[name]
	return fx.Status, ok
}

// inputError turns a journal filter error into an *InputError naming the parameter.
func inputError(err error) error {
	if pe, ok := err.(*journal.ParamError); ok {
		return &InputError{Field: pe.Param, Reason: pe.Reason}
	}
	return &InputError{Field: "filter", Reason: err.Error()}
}
