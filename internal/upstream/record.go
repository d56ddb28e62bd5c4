package upstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/journal"
	"github.com/oppstages/oppstages/internal/jsonapi"
)

// maxVariants bounds the numbered variants of one error name (404-resourceNotFound-2, ...).
const maxVariants = 100

// Recorder turns the upstream's answers on the contract's routes into a fixtures
// directory that `mockserver -fixtures DIR` serves: error answers become errors/NAME.json,
// and the stages and users of successful answers merge into stages.json and users.json.
// What is already in the directory is kept and merged into.
type Recorder struct {
	dir        string
	stageAttrs []string // the attributes the contract knows, sorted
	userAttrs  []string
	logger     *slog.Logger

	mu     sync.Mutex
	stages map[int64]resource // complete records only
	users  map[int64]resource // any user seen; written when complete or a creator
	errors map[string]fixtures.ErrorResponse
}

// resource is a record as a fixture file holds it.
type resource struct {
	Type          string                     `json:"type"`
	ID            int64                      `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes,omitempty"`
	Relationships map[string]relationship    `json:"relationships,omitempty"`
	Meta          *recordMeta                `json:"meta,omitempty"`
}

type relationship struct {
	Data json.RawMessage `json:"data"`
}

// recordMeta marks a user written only because a stage names it as creator.
type recordMeta struct {
	Placeholder bool `json:"placeholder"`
}

// NewRecorder records into dir, creating it when needed, with the attribute names the
// contract lists for stages and users. The directory loads as fixtures from the start,
// even before anything is recorded.
func NewRecorder(dir string, stageAttrs, userAttrs []string, logger *slog.Logger) (*Recorder, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(dir, "errors"), 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	rec := &Recorder{
		dir:        dir,
		stageAttrs: slices.Sorted(slices.Values(stageAttrs)),
		userAttrs:  slices.Sorted(slices.Values(userAttrs)),
		logger:     logger,
		stages:     map[int64]resource{},
		users:      map[int64]resource{},
	}
	errs, err := fixtures.LoadErrors(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("record into %s: %w", dir, err)
	}
	rec.errors = errs
	for name, into := range map[string]map[int64]resource{"stages.json": rec.stages, "users.json": rec.users} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		var doc struct {
			Data []resource `json:"data"`
		}
		if err == nil {
			err = json.Unmarshal(raw, &doc)
		}
		if err != nil {
			return nil, fmt.Errorf("record into %s: %s: %w", dir, name, err)
		}
		for _, r := range doc.Data {
			r.Meta = nil
			into[r.ID] = r
		}
	}
	if err := rec.writeRecords(); err != nil {
		return nil, err
	}
	return rec, nil
}

// Dir is the directory recorded into.
func (rec *Recorder) Dir() string { return rec.dir }

// Exchange is one answer of the upstream on the contract's routes.
type Exchange struct {
	Status int
	Header http.Header
	Body   []byte
	// Deleted is the id of the stage a successful DELETE removed, or 0.
	Deleted int64
	// Secrets are the credentials the request carried (journal.RequestSecrets); they are
	// masked wherever the answer repeats them, however it encodes them.
	Secrets []string
}

// Record keeps what the exchange shows: a distinct error answer, or the records of a
// successful one. Nothing it writes holds one of the exchange's secrets.
func (rec *Recorder) Record(x Exchange) {
	body := bytes.Clone(journal.Mask(x.Body, x.Secrets))
	retryAfter := journal.MaskString(x.Header.Get("Retry-After"), x.Secrets)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var changed bool
	switch {
	case x.Status >= 400:
		rec.recordError(x.Status, retryAfter, body)
		return
	case x.Status < 200 || x.Status >= 300:
		return
	case x.Deleted != 0:
		_, changed = rec.stages[x.Deleted]
		delete(rec.stages, x.Deleted)
	case len(body) > 0:
		changed = rec.merge(body)
	}
	if changed {
		if err := rec.writeRecords(); err != nil {
			rec.logger.Error("recording failed", "dir", rec.dir, "error", err)
		}
	}
}

// recordError writes an error answer as errors/NAME.json unless an equal one is there;
// an answer that shares a name with a different one gets a numbered name.
func (rec *Recorder) recordError(status int, retryAfter string, body []byte) {
	var doc struct {
		Errors []struct {
			ID string `json:"id"`
		} `json:"errors"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		rec.logger.Warn("upstream error answer is not a JSON object; not recorded", "status", status)
		return
	}
	label := ""
	switch {
	case len(doc.Errors) > 0 && doc.Errors[0].ID != "":
		label = fileSafe(doc.Errors[0].ID)
	case doc.Error != "":
		label = camel(doc.Error)
	}
	if label == "" {
		label = "error"
	}
	fx := fixtures.ErrorResponse{Status: status, Body: body}
	if retryAfter != "" {
		fx.Headers = map[string]string{"Retry-After": retryAfter} // the rate-limit headers are the mock's own on replay
	}
	raw, err := json.MarshalIndent(fx, "", "  ")
	if err == nil {
		fx, err = fixtures.ParseErrorResponse(raw)
	}
	if err != nil {
		rec.logger.Warn("upstream error answer cannot be replayed; not recorded", "status", status, "error", err)
		return
	}
	base := strconv.Itoa(status) + "-" + label
	for n := 1; n <= maxVariants; n++ {
		name := base
		if n > 1 {
			name = base + "-" + strconv.Itoa(n)
		}
		known, ok := rec.errors[name]
		if ok && sameError(known, fx) {
			return
		}
		if ok {
			continue
		}
		if err := atomicfile.Write(filepath.Join(rec.dir, "errors", name+".json"), append(raw, '\n')); err != nil {
			rec.logger.Error("recording failed", "dir", rec.dir, "error", err)
			return
		}
		fx.Name = name
		rec.errors[name] = fx
		rec.logger.Info("recorded upstream error", "name", name, "status", status)
		return
	}
	rec.logger.Warn("too many different answers share one name; not recorded", "name", base)
}

func sameError(a, b fixtures.ErrorResponse) bool {
	return a.Status == b.Status && maps.Equal(a.Headers, b.Headers) && bytes.Equal(a.Body, b.Body)
}

// fileSafe keeps the characters a fixture name may have.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-", r)) {
			return r
		}
		return -1
	}, s)
	s = strings.TrimLeft(s, ".")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// camel names an answer from its message: "Invalid JWT token." becomes invalidJWTToken.
func camel(msg string) string {
	words := strings.FieldsFunc(msg, func(r rune) bool { return r >= unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var b strings.Builder
	for i, w := range words {
		if i == 0 {
			b.WriteString(strings.ToLower(w[:1]) + w[1:])
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return fileSafe(b.String())
}

// incoming is a resource object as the upstream sent it.
type incoming struct {
	Type          string                     `json:"type"`
	ID            json.RawMessage            `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data json.RawMessage `json:"data"`
	} `json:"relationships"`
}

