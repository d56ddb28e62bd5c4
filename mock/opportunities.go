package mock

import (
	"net/url"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// opportunityStageFilter is the filter of a stage's opportunities link.
const opportunityStageFilter = "filter[opportunityStage][id]"

// namesOpportunities reports whether a parameter of the opportunities list speaks of
// opportunities (their stage, sort keys, relationships or the real API's cursors) rather
// than meaning what it means on the stage list.
func namesOpportunities(name string) bool {
	switch name {
	case opportunityStageFilter, "sort", "include", "page[after]", "page[before]":
		return true
	}
	return false
}

// sharedWithStages is the query without the parameters that name opportunities.
func sharedWithStages(q url.Values) url.Values {
	out := url.Values{}
	for name, values := range q {
		if !namesOpportunities(name) {
			out[name] = values
		}
	}
	return out
}

// explainOpportunities gives the reason a parameter of the opportunities list failed
// schema validation: the parameters that name opportunities, which the mock cannot parse
// further, get a plain bad value; the rest are explained as on the stage list.
func (s *Server) explainOpportunities(name, raw string) *oppstages.Error {
	switch {
	case name == opportunityStageFilter:
		return oppstages.Errorf(oppstages.CodeBadRequest,
			"Parameter '%s' must be a stage id or a comma list of stage ids, not '%s'.", name, clip.String(raw)).AtParameter(name)
	case namesOpportunities(name):
		return oppstages.Errorf(oppstages.CodeBadRequest, "Parameter '%s' cannot be '%s'.", name, clip.String(raw)).AtParameter(name)
	}
	return s.explain(name, raw)
}
