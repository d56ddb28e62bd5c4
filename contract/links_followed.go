package contract

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Every pagination link of a walk is followed once, and must lead where the walk says:
// links.first to the walk's first page, links.prev to the page before (whose links.next
// leads back), links.last to the walk's last page; next is the walk itself. The links that
// must be absent are: prev on the first page (JSON:API omits a link to a page that does
// not exist), next on the last (a link to an empty page), and the other kind of pages'
// parameters (page[offset] and page[limit] on cursor pages, page[after], page[before] and
// page[size] on offset pages).

// followedLinks are the links of a page followed besides next.
var followedLinks = []string{"first", "prev", "last"}

// followWalk fetches the pages the walk's links lead to, each path once per corpus: the
// targets of first, prev and last, and the page links.next of each prev target leads back
// to, unless that is the walk's own page.
func (s *session) followWalk(ctx context.Context, c *corpus, w *walked) error {
	follow := func(path string) (*walkedPage, error) {
		if path == "" {
			return nil, nil
		}
		if p, ok := c.pages[path]; ok {
			return p, nil
		}
		p, err := s.fetchPage(ctx, c, path)
		if err == nil {
			w.followed = append(w.followed, p.exchange)
		}
		return p, err
	}
	for i, p := range w.pages {
		for _, name := range followedLinks {
			target, err := follow(p.paths[name])
			if err != nil {
				return err
			}
			if name == "prev" && i > 0 && target != nil && target.broke == "" && target.paths["next"] != p.path {
				if _, err := follow(target.paths["next"]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cursorParams are the parameters of cursor pages, offsetParams those of offset pages: a
// link of one kind of page carries none of the other's.
var (
	cursorParams = []string{"page[after]", "page[before]", "page[size]"}
	offsetParams = []string{"page[offset]", "page[limit]"}
)

// judgeLinksFollowed: the links that must be absent are, and each link followed leads to
// the page of the walk it names, records and order alike.
func judgeLinksFollowed(c *corpus, want []resource, w *walked) *violation {
	for i, p := range w.pages {
		where := fmt.Sprintf("page %d (GET %s)", i+1, readable(p.path))
		if i == 0 && p.links["prev"] != "" {
			return &violation{problem: fmt.Sprintf("the first page (GET %s) has links.prev %s: no page comes before the first", readable(p.path), readable(p.links["prev"]))}
		}
		if i > 0 && len(p.recs) == 0 {
			return &violation{problem: fmt.Sprintf("page %d held the last records but has links.next, which leads to an empty page (GET %s)", i, readable(p.path))}
		}
		for _, name := range linkNames {
			if v := wrongKindOfPage(w, where, name, p.links[name]); v != nil {
				return v
			}
		}
		for _, name := range followedLinks {
			path := p.paths[name]
			if path == "" {
				continue
			}
			var expected walkedPage
			switch {
			case name == "first":
				expected = w.pages[0]
			case name == "prev" && i > 0:
				expected = w.pages[i-1]
			case name == "last" && w.broke == "":
				expected = w.pages[len(w.pages)-1]
			default:
				continue
			}
			if v := leadsTo(c, where, name, path, expected); v != nil {
				return v
			}
			target := c.pages[path]
			switch {
			case name == "first" && target.links["prev"] != "":
				return &violation{problem: fmt.Sprintf("links.first of %s leads to a page with links.prev %s", where, readable(target.links["prev"]))}
			case name == "prev" && target.paths["next"] == "":
				return &violation{problem: fmt.Sprintf("links.prev of %s leads to a page with no links.next back", where)}
			case name == "prev" && target.paths["next"] != p.path:
				if v := leadsTo(c, fmt.Sprintf("the page links.prev of %s leads to", where), "next", target.paths["next"], p); v != nil {
					return v
				}
			}
		}
	}
	return nil
}

// leadsTo judges the page a link of a page led to against the walk's page it must be.
func leadsTo(c *corpus, where, name, path string, expected walkedPage) *violation {
	target, ok := c.pages[path]
	if !ok {
		return nil // not followed: the link is not on the target, which foreignLinks reports
	}
	if target.broke != "" {
		return &violation{problem: fmt.Sprintf("links.%s of %s does not lead to a page: %s", name, where, target.broke)}
	}
	if diff := cmp.Diff(ids(expected.recs), ids(target.recs), cmpopts.EquateEmpty()); diff != "" {
		return &violation{problem: fmt.Sprintf("links.%s of %s leads to GET %s, which holds other records than the walk's page (GET %s); ids in order",
			name, where, readable(path), readable(expected.path)), diff: diff}
	}
	return nil
}

// wrongKindOfPage reports a link that carries a parameter of the other kind of pages.
func wrongKindOfPage(w *walked, where, name, link string) *violation {
	if link == "" {
		return nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil // property/links reports it
	}
	foreign, kind := offsetParams, "cursor"
	if w.offset {
		foreign, kind = cursorParams, "offset"
	}
	q := u.Query()
	if i := slices.IndexFunc(foreign, q.Has); i >= 0 {
		return &violation{problem: fmt.Sprintf("links.%s of %s, a walk of %s pages, carries %s: %s", name, where, kind, foreign[i], readable(link))}
	}
	return nil
}
