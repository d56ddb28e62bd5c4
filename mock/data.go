package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
	"github.com/oppstages/oppstages/internal/validation"
)

// The typed data API: a Go test seeds a server with Options.Stages and Options.Users,
// and reads and writes a sandbox's stages as oppstages.Stage values, without JSON:API.

// Len is the number of stages in the default sandbox.
func (s *Server) Len() int { return s.main.store().Len() }

// Len is the number of stages the sandbox holds.
func (h *Sandbox) Len() int { return h.box().store().Len() }

// Stage returns the stage with the id; a stage the sandbox does not hold is ErrNotFound.
// The stage is a copy: changing it changes nothing in the sandbox.
func (h *Sandbox) Stage(id int64) (oppstages.Stage, error) {
	st, err := h.box().store().Get(id)
	if err != nil {
		return oppstages.Stage{}, fmt.Errorf("stage %d: %w", id, ErrNotFound)
	}
	return detach(st), nil
}

// List returns copies of the sandbox's stages, in id order.
func (h *Sandbox) List() []oppstages.Stage {
	stages, _, _ := h.box().store().Snapshot()
	out := make([]oppstages.Stage, len(stages))
	for i, st := range stages {
		out[i] = detach(st)
	}
	return out
}

// Put stores each stage under its id, in place of the stage the sandbox holds with that
// id or as a new one; of two stages with one id, the later stays. A zero CreatedAt
// becomes now and a zero UpdatedAt the CreatedAt; timestamps are kept in UTC to the
// millisecond, as the API keeps them. Ids up to the largest put are not given out by
// later creates.
//
// Each stage is checked first, as the API checks a create: its attributes must pass
// openapi.yaml (a stage the API would answer with 422 is refused here), its id must be
// from 1 to oppstages.MaxID, its creator 0 or one of the sandbox's users, and its
// timestamps must be ones the API can write. A refused stage is ErrInvalid (an
// *InputError naming the Stage field) and stores none of them; so is ErrLimit, for
// stages beyond MaxStages or MaxStateBytesTotal. Any other error is a state file that
// could not be written. Put keeps copies: changing a stage afterwards changes nothing in
// the sandbox.
func (h *Sandbox) Put(stages ...oppstages.Stage) error {
	st := h.box().store()
	check := stageCheck{validator: h.srv.validator, now: h.srv.now(), isUser: func(id int64) bool {
		_, err := st.User(id)
		return err == nil
	}}
	checked := make([]oppstages.Stage, len(stages))
	added := map[int64]bool{}
	for i, stage := range stages {
		c, err := check.stage(stage)
		if err != nil {
			return err
		}
		checked[i] = c
		if _, err := st.Get(c.ID); err != nil {
			added[c.ID] = true
		}
	}
	if n := st.Len() + len(added); n > h.srv.opts.MaxStages {
		return fmt.Errorf("a sandbox holds at most %d stages (MaxStages), and these would make it %d: %w", h.srv.opts.MaxStages, n, ErrLimit)
	}
	err := st.Put(checked...)
	if errors.Is(err, store.ErrOverBudget) {
		return fmt.Errorf("named sandboxes together hold at most %d bytes of records beyond the seed (MaxStateBytesTotal), and these stages do not fit; reset or replace other sandboxes first: %w",
			h.srv.opts.MaxStateBytesTotal, ErrLimit)
	}
	return err
}

// seedData puts Options.Stages and Options.Users, each when set, in place of the
// fixtures' stages and users, checked as Put checks them; when only Users is set, the
// fixtures' stages must name creators among them.
func seedData(data fixtures.Data, opts Options, v *validation.Validator) (fixtures.Data, error) {
	if opts.Stages == nil && opts.Users == nil {
		return data, nil
	}
	now := opts.Clock().UTC()
	if opts.Users != nil {
		users, err := checkUsers(opts.Users, now)
		if err != nil {
			return fixtures.Data{}, fmt.Errorf("options: Users: %w", err)
		}
		data.Users = users
	}
	known := make(map[int64]bool, len(data.Users))
	for _, u := range data.Users {
		known[u.ID] = true
	}
	check := stageCheck{validator: v, now: now, isUser: func(id int64) bool { return known[id] }}
	given := opts.Stages != nil
	if given {
		data.Stages = opts.Stages
	}
	stages := make([]oppstages.Stage, len(data.Stages))
	seen := make(map[int64]bool, len(data.Stages))
	for i, st := range data.Stages {
		var err error
		if given {
			st, err = check.stage(st)
		} else {
			err = check.creator(st)
		}
		if err == nil && seen[st.ID] {
			err = fmt.Errorf("stage %d: %w", st.ID, &InputError{Field: "ID", Reason: "is taken by an earlier stage"})
		}
		if err != nil {
			return fixtures.Data{}, fmt.Errorf("options: Stages: %w", err)
		}
		seen[st.ID] = true
		stages[i] = st
	}
	data.Stages = stages
	return data, nil
}

