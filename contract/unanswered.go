package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"time"
)

// unansweredCreate is a create the run sent and got no answer to: interrupted, timed out,
// or cut off. The target may have stored it all the same, so the clean-up looks for it.
type unansweredCreate struct {
	attrs map[string]any // the attributes as sent
	sent  time.Time
}

// noteUnanswered remembers a create that got no answer, when its body names the record
// well enough to be found again (a name).
func (s *session) noteUnanswered(req request, sent time.Time) {
	if req.method != http.MethodPost || req.path != "/opportunityStages" {
		return
	}
	var doc struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if json.Unmarshal([]byte(req.body), &doc) != nil {
		return
	}
	if name, ok := doc.Data.Attributes["name"].(string); !ok || name == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unanswered = append(s.unanswered, unansweredCreate{attrs: doc.Data.Attributes, sent: sent})
}

// cleanUnanswered looks, for every create that got no answer, for the record the target
// may have stored: one with the name sent (filter[name]), every attribute as sent, made no
// earlier than the create was sent (give or take clockSkew) and not a record the run saw
// otherwise. It deletes what it finds and returns what it could not look for or delete.
func (s *session) cleanUnanswered(ctx context.Context) []string {
	s.mu.Lock()
	pending := s.unanswered
	s.unanswered = nil
	s.mu.Unlock()
	var left []string
	for _, c := range pending {
		name := c.attrs["name"].(string)
		// A create cut off a moment ago may still be on its way into the target's store:
		// when the first look finds nothing, a second one follows a second later.
		var found []resource
		var err error
		for look := 0; look < 2 && err == nil && len(found) == 0; look++ {
			if look > 0 {
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
			found, err = s.lookFor(ctx, c)
		}
		if err != nil {
			left = append(left, fmt.Sprintf("a create of %q got no answer, and the run could not look for the record: %v", name, err))
			continue
		}
		for _, r := range found {
			s.track(r.ID)
			del, err := s.do(ctx, request{method: http.MethodDelete, path: fmt.Sprintf("/opportunityStages/%d", r.ID)})
			if err != nil || (del.status != http.StatusNoContent && del.status != http.StatusNotFound) {
				continue // the tracked id is reported by the clean-up of tracked records
			}
			s.forget(r.ID)
		}
	}
	return left
}

// lookFor returns the records that can be the one the unanswered create c stored.
func (s *session) lookFor(ctx context.Context, c unansweredCreate) ([]resource, error) {
	path := "/opportunityStages?page[size]=50&" + url.QueryEscape("filter[name]") + "=" + url.QueryEscape(c.attrs["name"].(string))
	rep, err := s.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	if rep.status != http.StatusOK {
		return nil, fmt.Errorf("GET %s answered %d", path, rep.status)
	}
	all, err := rep.many()
	if err != nil {
		return nil, err
	}
	var found []resource
	for _, r := range all {
		if s.mayBeUnanswered(r, c) {
			found = append(found, r)
		}
	}
	return found, nil
}

// mayBeUnanswered says whether r can be the record an unanswered create c stored.
func (s *session) mayBeUnanswered(r resource, c unansweredCreate) bool {
	s.mu.Lock()
	seen := s.made[r.ID]
	s.mu.Unlock()
	if seen {
		return false
	}
	for k, want := range c.attrs {
		if !reflect.DeepEqual(r.Attrs[k], normalJSON(want)) {
			return false
		}
	}
	made, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r.Attrs["createdAt"]))
	return err == nil && !made.Before(c.sent.Add(-clockSkew))
}

// normalJSON is v as it reads back from a JSON document: numbers as float64.
func normalJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}
