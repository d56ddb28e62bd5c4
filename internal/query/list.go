package query

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// Page size limits of the list endpoint, and of its deprecated offset pages.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
	MaxOffset       = 10000
	MaxLimit        = 1000
)

// List is a parsed list request.
type List struct {
	Filters         []Condition
	NewFilterSyntax bool
	Sort            Sort
	Size            int
	After, Before   *Position
	Offset          *OffsetPage // set when the request asks for an offset page
	Count           bool
	StageFields     Fieldset
	UserFields      Fieldset
	IncludeCreator  bool
	AuthzMeta       bool
	DataConnMeta    bool

	// what the query set, for the checks that look at parameters together
	newForms                 []string // filter parameters that need newFilterSyntax
	cursorParam, offsetParam string   // a cursor-page and an offset-page parameter given
	offsetSet, limitSet      bool
	offsetValue, limitValue  int
}

// OffsetPage is a deprecated offset page: Limit records after the first Offset.
type OffsetPage struct {
	Offset, Limit int
}

// Parameters that are lists: every value counts, in order. Every other parameter given
// more than once takes its last value.
func isListParam(name string) bool { return strings.HasSuffix(name, "[]") }

// LastWins reduces, in place, each parameter of the query that is not a list to its last
// value, as Rack-based servers read a repeated parameter, and returns the query. Clients
// that add their parameters again to links.next send each of them twice.
func LastWins(values url.Values) url.Values {
	for name, vs := range values {
		if len(vs) > 1 && !isListParam(name) {
			values[name] = vs[len(vs)-1:]
		}
	}
	return values
}

// ParseList parses the query of a list request. A parameter given more than once takes
// its last value, except filter[attr][] lists, which take them all.
func ParseList(values url.Values, cursors Cursors) (List, *oppstages.Error) {
	l := List{Size: DefaultPageSize}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names) // the same error first every time
	// The sort must be known before cursors can be checked against it, and the filter
	// syntax before filters.
	first := []string{"newFilterSyntax", "sort"}
	for _, name := range first {
		if raw, ok := values[name]; ok && len(raw) > 0 {
			if err := l.set(name, raw, cursors); err != nil {
				return List{}, err
			}
		}
	}
	for _, name := range names {
		if slices.Contains(first, name) || len(values[name]) == 0 {
			continue
		}
		if err := l.set(name, values[name], cursors); err != nil {
			return List{}, err
		}
	}
	if err := l.finish(); err != nil {
		return List{}, err
	}
	return l, nil
}

// finish checks the parameters that only make sense together.
func (l *List) finish() *oppstages.Error {
	if len(l.newForms) > 0 && !l.NewFilterSyntax {
		param := l.newForms[0]
		return oppstages.Errorf(oppstages.CodeBadRequest,
			"'%s' needs newFilterSyntax=true; without it only filter[attr]=value is understood.", clip.String(param)).AtParameter(param)
	}
	if l.After != nil && l.Before != nil {
		return oppstages.Errorf(oppstages.CodeBadRequest,
			"Use either 'page[after]' or 'page[before]', not both.").AtParameter("page[before]")
	}
	if l.offsetParam == "" {
		return nil
	}
	if l.cursorParam != "" {
		return oppstages.Errorf(oppstages.CodeBadRequest,
			"Use either offset pages (page[offset], page[limit]) or cursor pages (page[size], page[after], page[before]), not both; '%s' and '%s' were given.",
			l.offsetParam, l.cursorParam).AtParameter(l.offsetParam)
	}
	l.Offset = &OffsetPage{Limit: DefaultPageSize}
	if l.offsetSet {
		l.Offset.Offset = l.offsetValue
	}
	if l.limitSet {
		l.Offset.Limit = l.limitValue
	}
	l.Size = l.Offset.Limit
	return nil
}

// Set parses one query parameter into l. Parameters the list endpoint does not take are
// an error that says why.
func (l *List) Set(name, raw string, cursors Cursors) *oppstages.Error {
	return l.set(name, []string{raw}, cursors)
}

