package contract

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// The resource links of every answer the run reads (each resource's links.self and its
// relationships' links.related, and a document's links other than the pages') are kept,
// each path once, and links/followed follows every one the run has not fetched already:
// links.self and the related link of a to-one relationship must lead to the resource they
// name, the related link of a links-only relationship to a list, and any other link to a
// 200. A link of a stage the run created is left out: the run deletes those stages; so is
// one the token lacks the scope for (the vendor's 403 unauthorizedOauthScope).

// maxFollowed bounds the links links/followed follows, so that a target with many records
// cannot make it send without end; the links come in the order the run first saw them.
const maxFollowed = 1000

// linkLedger is every resource link the run saw and what every GET of the run answered.
type linkLedger struct {
	seen    map[string]seenLink // by path below the API root
	order   []string            // the paths in the order first seen
	answers map[string]answered // what each GET answered, by path
}

// seenLink is a link as first seen, with what it must lead to.
type seenLink struct {
	link, where string
	wantType    string // the type of the resource it names; "" for a link that names none
	wantID      int64
	list        bool // the related link of a links-only relationship: it leads to a list
}

// answered is what a GET answered, as far as a link that led to it is judged.
type answered struct {
	status   int
	dataType string // the type and id of a document's one resource
	dataID   int64
	list     bool // the document's data is a list
	// outOfScope says the answer is the vendor's 403 for a token without the scope the
	// path needs (opportunities.read, say): the link cannot be judged with this token.
	outOfScope bool
}

// remember keeps what a GET answered and the resource links its document carries.
func (s *session) remember(req request, rep *reply) {
	if req.method != http.MethodGet || req.noToken || req.header.Get("Prefer") != "" {
		return
	}
	l := &s.links
	if l.answers == nil {
		l.answers, l.seen = map[string]answered{}, map[string]seenLink{}
	}
	a := answered{status: rep.status, outOfScope: rep.status == http.StatusForbidden && rep.firstErrorID() == errorMissingScope.id}
	switch data := rep.doc["data"].(type) {
	case []any:
		a.list = true
	case map[string]any:
		if r, err := asResource(data); err == nil {
			a.dataType, a.dataID = r.Type, r.ID
		}
	}
	l.answers[req.path] = a
	if rep.status != http.StatusOK || rep.doc == nil {
		return
	}
	from := fmt.Sprintf("GET %s", readable(req.shown()))
	add := func(link string, seen seenLink) {
		if link == "" || s.notOnTarget(link) != "" {
			return // foreignLinks reports a link that does not lead to the target
		}
		path, err := s.relative(link)
		if err != nil {
			return
		}
		if _, ok := l.seen[path]; !ok {
			seen.link = link
			l.seen[path] = seen
			l.order = append(l.order, path)
		}
	}
	docLinks, _ := rep.doc["links"].(map[string]any)
	for name, v := range docLinks {
		if link, ok := v.(string); ok && !slices.Contains(linkNames, name) {
			add(link, seenLink{where: fmt.Sprintf("the document's links.%s in %s", name, from)})
		}
	}
	for _, v := range rep.resources() {
		r, err := asResource(v)
		if err != nil {
			continue
		}
		if self, ok := r.Links["self"].(string); ok {
			add(self, seenLink{where: fmt.Sprintf("links.self of %s %d in %s", r.Type, r.ID, from), wantType: r.Type, wantID: r.ID})
		}
		for name, rel := range r.Rels {
			relObj, _ := rel.(map[string]any)
			links, _ := relObj["links"].(map[string]any)
			related, ok := links["related"].(string)
			if !ok {
				continue
			}
			seen := seenLink{where: fmt.Sprintf("links.related of %s %d's %s in %s", r.Type, r.ID, name, from)}
			switch data := relObj["data"].(type) {
			case map[string]any:
				if named, err := asResource(data); err == nil {
					seen.wantType, seen.wantID = named.Type, named.ID
				}
			case nil:
				_, hasData := relObj["data"]
				seen.list = !hasData
			}
			add(related, seen)
		}
	}
}

// checkLinksFollowed follows every resource link the run saw, after a page with included
// creators of its own so that it has links to follow when it runs alone; each stage and
// included user on that page must have links.self.
func checkLinksFollowed(ctx context.Context, s *session) error {
	page, rep, err := s.page(ctx, "/opportunityStages?page%5Bsize%5D=5&include=creator")
	if err != nil {
		return err
	}
	if len(page) == 0 {
		return emptyTarget()
	}
	included, _ := rep.doc["included"].([]any)
	for _, v := range append(slices.Clone(rep.doc["data"].([]any)), included...) {
		r, err := asResource(v)
		if err != nil {
			return err
		}
		if self, _ := r.Links["self"].(string); self == "" {
			return fmt.Errorf("%s %d has no links.self", r.Type, r.ID)
		}
	}
	var problems found
	wrong, followed := 0, 0
	for i, path := range s.links.order {
		if i >= maxFollowed || ctx.Err() != nil {
			break
		}
		seen := s.links.seen[path]
		if seen.wantType == "opportunityStage" && s.made[seen.wantID] {
			continue
		}
		a, ok := s.links.answers[path]
		if !ok {
			if _, err := s.do(ctx, request{method: http.MethodGet, path: path}); err != nil {
				return err
			}
			a = s.links.answers[path]
		}
		followed++
		if problem := seen.ledTo(path, a); problem != "" {
			if wrong++; wrong <= maxShown {
				problems = append(problems, Problem{Message: problem})
			}
		}
	}
	if wrong > maxShown {
		problems = append(problems, Problem{Message: fmt.Sprintf("and %d more of the %d links followed lead elsewhere", wrong-maxShown, followed)})
	}
	return problems.orNil()
}

// ledTo says how the answer a link led to is not what the link names, or "".
func (l seenLink) ledTo(path string, a answered) string {
	lead := fmt.Sprintf("%s, %s, leads to GET %s", l.where, readable(l.link), readable(path))
	switch {
	case a.outOfScope:
	case a.status != http.StatusOK:
		return fmt.Sprintf("%s, which answered %d", lead, a.status)
	case l.wantType != "" && (a.dataType != l.wantType || a.dataID != l.wantID):
		return fmt.Sprintf("%s, which holds %s %d rather than %s %d", lead, orNone(a.dataType), a.dataID, l.wantType, l.wantID)
	case l.list && !a.list:
		return fmt.Sprintf("%s, which is no list", lead)
	}
	return ""
}

func orNone(typ string) string {
	if typ == "" {
		return "no resource"
	}
	return typ
}
