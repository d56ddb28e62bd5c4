package query

import (
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// StageMembers are the attribute and relationship names of a stage, in output order.
var StageMembers = []string{"color", "createdAt", "isClosed", "name", "order", "updatedAt", "creator", "opportunities"}

// UserMembers are the attribute names of a user, in output order.
var UserMembers = []string{"createdAt", "email", "firstName", "lastName", "locked", "name", "title", "updatedAt", "username"}

// Fieldset is a sparse fieldset: nil means every member; otherwise only the members named.
type Fieldset map[string]bool

// Has reports whether the fieldset includes member.
func (f Fieldset) Has(member string) bool { return f == nil || f[member] }

// ParseFieldset parses fields[typ]; every name must be one of members.
func ParseFieldset(typ, raw string, members []string) (Fieldset, *oppstages.Error) {
	param := "fields[" + typ + "]"
	set := Fieldset{}
	if raw == "" {
		return set, nil
	}
	for _, name := range strings.Split(raw, ",") {
		known := false
		for _, m := range members {
			known = known || m == name
		}
		if !known {
			return nil, oppstages.Errorf(oppstages.CodeUnknownResourceField,
				"'%s' is not a field of '%s'.", clip.String(name), typ).AtParameter(param)
		}
		set[name] = true
	}
	return set, nil
}

// ParseInclude parses include; the only relationship that can be included is creator.
func ParseInclude(raw string) (creator bool, err *oppstages.Error) {
	if raw == "" {
		return false, nil
	}
	for _, name := range strings.Split(raw, ",") {
		if name != "creator" {
			return false, oppstages.Errorf(oppstages.CodeBadRequest,
				"'%s' is not a relationship of 'opportunityStage' that can be included; use 'creator'.", clip.String(name)).AtParameter("include")
		}
		creator = true
	}
	return creator, nil
}