// set parses a parameter's values: all of them for a list, else the last.
func (l *List) set(name string, raws []string, cursors Cursors) *oppstages.Error {
	raw := raws[len(raws)-1]
	var err *oppstages.Error
	switch name {
	case "newFilterSyntax":
		l.NewFilterSyntax, err = parseBool(name, raw)
	case "sort":
		l.Sort, err = ParseSort(raw)
	case "page[size]":
		l.Size, err = parseBoundedInt(name, raw, 1, MaxPageSize)
		l.cursorParam = name
	case "page[after]", "page[before]":
		var p Position
		if p, err = cursors.Decode(raw, name, l.Sort); err == nil {
			if name == "page[after]" {
				l.After = &p
			} else {
				l.Before = &p
			}
		}
		l.cursorParam = name
	case "page[offset]":
		l.offsetValue, err = parseBoundedInt(name, raw, 0, MaxOffset)
		l.offsetSet, l.offsetParam = true, name
	case "page[limit]":
		l.limitValue, err = parseBoundedInt(name, raw, 1, MaxLimit)
		l.limitSet = true
		if l.offsetParam == "" {
			l.offsetParam = name
		}
	case "count":
		l.Count, err = parseBool(name, raw)
	case "provideAuthorizationMeta":
		l.AuthzMeta, err = parseBool(name, raw)
	case "provideDataConnections":
		l.DataConnMeta, err = parseBool(name, raw)
	case "include":
		l.IncludeCreator, err = ParseInclude(raw)
	case "fields[opportunityStage]":
		l.StageFields, err = ParseFieldset(oppstages.ResourceType, raw, StageMembers)
	case "fields[user]":
		l.UserFields, err = ParseFieldset(oppstages.UserType, raw, UserMembers)
	default:
		key, ok, kerr := ParseFilterKey(name)
		if kerr != nil {
			return kerr
		}
		if !ok {
			return unknownParameter(name)
		}
		var c Condition
		switch {
		case key.Op == OpClassic:
			c, err = ParseFilter(key.Field, raw)
		case key.Op == OpAnyOf:
			c, err = ParseAnyOf(key.Field, raws)
		default:
			c, err = ParseComparison(key.Field, key.Op, raw)
		}
		if err == nil {
			l.Filters = append(l.Filters, c)
			if key.Op.NewSyntax() {
				l.newForms = append(l.newForms, name)
			}
		}
	}
	return err
}

func unknownParameter(name string) *oppstages.Error {
	return oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not a parameter of this endpoint.", clip.String(name)).AtParameter(name)
}

func parseBool(name, raw string) (bool, *oppstages.Error) {
	switch raw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, oppstages.Errorf(oppstages.CodeBadRequest, "Parameter '%s' must be true or false.", name).AtParameter(name)
}

func parseBoundedInt(name, raw string, lo, hi int) (int, *oppstages.Error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, oppstages.Errorf(oppstages.CodeBadRequest,
			"Parameter '%s' must be an integer from %d to %d.", name, lo, hi).AtParameter(name)
	}
	return n, nil
}

// Explain parses one parameter of the list endpoint on its own and returns why it is
// wrong, or nil when it parses; validation uses it to turn schema failures into the
// sentences users read.
func Explain(name, raw string, cursors Cursors) *oppstages.Error {
	var l List
	return l.Set(name, raw, cursors)
}

// ParseQuery reads a raw query string as Rack reads it for the real API: pairs separated by
// "&" (a ";" is part of a value), "+" a space, and no limit on how many. Unlike
// url.ParseQuery, which drops the pairs it cannot read (and every pair past 10,000), it
// refuses a pair whose escapes are malformed, naming it, so that a filter is never
// silently left out.
func ParseQuery(raw string) (url.Values, *oppstages.Error) {
	values := url.Values{}
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, oppstages.Errorf(oppstages.CodeBadRequest,
				"The query parameter name '%s' is not validly percent-encoded.", clip.String(rawName))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, oppstages.Errorf(oppstages.CodeBadRequest,
				"The value of '%s' is not validly percent-encoded.", clip.String(name)).AtParameter(name)
		}
		values[name] = append(values[name], value)
	}
	return values, nil
}
