package query

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
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

// Bound is one end of a range; Open means inf or neginf, Exclusive leaves the value itself
// out (gt and lt).
type Bound struct {
	Open      bool
	Exclusive bool
	Value     Value
}

// Presence restricts a filter to null or to non-null values.
type Presence int

// The presence tests, written __null__ and __notnull__ as a filter's whole value.
const (
	AnyPresence Presence = iota
	IsNull
	IsNotNull
)

// The filter values that test for null rather than compare.
const (
	NullValue    = "__null__"
	NotNullValue = "__notnull__"
)

// Condition is one filter: a field with a list of exact values (any of), a range, or a
// null test. Date-only values match whole UTC days.
type Condition struct {
	Field    Field
	Values   []Value // any of; for dates, each value is the start of a span
	Spans    []time.Duration
	IsRange  bool
	Lo, Hi   Bound
	Presence Presence
}

// Operator is the form of a filter parameter: the classic filter[attr], or one of the
// forms newFilterSyntax=true enables.
type Operator string

// The filter forms.
const (
	OpClassic Operator = ""    // filter[attr]=v: exact, comma list, range, null test
	OpGTE     Operator = "gte" // filter[attr][gte]=v
	OpGT      Operator = "gt"  // filter[attr][gt]=v
	OpLTE     Operator = "lte" // filter[attr][lte]=v
	OpLT      Operator = "lt"  // filter[attr][lt]=v
	OpAnyOf   Operator = "[]"  // filter[attr][]=v, repeated: any of, each value literal
)

// Comparisons lists the comparison operators in a stable order.
var Comparisons = []Operator{OpGTE, OpGT, OpLTE, OpLT}

// NewSyntax reports whether the form needs newFilterSyntax=true.
func (o Operator) NewSyntax() bool { return o != OpClassic }

// FilterKey is what a filter parameter's name says: the field and the form.
type FilterKey struct {
	Field Field
	Op    Operator
}

// Param is the query parameter's name, e.g. filter[updatedAt][gte].
func (k FilterKey) Param() string {
	switch k.Op {
	case OpClassic:
		return FilterParamName(k.Field)
	case OpAnyOf:
		return FilterParamName(k.Field) + "[]"
	default:
		return FilterParamName(k.Field) + "[" + string(k.Op) + "]"
	}
}

// Ordered reports whether f takes the comparison operators; isClosed does not.
func Ordered(f Field) bool {
	kind, ok := KindOf(f)
	return ok && kind != KindBool
}

// FilterParamName is the query parameter that filters on f.
func FilterParamName(f Field) string { return "filter[" + string(f) + "]" }

// ParseFilterKey reports which field and form a filter[...] parameter names; ok is false
// for a parameter that is not a filter at all. A parameter that names an unfilterable
// member, an unknown one, or an unknown operator is an error saying which.
func ParseFilterKey(param string) (key FilterKey, ok bool, err *oppstages.Error) {
	name, isFilter := strings.CutPrefix(param, "filter[")
	if !isFilter || !strings.HasSuffix(name, "]") {
		return FilterKey{}, false, nil
	}
	name = strings.TrimSuffix(name, "]")
	base, rest, nested := strings.Cut(name, "][")
	if unfilterable[base] {
		return FilterKey{}, false, oppstages.Errorf(oppstages.CodeUnfilterableField,
			"'%s' cannot be used as a filter on 'opportunityStage'.", base).AtParameter(param)
	}
	if _, known := KindOf(Field(base)); !known {
		return FilterKey{}, false, oppstages.Errorf(oppstages.CodeUnfilterableField,
			"'%s' is not a filterable attribute of 'opportunityStage'.", clip.String(base)).AtParameter(param)
	}
	key = FilterKey{Field: Field(base)}
	if !nested {
		return key, true, nil
	}
	switch op := Operator(rest); op {
	case "":
		key.Op = OpAnyOf
	case OpGTE, OpGT, OpLTE, OpLT:
		if !Ordered(key.Field) {
			return FilterKey{}, false, oppstages.Errorf(oppstages.CodeBadRequest,
				"'%s' has no order, so it takes no '%s'; use filter[%s]=true or false.", base, op, base).AtParameter(param)
		}
		key.Op = op
	default:
		return FilterKey{}, false, oppstages.Errorf(oppstages.CodeBadRequest,
			"'%s' is not a filter operator; use gte, gt, lte, lt, or [] for a list.", clip.String(rest)).AtParameter(param)
	}
	return key, true, nil
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
	switch raw {
	case NullValue:
		c.Presence = IsNull
		return c, nil
	case NotNullValue:
		c.Presence = IsNotNull
		return c, nil
	}
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

// ParseComparison parses the value of filter[field][op] for a comparison operator: one
// bound, the other side open. A date-only value stands for its whole UTC day: gte and lt
// compare with its start, gt and lte with its end.
func ParseComparison(f Field, op Operator, raw string) (Condition, *oppstages.Error) {
	key := FilterKey{Field: f, Op: op}
	kind, known := KindOf(f)
	if !known || !Ordered(f) || !slices.Contains(Comparisons, op) {
		return Condition{}, oppstages.Errorf(oppstages.CodeBadRequest,
			"'%s' is not a comparison filter.", key.Param()).AtParameter(key.Param())
	}
	v, span, err := parseValue(kind, raw)
	if err != nil {
		return Condition{}, err.AtParameter(key.Param())
	}
	c := Condition{Field: f, IsRange: true, Lo: Bound{Open: true}, Hi: Bound{Open: true}}
	switch op {
	case OpGTE:
		c.Lo = Bound{Value: v}
	case OpGT:
		if span > 0 {
			v.Time = v.Time.Add(span) // after the whole day: from the next midnight on
			c.Lo = Bound{Value: v}
		} else {
			c.Lo = Bound{Value: v, Exclusive: true}
		}
	case OpLTE:
		if span > 0 {
			v.Time = v.Time.Add(span) // up to the end of the day
			c.Hi = Bound{Value: v, Exclusive: true}
		} else {
			c.Hi = Bound{Value: v}
		}
	case OpLT:
		c.Hi = Bound{Value: v, Exclusive: true}
	}
	return c, nil
}

// ParseAnyOf parses the values of a repeated filter[field][]: any of them, each taken
// whole, so that a value may contain ',' or '..'.
func ParseAnyOf(f Field, raws []string) (Condition, *oppstages.Error) {
	key := FilterKey{Field: f, Op: OpAnyOf}
	kind, known := KindOf(f)
	if !known {
		return Condition{}, oppstages.Errorf(oppstages.CodeUnfilterableField,
			"'%s' is not a filterable attribute of 'opportunityStage'.", f).AtParameter(key.Param())
	}
	c := Condition{Field: f}
	for _, raw := range raws {
		v, span, err := parseValue(kind, raw)
		if err != nil {
			return Condition{}, err.AtParameter(key.Param())
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
			return Value{}, 0, oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not an integer.", clip.String(raw))
		}
		return Value{Int: n}, 0, nil
	case KindBool:
		b, err := strconv.ParseBool(raw)
		if err != nil || (raw != "true" && raw != "false") {
			return Value{}, 0, oppstages.Errorf(oppstages.CodeBadRequest, "'%s' is not true or false.", clip.String(raw))
		}
		return Value{Bool: b}, 0, nil
	case KindTime:
		t, span, ok := ParseTime(raw)
		if !ok {
			return Value{}, 0, oppstages.Errorf(oppstages.CodeInvalidDatetimeFormat,
				"'%s' is not an ISO-8601 date or date-time.", clip.String(raw))
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
