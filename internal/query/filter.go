package query

import (
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
)

// Field names a filterable or sortable member of a stage.
type Field string

// The members a stage can be filtered and sorted on.
const (
	FieldID        Field = "id"
	FieldName      Field = "name"
	FieldOrder     Field = "order"
	FieldIsClosed  Field = "isClosed"
	FieldCreatedAt Field = "createdAt"
	FieldUpdatedAt Field = "updatedAt"
)

// Kind is the type of a field's values.
type Kind int

// The kinds of field value.
const (
	KindInt Kind = iota
	KindString
	KindBool
	KindTime
)

// Fields lists the filterable and sortable fields with their kinds, in a stable order.
var Fields = []struct {
	Name Field
	Kind Kind
}{
	{FieldID, KindInt}, {FieldName, KindString}, {FieldOrder, KindInt},
	{FieldIsClosed, KindBool}, {FieldCreatedAt, KindTime}, {FieldUpdatedAt, KindTime},
}

// KindOf returns the kind of a known field.
func KindOf(f Field) (Kind, bool) {
	for _, d := range Fields {
		if d.Name == f {
			return d.Kind, true
		}
	}
	return 0, false
}

// Members of a stage that exist but may be neither filtered nor sorted on.
var unfilterable = map[string]bool{"color": true, "creator": true, "opportunities": true}

// Value is one typed field value; which member is meaningful depends on the field's kind.
type Value struct {
	Int  int64
	Str  string
	Bool bool
	Time time.Time
}

// Bound is one end of a range; Open means inf or neginf.
type Bound struct {
	Open  bool
	Value Value
}

// Condition is one filter: a field with either a list of exact values (any of) or an
// inclusive range. Date-only values match whole UTC days.
type Condition struct {
	Field   Field
	Values  []Value // any of; for dates, each value is the start of a span
	Spans   []time.Duration
	IsRange bool
	Lo, Hi  Bound
}

// FilterParamName is the query parameter that filters on f.
func FilterParamName(f Field) string { return "filter[" + string(f) + "]" }

// ParseFilterKey reports which field a filter[...] parameter names; a parameter that names
// an unfilterable member or an unknown one is an error saying which.
func ParseFilterKey(param string) (Field, *oppstages.Error) {
	name, ok := strings.CutPrefix(param, "filter[")
	if !ok || !strings.HasSuffix(name, "]") {
		return "", nil
	}
	name = strings.TrimSuffix(name, "]")
	if _, known := KindOf(Field(name)); known {
		return Field(name), nil
	}
	base, _, _ := strings.Cut(name, "]")
	if unfilterable[base] {
		return "", oppstages.Errorf(oppstages.CodeUnfilterableField,
			"'%s' cannot be used as a filter on 'opportunityStage'.", base).AtParameter(param)
	}
	return "", oppstages.Errorf(oppstages.CodeUnfilterableField,
		"'%s' is not a filterable attribute of 'opportunityStage'.", name).AtParameter(param)
}

// ParseFilter parses the value of filter[field].
func ParseFilter(f Field, raw string) (Condition, *oppstages.Error) {
	kind, ok := KindOf(f)
	if !ok {
		return Condition{}, oppstages.Errorf(oppstages.CodeUnfilterableField,
			"'%s' is not a filterable attribute of 'opportunityStage'.", f).AtParameter(FilterParamName(f))
	}
	param := FilterParamName(f)
	c := Condition{Field: f}
	if lo, hi, isRange := strings.Cut(raw, ".."); isRange && kind != KindBool {
		c.IsRange = true
		var err *oppstages.Error
		if c.Lo, err = parseBound(kind, lo, "neginf", false); err != nil {
			return Condition{}, err.AtParameter(param)
		}
		if c.Hi, err = parseBound(kind, hi, "inf", true); err != nil {
			return Condition{}, err.AtParameter(param)
		}
		return c, nil
	}
	for _, part := range strings.Split(raw, ",") {
		v, span, err := parseValue(kind, part)
		if err != nil {
			return Condition{}, err.AtParameter(param)
		}
		c.Values = append(c.Values, v)
		c.Spans = append(c.Spans, span)
	}
	return c, nil
}

func parseBound(kind Kind, raw, openWord string, upper bool) (Bound, *oppstages.Error) {
	if raw == openWord {
		return Bound{Open: true}, nil
	}
	v, span, err := parseValue(kind, raw)
	if err != nil {
		return Bound{}, err
	}
	if upper && span > 0 {
		// An upper date bound includes the whole day.
		v.Time = v.Time.Add(span - time.Millisecond)
	}
	return Bound{Value: v}, nil
}

// parseValue parses one value; for a date without a time, span is one day.
func parseValue(kind Kind, raw string) (Value, time.Duration, *oppstages.Error) {
	switch kind {
	case KindInt:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return Value{}, 0, oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not an integer.", clip(raw))
		}
		return Value{Int: n}, 0, nil
	case KindBool:
		b, err := strconv.ParseBool(raw)
		if err != nil || (raw != "true" && raw != "false") {
			return Value{}, 0, oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not true or false.", clip(raw))
		}
		return Value{Bool: b}, 0, nil
	case KindTime:
		t, span, ok := ParseTime(raw)
		if !ok {
			return Value{}, 0, oppstages.Errorf(oppstages.CodeInvalidDatetimeFormat,
				"'%s' is not an ISO-8601 date or date-time.", clip(raw))
		}
		return Value{Time: t}, span, nil
	default:
		return Value{Str: raw}, 0, nil
	}
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime parses an ISO-8601 date-time (UTC when no zone is given) or a date; a date
// returns its UTC midnight and a span of one day.
func ParseTime(raw string) (time.Time, time.Duration, bool) {
	if len(raw) == len("2006-01-02") {
		t, err := time.Parse(time.DateOnly, raw)
		return t, 24 * time.Hour, err == nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC().Truncate(time.Millisecond), 0, true
		}
	}
	return time.Time{}, 0, false
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
