package mock

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
)

// render builds the resource renderer for a request from its parsed parameters; a value,
// so that it stays on the stack.
func (s *Server) render(x *exchange) jsonapi.Render {
	l := x.list
	return jsonapi.Render{
		BaseURL:      s.baseURL(x.r),
		StageFields:  l.StageFields,
		UserFields:   l.UserFields,
		AuthzMeta:    l.AuthzMeta,
		CanWrite:     x.who.canWrite(),
		CanDelete:    x.who.canDelete(),
		DataConnMeta: l.DataConnMeta,
	}
}

func (s *Server) list(x *exchange) response {
	l := x.list
	st := x.box.store()
	page := st.List(l)
	render := s.render(x)

	var included []oppstages.User
	if l.IncludeCreator {
		included = []oppstages.User{}
		seen := map[int64]bool{}
		for _, stage := range page.Stages {
			if stage.CreatorID == 0 || seen[stage.CreatorID] {
				continue
			}
			seen[stage.CreatorID] = true
			if u, err := st.User(stage.CreatorID); err == nil {
				included = append(included, u)
			}
		}
	}

	self := render.BaseURL + x.r.URL.Path
	values := cloneValues(x.query)
	values.Del("page[after]")
	values.Del("page[before]")
	if l.Offset != nil {
		links := offsetLinks(self, values, *l.Offset, page.Count)
		meta := jsonapi.ListMeta{Counted: l.Count, Count: page.Count, Truncated: page.CountTruncated}
		return document(http.StatusOK, render.ListDocument(nil, page.Stages, included, links, meta))
	}
	links := jsonapi.Links{First: withQuery(self, values)}
	if page.HasNext && len(page.Stages) > 0 {
		next := cloneValues(values)
		next.Set("page[after]", s.cursors.Encode(l.Sort.PositionOf(&page.Stages[len(page.Stages)-1])))
		links.Next = withQuery(self, next)
	}
	if page.HasPrev && len(page.Stages) > 0 {
		prev := cloneValues(values)
		prev.Set("page[before]", s.cursors.Encode(l.Sort.PositionOf(&page.Stages[0])))
		links.Prev = withQuery(self, prev)
	}
	meta := jsonapi.ListMeta{Counted: l.Count, Count: page.Count, Truncated: page.CountTruncated}
	return document(http.StatusOK, render.ListDocument(nil, page.Stages, included, links, meta))
}

// listOpportunities answers the link in every stage's opportunities relationship. The
// mock knows no opportunities, so every stage's list is empty, and links.first is the
// request without its cursor.
func (s *Server) listOpportunities(x *exchange) response {
	first := url.Values{}
	for name, values := range x.query {
		if name != "page[after]" && name != "page[before]" {
			first[name] = values
		}
	}
	doc := struct {
		Data  []struct{}        `json:"data"`
		Links map[string]string `json:"links"`
		Meta  map[string]any    `json:"meta,omitempty"`
	}{
		Data:  []struct{}{},
		Links: map[string]string{"first": withQuery(s.baseURL(x.r)+x.r.URL.Path, first)},
	}
	if count, _ := strconv.ParseBool(x.query.Get("count")); count {
		doc.Meta = map[string]any{"count": 0, "count_truncated": false}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
	}
	return document(http.StatusOK, body)
}

func (s *Server) get(x *exchange) response {
	st := x.box.store()
	stage, err := st.Get(x.id)
	if err != nil {
		return failWith(err)
	}
	var creator *oppstages.User
	if x.list.IncludeCreator && stage.CreatorID != 0 {
		if u, err := st.User(stage.CreatorID); err == nil {
			creator = &u
		}
	}
	render := s.render(x)
	return document(http.StatusOK, render.StageDocument(nil, &stage, creator))
}

