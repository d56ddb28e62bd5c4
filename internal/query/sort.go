package query

import (
	"strings"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// SortKey is one sort key; Desc is true for a leading "-".
type SortKey struct {
	Field Field
	Desc  bool
}

// Sort is an ordered list of sort keys. The empty Sort means ascending id.
type Sort []SortKey

// String renders the sort back into its query form, e.g. "name,-order".
func (s Sort) String() string {
	parts := make([]string, len(s))
	for i, k := range s {
		parts[i] = string(k.Field)
		if k.Desc {
			parts[i] = "-" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

// WithIDTiebreak returns s with ascending id appended unless id is already a key, so
// that every two records compare unequal and keyset pages are stable.
func (s Sort) WithIDTiebreak() Sort {
	for _, k := range s {
		if k.Field == FieldID {
			return s
		}
	}
	return append(s[:len(s):len(s)], SortKey{Field: FieldID})
}

// ParseSort parses the sort parameter: comma-separated keys, "-" for descending.
func ParseSort(raw string) (Sort, *oppstages.Error) {
	var s Sort
	seen := map[Field]bool{}
	for _, part := range strings.Split(raw, ",") {
		key := SortKey{}
		name, desc := strings.CutPrefix(part, "-")
		key.Desc = desc
		key.Field = Field(name)
		if _, ok := KindOf(key.Field); !ok {
			if unfilterable[name] {
				return nil, oppstages.Errorf(oppstages.CodeUnsortableField,
					"'%s' cannot be used to sort 'opportunityStage'.", name).AtParameter("sort")
			}
			return nil, oppstages.Errorf(oppstages.CodeUnsortableField,
				"'%s' is not a sortable attribute of 'opportunityStage'.", clip.String(name)).AtParameter("sort")
		}
		if seen[key.Field] {
			return nil, oppstages.Errorf(oppstages.CodeUnsortableField,
				"'%s' appears more than once in sort.", name).AtParameter("sort")
		}
		seen[key.Field] = true
		s = append(s, key)
	}
	return s, nil
}
