package contract

import "context"

// check is one named check.
type check struct {
	name   string
	writes bool // needs Full mode
	run    func(ctx context.Context, s *session) error
}

// sortable are the keys every implementation must sort on.
var sortable = []string{"name", "order", "isClosed", "createdAt", "updatedAt", "id"}

// checks lists every check in the order they run.
func (s *session) checks() []check {
	cs := []check{
		{name: "list/conforms", run: checkListConforms},
		{name: "list/cursor-walk", run: checkCursorWalk},
		{name: "list/page-size", run: checkPageSize},
	}
	for _, key := range sortable {
		for _, desc := range []bool{false, true} {
			dir := "asc"
			if desc {
				dir = "desc"
			}
			cs = append(cs, check{name: "list/sort/" + key + "/" + dir, run: sortCheck(key, desc)})
		}
	}
	cs = append(cs,
		check{name: "list/sort/two-keys", run: checkTwoKeySort},
		check{name: "list/filter/exact", run: filterCheck(filterExact)},
		check{name: "list/filter/list", run: filterCheck(filterList)},
		check{name: "list/filter/range", run: filterCheck(filterRange)},
		check{name: "list/filter/open-range-upper", run: filterCheck(filterOpenUpper)},
		check{name: "list/filter/open-range-lower", run: filterCheck(filterOpenLower)},
		check{name: "list/filter/boolean", run: filterCheck(filterBoolean)},
		check{name: "list/filter/date-range", run: filterCheck(filterDateRange)},
		check{name: "list/filter/id-list", run: filterCheck(filterIDList)},
		check{name: "list/fields", run: checkSparseFields},
		check{name: "list/include-creator", run: checkIncludeCreator},
		check{name: "list/count", run: checkCount},
		check{name: "list/resource-meta", run: checkResourceMeta},
		check{name: "get/matches-list", run: checkGetMatchesList},
		check{name: "errors/no-token", run: checkNoToken},
		check{name: "errors/unknown-id", run: checkUnknownID},
		check{name: "errors/bad-parameter", run: checkBadParameter},
		check{name: "errors/non-filterable-field", run: checkNonFilterable},
		check{name: "errors/unknown-route", run: checkUnknownRoute},
		check{name: "errors/unknown-field", run: checkUnknownField},
		check{name: "errors/wrong-media-type", writes: true, run: checkWrongMediaType},
		check{name: "errors/over-long-name", writes: true, run: checkOverLongName},
		check{name: "errors/unknown-attribute", writes: true, run: checkUnknownAttribute},
		check{name: "create/round-trip", writes: true, run: checkCreateRoundTrip},
		check{name: "update/changes-only-what-was-sent", writes: true, run: checkPartialUpdate},
		check{name: "delete/then-404", writes: true, run: checkDelete},
		check{name: "generated/valid-bodies", writes: true, run: checkGeneratedValid},
		check{name: "generated/invalid-bodies", writes: true, run: checkGeneratedInvalid},
	)
	cs = append(cs, clientChecks()...)
	cs = append(cs, propertyChecks()...)
	cs = append(cs, answerChecks()...)
	return append(cs, protocolChecks()...)
}
