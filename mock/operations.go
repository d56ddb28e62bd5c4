package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
)

// operation is how the mock answers one operation of openapi.yaml or oauth.yaml.
type operation struct {
	// answer answers the operation from the store once the request passed every check;
	// nil for the authorization server's operations, which never reach the store.
	answer func(s *Server, x *exchange) response
	// oauth marks an operation of the authorization server (oauth.yaml): serveOAuth answers
	// it outside the API's chain, or, with the authorization server off, no one does.
	oauth bool
	// standsIn marks an operation that only stands in for the real API's (the root's
	// links, the empty opportunities list): with an upstream to ask, the upstream answers.
	standsIn bool
	// anySKU marks an operation answered with the SKU disabled too: the root is no part
	// of the SKU.
	anySKU bool
	// opportunities marks the opportunities list, whose parameters partly name
	// opportunities, which the mock does not keep: they are explained and parsed apart.
	opportunities bool
}

// operations is the dispatch table: every operation of openapi.yaml and oauth.yaml, by
// operationId, and how the mock answers it. New checks it against both documents.
func operations() map[string]operation {
	return map[string]operation{
		oppstages.OpGetAPIRoot:             {answer: (*Server).apiRoot, standsIn: true, anySKU: true},
		oppstages.OpListOpportunityStages:  {answer: (*Server).list},
		oppstages.OpCreateOpportunityStage: {answer: (*Server).create},
		oppstages.OpGetOpportunityStage:    {answer: (*Server).get},
		oppstages.OpUpdateOpportunityStage: {answer: (*Server).update},
		oppstages.OpDeleteOpportunityStage: {answer: (*Server).delete},
		oppstages.OpGetUser:                {answer: (*Server).getUser},
		oppstages.OpListOpportunities:      {answer: (*Server).listOpportunities, standsIn: true, opportunities: true},
		oppstages.OpAuthorize:              {oauth: true},
		oppstages.OpCreateToken:            {oauth: true},
	}
}

// checkOperations makes sure that table answers exactly the operations of docs: those of
// openapi.yaml from the store, those of oauth.yaml by the authorization server. An
// operation of the contract that nothing answers, or an answer to an operation the
// contract lacks, stops the server from starting instead of failing requests later.
func checkOperations(docs documents, table map[string]operation) error {
	var problems []string
	inSpec := map[string]string{} // operationId: the document that has it
	for _, d := range []struct {
		name  string
		doc   *openapi3.T
		oauth bool // the authorization server's document
	}{{"openapi.yaml", docs.api, false}, {"oauth.yaml", docs.oauth, true}} {
		for path, item := range d.doc.Paths.Map() {
			for method, op := range item.Operations() {
				if other, ok := inSpec[op.OperationID]; ok {
					problems = append(problems, fmt.Sprintf("operation %q is in both %s and %s", op.OperationID, other, d.name))
				}
				inSpec[op.OperationID] = d.name
				entry, ok := table[op.OperationID]
				answered := entry.answer != nil && !entry.oauth
				if d.oauth {
					answered = entry.oauth
				}
				if !ok || !answered {
					problems = append(problems, fmt.Sprintf("%s has operation %q (%s %s), which the mock does not answer", d.name, op.OperationID, method, path))
				}
			}
		}
	}
	for id := range table {
		if inSpec[id] == "" {
			problems = append(problems, fmt.Sprintf("the mock answers operation %q, which neither openapi.yaml nor oauth.yaml has", id))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("the mock's operations do not match openapi.yaml and oauth.yaml: %s", strings.Join(problems, "; "))
}

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
		cursor := s.cursors.Encode(l.Sort.PositionOf(&page.Stages[len(page.Stages)-1]))
		x.issueCursor(cursor)
		next.Set("page[after]", cursor)
		links.Next = withQuery(self, next)
	}
	if page.HasPrev && len(page.Stages) > 0 {
		prev := cloneValues(values)
		cursor := s.cursors.Encode(l.Sort.PositionOf(&page.Stages[0]))
		x.issueCursor(cursor)
		prev.Set("page[before]", cursor)
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
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // links keep their & as the stages' links do, not \u0026
	if err := enc.Encode(doc); err != nil {
		return fail(oppstages.Errorf(oppstages.CodeInternalServerError, "Something went wrong on our end; please try again."))
	}
	return document(http.StatusOK, bytes.TrimSuffix(body.Bytes(), []byte("\n")))
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
