package contract

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/clip"
)

// resource is a JSON:API resource object as the suite reads it.
type resource struct {
	Type  string
	ID    int64
	Attrs map[string]any
	Rels  map[string]any
	Links map[string]any
	Meta  map[string]any
	raw   map[string]any
}

func asResource(v any) (resource, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return resource{}, fmt.Errorf("resource is %T, want an object", v)
	}
	id, ok := m["id"].(float64)
	if !ok || id != float64(int64(id)) {
		return resource{}, fmt.Errorf("resource id %v is not an integer", m["id"])
	}
	r := resource{ID: int64(id), raw: m}
	r.Type, _ = m["type"].(string)
	r.Attrs, _ = m["attributes"].(map[string]any)
	r.Rels, _ = m["relationships"].(map[string]any)
	r.Links, _ = m["links"].(map[string]any)
	r.Meta, _ = m["meta"].(map[string]any)
	return r, nil
}

// one decodes the data member of a document that holds one resource.
func (rep *reply) one() (resource, error) {
	if rep.doc == nil {
		return resource{}, fmt.Errorf("answer %d has no JSON:API document", rep.status)
	}
	return asResource(rep.doc["data"])
}

// many decodes the data member of a document that holds a list of resources.
// resources are the resource objects a document holds, as decoded: its data, one or many,
// then its included.
func (rep *reply) resources() []any {
	var out []any
	switch data := rep.doc["data"].(type) {
	case map[string]any:
		out = append(out, data)
	case []any:
		out = append(out, data...)
	}
	if inc, ok := rep.doc["included"].([]any); ok {
		out = append(out, inc...)
	}
	return out
}

