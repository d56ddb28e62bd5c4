package query

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages"
)

// Page size limits of the list endpoint.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// List is a parsed list request.
type List struct {
	Filters        []Condition
	Sort           Sort
	Size           int
	After, Before  *Position
	Count          bool
	StageFields    Fieldset
	UserFields     Fieldset
	IncludeCreator bool
	AuthzMeta      bool
	DataConnMeta   bool
}

// ParseList parses the query of a list request. Each parameter must appear once; the
// caller checks that, since url.Values cannot tell.
func ParseList(values url.Values, cursors Cursors) (List, *oppstages.Error) {
	l := List{Size: DefaultPageSize}
	// The sort must be known before cursors can be checked against it.
	if raw, ok := values["sort"]; ok {
		if err := l.Set("sort", raw[0], cursors); err != nil {
			return List{}, err
		}
	}
	for name, raw := range values {
		if name == "sort" {
			continue
		}
		if err := l.Set(name, raw[0], cursors); err != nil {
			return List{}, err
		}
	}
	if l.After != nil && l.Before != nil {
		return List{}, oppstages.Errorf(oppstages.CodeBadRequest,
			"Use either 'page[after]' or 'page[before]', not both.").AtParameter("page[before]")
	}
	return l, nil
}

// Set parses one query parameter into l. Parameters the list endpoint does not take are
// an error that says why.
func (l *List) Set(name, raw string, cursors Cursors) *oppstages.Error {
	var err *oppstages.Error
	switch name {
	case "sort":
		l.Sort, err = ParseSort(raw)
	case "page[size]":
		l.Size, err = parseBoundedInt(name, raw, 1, MaxPageSize)
	case "page[after]", "page[before]":
		var p Position
		if p, err = cursors.Decode(raw, name, l.Sort); err == nil {
			if name == "page[after]" {
				l.After = &p
			} else {
				l.Before = &p
			}
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
		if strings.HasPrefix(name, "filter[") {
			var f Field
			if f, err = ParseFilterKey(name); err == nil && f != "" {
				var c Condition
				if c, err = ParseFilter(f, raw); err == nil {
					l.Filters = append(l.Filters, c)
				}
			}
			if err == nil && f == "" {
				err = unknownParameter(name)
			}
			break
		}
		err = unknownParameter(name)
	}
	return err
}

func unknownParameter(name string) *oppstages.Error {
	return oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not a parameter of this endpoint.", clip(name)).AtParameter(name)
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