// checkUsers checks users for a seed: ids from 1 to oppstages.MaxID, each once, text in
// UTF-8; a zero CreatedAt becomes now and a zero UpdatedAt the CreatedAt.
func checkUsers(users []oppstages.User, now time.Time) ([]oppstages.User, error) {
	out := make([]oppstages.User, len(users))
	seen := make(map[int64]bool, len(users))
	for i, u := range users {
		refuse := func(field, reason string) error {
			return fmt.Errorf("user %d: %w", u.ID, &InputError{Field: field, Reason: reason})
		}
		switch {
		case u.ID < 1 || u.ID > oppstages.MaxID:
			return nil, refuse("ID", fmt.Sprintf("must be from 1 to %d", int64(oppstages.MaxID)))
		case seen[u.ID]:
			return nil, refuse("ID", "is taken by an earlier user")
		}
		for _, text := range []struct{ field, value string }{
			{"FirstName", u.FirstName}, {"LastName", u.LastName}, {"Email", u.Email}, {"Title", u.Title}, {"Username", u.Username},
		} {
			if !utf8.ValidString(text.value) {
				return nil, refuse(text.field, "is not valid UTF-8")
			}
		}
		var bad *InputError
		if u.CreatedAt, u.UpdatedAt, bad = timestamps(u.CreatedAt, u.UpdatedAt, now); bad != nil {
			return nil, fmt.Errorf("user %d: %w", u.ID, bad)
		}
		seen[u.ID] = true
		out[i] = u
	}
	return out, nil
}

// stageCheck checks a stage given as a Go value as the API checks a create.
type stageCheck struct {
	validator *validation.Validator
	now       time.Time           // what a zero CreatedAt becomes
	isUser    func(id int64) bool // whether a creator is known
}

// stage returns st checked, its timestamps set as Put says, with values of its own
// behind its pointers; a refusal wraps an *InputError naming the field.
func (c stageCheck) stage(st oppstages.Stage) (oppstages.Stage, error) {
	st = detach(st)
	refuse := func(field, reason string) error {
		return fmt.Errorf("stage %d: %w", st.ID, &InputError{Field: field, Reason: reason})
	}
	if st.ID < 1 || st.ID > oppstages.MaxID {
		return oppstages.Stage{}, refuse("ID", fmt.Sprintf("must be from 1 to %d", int64(oppstages.MaxID)))
	}
	if err := c.creator(st); err != nil {
		return oppstages.Stage{}, err
	}
	for _, text := range []struct {
		field string
		value *string
	}{{"Name", st.Name}, {"Color", st.Color}} {
		if text.value != nil && !utf8.ValidString(*text.value) {
			return oppstages.Stage{}, refuse(text.field, "is not valid UTF-8")
		}
	}
	if e := c.attributes(st); e != nil {
		field := "Stage"
		if attr, ok := strings.CutPrefix(e.Pointer, "/data/attributes/"); ok && attr != "" {
			field = strings.ToUpper(attr[:1]) + attr[1:]
		}
		return oppstages.Stage{}, refuse(field, e.Detail)
	}
	var bad *InputError
	if st.CreatedAt, st.UpdatedAt, bad = timestamps(st.CreatedAt, st.UpdatedAt, c.now); bad != nil {
		return oppstages.Stage{}, fmt.Errorf("stage %d: %w", st.ID, bad)
	}
	return st, nil
}

// creator refuses a stage whose creator is not a known user.
func (c stageCheck) creator(st oppstages.Stage) error {
	if st.CreatorID != 0 && !c.isUser(st.CreatorID) {
		return fmt.Errorf("stage %d: %w", st.ID, &InputError{Field: "CreatorID", Reason: fmt.Sprintf("%d is not among the users", st.CreatorID)})
	}
	return nil
}

// attributes sends the stage's attributes through the API's own checks of a create
// body: openapi.yaml's schema, then the decoding a create does. It returns the first
// error the API would answer with.
func (c stageCheck) attributes(st oppstages.Stage) *oppstages.Error {
	body, err := json.Marshal(map[string]any{"data": map[string]any{
		"type":       oppstages.ResourceType,
		"attributes": map[string]any{"name": st.Name, "color": st.Color, "order": st.Order, "isClosed": st.IsClosed},
	}})
	if err != nil {
		return oppstages.Errorf(oppstages.CodeValidationError, "%v", err)
	}
	r, err := http.NewRequest(http.MethodPost, "/api/v2/opportunityStages", nil)
	if err != nil {
		return oppstages.Errorf(oppstages.CodeInternalServerError, "%v", err)
	}
	r.Header.Set("Content-Type", jsonapi.MediaType)
	match, rerr := c.validator.Route(r)
	if rerr != nil {
		return rerr
	}
	defer c.validator.Release(match)
	doc, errs := c.validator.Request(context.Background(), r, nil, match, body, nil)
	if len(errs) > 0 {
		return errs[0]
	}
	if _, werr := jsonapi.WriteFrom(doc); werr != nil {
		return werr
	}
	return nil
}

// timestamps sets a zero created to now and a zero updated to created, keeps both in UTC
// to the millisecond, and refuses one the API's timestamp format cannot write (a year
// past 9999).
func timestamps(created, updated, now time.Time) (time.Time, time.Time, *InputError) {
	if created.IsZero() {
		created = now
	}
	if updated.IsZero() {
		updated = created
	}
	created, updated = created.UTC().Truncate(time.Millisecond), updated.UTC().Truncate(time.Millisecond)
	for _, t := range []struct {
		field string
		value time.Time
	}{{"CreatedAt", created}, {"UpdatedAt", updated}} {
		if back, err := time.Parse(oppstages.TimeFormat, t.value.Format(oppstages.TimeFormat)); err != nil || !back.Equal(t.value) {
			return time.Time{}, time.Time{}, &InputError{Field: t.field, Reason: "must fall in the years 0 to 9999, which the API's timestamps can write"}
		}
	}
	return created, updated, nil
}

// detach returns st with values of its own behind its pointers, so that neither the
// caller nor the sandbox sees the other's later changes to them.
func detach(st oppstages.Stage) oppstages.Stage {
	st.Name = clonePointer(st.Name)
	st.Color = clonePointer(st.Color)
	st.Order = clonePointer(st.Order)
	st.IsClosed = clonePointer(st.IsClosed)
	return st
}

func clonePointer[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