func (s *Server) create(x *exchange) response {
	req, err := jsonapi.WriteFrom(x.doc)
	if err != nil {
		return fail(err)
	}
	if req.ID != nil {
		return fail(oppstages.Errorf(oppstages.CodeValidationError, "Client-generated ids are not supported.").AtPointer("/data/id"))
	}
	st := x.box.store()
	if st.Len() >= s.opts.MaxStages {
		return fail(oppstages.Errorf(oppstages.CodeValidationError,
			"This mock holds at most %d stages per sandbox; delete some or reset the sandbox.", s.opts.MaxStages).AtPointer("/data"))
	}
	stage, cerr := st.Create(req.Attrs, s.creatorID, s.now())
	if errors.Is(cerr, store.ErrOverBudget) {
		return fail(s.stateBudgetError())
	} else if cerr != nil {
		return s.failWrite(cerr)
	}
	render := s.render(x)
	return document(http.StatusCreated, render.StageDocument(nil, &stage, nil))
}

// stateBudgetError answers a write that MaxStateBytesTotal has no room for.
func (s *Server) stateBudgetError() *oppstages.Error {
	return oppstages.Errorf(oppstages.CodeValidationError,
		"This mock's named sandboxes together hold at most %d bytes of stages beyond the seed (MaxStateBytesTotal); delete some or reset a sandbox.",
		s.opts.MaxStateBytesTotal).AtPointer("/data")
}

func (s *Server) update(x *exchange) response {
	req, err := jsonapi.WriteFrom(x.doc)
	if err != nil {
		return fail(err)
	}
	if req.ID == nil || *req.ID != x.id {
		got := "none"
		if req.ID != nil {
			got = strconv.FormatInt(*req.ID, 10)
		}
		return fail(oppstages.Errorf(oppstages.CodeConflict,
			"The id '%s' in the document does not match the id '%d' in the path.", got, x.id).AtPointer("/data/id"))
	}
	stage, uerr := x.box.store().Update(x.id, req.Attrs, s.now())
	if errors.Is(uerr, store.ErrOverBudget) {
		return fail(s.stateBudgetError())
	} else if uerr != nil {
		return s.failWrite(uerr)
	}
	render := s.render(x)
	return document(http.StatusOK, render.StageDocument(nil, &stage, nil))
}

func (s *Server) delete(x *exchange) response {
	if err := x.box.store().Delete(x.id); err != nil {
		return s.failWrite(err)
	}
	return noContent()
}

func (s *Server) getUser(x *exchange) response {
	u, err := x.box.store().User(x.id)
	if err != nil {
		return failWith(err)
	}
	render := s.render(x)
	return document(http.StatusOK, render.UserDocument(nil, &u))
}

// apiRoot answers the API root, which connectors call to check a connection, with links
// to the collections the mock serves.
func (s *Server) apiRoot(x *exchange) response {
	base := s.baseURL(x.r) + "/api/v2"
	type links struct {
		Self              string `json:"self"`
		OpportunityStages string `json:"opportunityStages"`
		Opportunities     string `json:"opportunities"`
	}
	body, _ := json.Marshal(struct {
		Links links             `json:"links"`
		Meta  map[string]string `json:"meta"`
	}{links{base, base + "/opportunityStages", base + "/opportunities"}, map[string]string{"version": "v2"}})
	return document(http.StatusOK, body)
}

// standsInForUpstream reports whether an operation only stands in for the real API's:
// with an upstream to ask, the upstream answers it.
func standsInForUpstream(operationID string) bool {
	return operationID == "listOpportunities" || operationID == "getApiRoot"
}

// failWrite answers a failed write. A write that could not be made durable is logged and
// answered 500, so that it is never acknowledged.
func (s *Server) failWrite(err error) response {
	if _, ok := errors.AsType[*oppstages.Error](err); !ok {
		s.opts.Logger.Error("write failed", "error", err)
	}
	return failWith(err)
}

// failWith answers a store error: its own code when it has one, else a 500.
func failWith(err error) response {
	if e, ok := errors.AsType[*oppstages.Error](err); ok {
		return fail(e)
	}
	return fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
}