// merge takes the stages and users of a successful answer: complete ones become records,
// partial ones (sparse fieldsets) update records already known. It reports a change.
func (rec *Recorder) merge(body []byte) bool {
	var doc struct {
		Data     json.RawMessage   `json:"data"`
		Included []json.RawMessage `json:"included"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return false
	}
	var objects []json.RawMessage
	if err := json.Unmarshal(doc.Data, &objects); err != nil {
		objects = []json.RawMessage{doc.Data}
	}
	changed := false
	for _, raw := range append(objects, doc.Included...) {
		var in incoming
		if json.Unmarshal(raw, &in) != nil {
			continue
		}
		id, err := strconv.ParseInt(string(in.ID), 10, 64)
		if err != nil || id < 1 {
			continue // not an id the mock can serve; the contract check reports it
		}
		switch in.Type {
		case oppstages.ResourceType:
			changed = rec.mergeInto(rec.stages, rec.stageAttrs, true, id, in) || changed
		case oppstages.UserType:
			changed = rec.mergeInto(rec.users, rec.userAttrs, false, id, in) || changed
		}
	}
	return changed
}

// mergeInto merges one resource object into records; stages need their creator to be
// complete, and partial stages only update known ones.
func (rec *Recorder) mergeInto(records map[int64]resource, attrs []string, isStage bool, id int64, in incoming) bool {
	known := map[string]json.RawMessage{}
	for name, v := range in.Attributes {
		if slices.Contains(attrs, name) { // attributes the contract does not know are dropped
			known[name] = v
		}
	}
	creator, hasCreator := in.Relationships["creator"]
	hasCreator = hasCreator && len(creator.Data) > 0
	complete := len(known) == len(attrs) && (!isStage || hasCreator)
	old, exists := records[id]
	next := resource{Type: in.Type, ID: id, Attributes: known}
	switch {
	case complete:
	case exists || !isStage:
		next = old
		next.Type, next.ID = in.Type, id
		next.Attributes = maps.Clone(old.Attributes)
		if next.Attributes == nil {
			next.Attributes = map[string]json.RawMessage{}
		}
		maps.Copy(next.Attributes, known)
	default:
		return false
	}
	if isStage && hasCreator {
		next.Relationships = map[string]relationship{"creator": {Data: creator.Data}}
	}
	if err := loads(next); err != nil {
		rec.logger.Warn("upstream record cannot be served; not recorded", "type", in.Type, "id", id, "error", err)
		return false
	}
	if exists && sameResource(old, next) {
		return false
	}
	records[id] = next
	return true
}

func sameResource(a, b resource) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// loads reports whether the mock's loader accepts the record.
func loads(r resource) error {
	doc, err := json.Marshal(map[string][]resource{"data": {r}})
	if err != nil {
		return err
	}
	_, err = jsonapi.DecodeRecords(doc)
	return err
}

// writeRecords writes stages.json and users.json: every complete stage, and every
// complete user plus each creator a stage names, as a placeholder when not fully seen.
func (rec *Recorder) writeRecords() error {
	stages := make([]resource, 0, len(rec.stages))
	creators := map[int64]bool{}
	for _, id := range slices.Sorted(maps.Keys(rec.stages)) {
		st := rec.stages[id]
		stages = append(stages, st)
		var ref struct {
			ID int64 `json:"id"`
		}
		if c, ok := st.Relationships["creator"]; ok && json.Unmarshal(c.Data, &ref) == nil && ref.ID > 0 {
			creators[ref.ID] = true
		}
	}
	ids := slices.Collect(maps.Keys(creators))
	for id, u := range rec.users {
		if len(u.Attributes) == len(rec.userAttrs) && !creators[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	users := make([]resource, 0, len(ids))
	for _, id := range ids {
		u, ok := rec.users[id]
		if !ok {
			u = resource{Type: oppstages.UserType, ID: id}
		}
		if len(u.Attributes) < len(rec.userAttrs) {
			u.Meta = &recordMeta{Placeholder: true}
		}
		users = append(users, u)
	}
	for name, data := range map[string][]resource{"stages.json": stages, "users.json": users} {
		raw, err := json.MarshalIndent(map[string][]resource{"data": data}, "", "  ")
		if err != nil {
			return fmt.Errorf("record %s: %w", name, err)
		}
		if err := atomicfile.Write(filepath.Join(rec.dir, name), append(raw, '\n')); err != nil {
			return fmt.Errorf("record: %w", err)
		}
	}
	return nil
}