func (rep *reply) many() ([]resource, error) {
	if rep.doc == nil {
		return nil, fmt.Errorf("answer %d has no JSON:API document", rep.status)
	}
	list, ok := rep.doc["data"].([]any)
	if !ok {
		return nil, fmt.Errorf("data is %T, want a list", rep.doc["data"])
	}
	out := make([]resource, 0, len(list))
	for _, v := range list {
		r, err := asResource(v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (rep *reply) link(name string) string {
	links, _ := rep.doc["links"].(map[string]any)
	s, _ := links[name].(string)
	return s
}

// apiError is one member of a JSON:API document's errors, as far as the suite reads it.
type apiError struct {
	id, title, detail string
	details           string // the vendor's 415 spells its explanation so
	status            string // the member status, "" when absent
}

// errorObjects are the errors of an error document, in order; nil for any other answer.
func (rep *reply) errorObjects() []apiError {
	list, _ := rep.doc["errors"].([]any)
	out := make([]apiError, 0, len(list))
	for _, v := range list {
		m, _ := v.(map[string]any)
		var e apiError
		e.id, _ = m["id"].(string)
		e.title, _ = m["title"].(string)
		e.detail, _ = m["detail"].(string)
		e.details, _ = m["details"].(string)
		e.status, _ = m["status"].(string)
		out = append(out, e)
	}
	return out
}

func (rep *reply) firstErrorID() string {
	errs, _ := rep.doc["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	id, _ := e["id"].(string)
	return id
}

func expectStatus(rep *reply, want int, what string) error {
	if rep.status != want {
		return fmt.Errorf("%s: status %d, want %d\n%s", what, rep.status, want, clip.To(string(rep.body), 600))
	}
	return nil
}

// get sends a GET and requires a 200.
func (s *session) get(ctx context.Context, path string) (*reply, error) {
	rep, err := s.do(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	return rep, expectStatus(rep, http.StatusOK, "GET "+path)
}

// page sends a GET for a list, requires a 200 and decodes its records.
func (s *session) page(ctx context.Context, path string) ([]resource, *reply, error) {
	rep, err := s.get(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	recs, err := rep.many()
	return recs, rep, err
}

// relative turns a link from the target into a path below the API root, whatever host
// the target put in it.
func (s *session) relative(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", link, err)
	}
	base := serverPath(s.api)
	p, ok := strings.CutPrefix(u.Path, base)
	if !ok {
		return "", fmt.Errorf("link %q is not below %s", link, base)
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p, nil
}

// walkLimit bounds a walk, so that a server that ignores cursors cannot loop forever.
const walkLimit = 400

// smallPage is a page size that walks n records in many small pages, at least three to a
// page but never more than about a hundred pages, well inside walkLimit however many
// records the target holds.
func smallPage(n int) int { return max(3, n/100+1) }

// walk follows links.next from the first page of query and returns every record in order.
// A record seen twice, a page over the size, or a walk that does not end is an error.
func (s *session) walk(ctx context.Context, query url.Values, size int) ([]resource, int, error) {
	q := cloneQuery(query)
	q.Set("page[size]", fmt.Sprint(size))
	first, err := s.get(ctx, "/opportunityStages?"+q.Encode())
	if err != nil {
		return nil, 1, err
	}
	return s.walkFrom(ctx, first, size)
}

// walkFrom is walk from a first page already received; size 0 leaves the page size
// unchecked, for a walk at the target's default.
func (s *session) walkFrom(ctx context.Context, rep *reply, size int) ([]resource, int, error) {
	var all []resource
	seen := map[int64]bool{}
	for pages := 1; ; pages++ {
		page, err := rep.many()
		if err != nil {
			return nil, pages, err
		}
		if size > 0 && len(page) > size {
			return nil, pages, fmt.Errorf("page %d holds %d records, more than page[size]=%d", pages, len(page), size)
		}
		for _, r := range page {
			if seen[r.ID] {
				return nil, pages, fmt.Errorf("record %d appears twice in a cursor walk (page %d)", r.ID, pages)
			}
			seen[r.ID] = true
		}
		all = append(all, page...)
		next := rep.link("next")
		if next == "" {
			return all, pages, nil
		}
		if len(page) == 0 {
			return nil, pages, fmt.Errorf("page %d is empty but has a next link", pages)
		}
		if pages >= walkLimit {
			return nil, pages, fmt.Errorf("the walk did not end after %d pages", pages)
		}
		path, err := s.relative(next)
		if err != nil {
			return nil, pages, err
		}
		if rep, err = s.get(ctx, path); err != nil {
			return nil, pages + 1, err
		}
	}
}

func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

func ids(rs []resource) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func sortedIDs(rs []resource) []int64 {
	out := ids(rs)
	slices.Sort(out)
	return out
}

// compareValues orders two attribute values of one kind; fold compares strings without
// case, for servers whose collation ignores it. ok is false for values of different kinds.
func compareValues(a, b any, fold bool) (int, bool) {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		if !ok {
			return 0, false
		}
		ta, errA := time.Parse(time.RFC3339Nano, a)
		tb, errB := time.Parse(time.RFC3339Nano, b)
		if errA == nil && errB == nil {
			return ta.Compare(tb), true
		}
		if fold {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b)), true
		}
		return strings.Compare(a, b), true
	case float64:
		b, ok := b.(float64)
		return cmp.Compare(a, b), ok
	case bool:
		b, ok := b.(bool)
		return cmp.Compare(rank(a), rank(b)), ok
	}
	return 0, false
}

func rank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// value is a member of a record used as a sort or filter key; id is the resource id.
func (r resource) value(key string) any {
	if key == "id" {
		return float64(r.ID)
	}
	return r.Attrs[key]
}

// printable is a JSON value with every integral number in int64's range as an int64, so
// that messages and diffs print ids and values of a million or more as integers rather
// than in scientific notation. Equal values stay equal.
func printable(v any) any {
	switch v := v.(type) {
	case float64:
		if n, ok := integer(v); ok && math.Abs(v) < 1<<63 {
			return n
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = printable(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = printable(e)
		}
		return out
	}
	return v
}

// show writes a JSON value for a message, integers as integers.
func show(v any) string {
	if f, ok := printable(v).(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(printable(v))
}

// printableMaps is printable for a list of objects.
func printableMaps(ms []map[string]any) []any {
	if ms == nil {
		return nil
	}
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = printable(m)
	}
	return out
}
