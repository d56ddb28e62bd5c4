package validation

import (
	"errors"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/clip"
)

// bodyErrors turns a request body failure into one error per problem, each pointing at
// the member at fault. readOnly names the attributes the server sets.
func bodyErrors(re *openapi3filter.RequestError, readOnly map[string]bool) []*oppstages.Error {
	var se *openapi3.SchemaError
	var parseErr *openapi3filter.ParseError
	switch {
	case errors.As(re.Err, &parseErr):
		return []*oppstages.Error{oppstages.Errorf(oppstages.CodeBadRequest, "The request body is not valid JSON.")}
	case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
		return []*oppstages.Error{oppstages.Errorf(oppstages.CodeBadRequest, "A request body is required.")}
	case !errors.As(re.Err, &se):
		return []*oppstages.Error{oppstages.Errorf(oppstages.CodeBadRequest, "The request body could not be read as a JSON:API document.")}
	}
	var out []*oppstages.Error
	for _, e := range flatten(re.Err) {
		if errors.As(e, &se) {
			out = append(out, schemaErrors(se, readOnly)...)
		}
	}
	return out
}

// Pointer renders a path as a JSON pointer (RFC 6901), escaping "~" and "/"; the empty
// path is "", the whole document.
func Pointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		pointerEscaper.WriteString(&b, p)
	}
	return b.String()
}

// pointerEscaper escapes a reference token of a JSON pointer.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func schemaErrors(se *openapi3.SchemaError, readOnly map[string]bool) []*oppstages.Error {
	path := se.JSONPointer()
	pointer := Pointer(path)
	member := "The document"
	if len(path) > 0 {
		member = humanize(path[len(path)-1])
	}
	s := se.Schema
	switch se.SchemaField {
	case "properties": // a member the schema does not allow
		var out []*oppstages.Error
		obj, _ := se.Value.(map[string]any)
		names := make([]string, 0, len(obj))
		for name := range obj {
			if _, declared := s.Properties[name]; !declared {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			at := Pointer(append(slices.Clone(path), name))
			switch {
			case pointer == "/data/attributes" && readOnly[name]:
				out = append(out, oppstages.Errorf(oppstages.CodeValidationError, "%s is read-only.", humanize(name)).AtPointer(at))
			case pointer == "/data/attributes":
				out = append(out, oppstages.Errorf(oppstages.CodeUnknownAttribute,
					"'%s' is not an attribute of 'opportunityStage'.", clip.String(name)).AtPointer(at))
			default:
				out = append(out, oppstages.Errorf(oppstages.CodeValidationError,
					"'%s' is not allowed here.", clip.String(name)).AtPointer(at))
			}
		}
		return out
	case "readOnly":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is read-only.", member), pointer)
	case "required":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is required.", member), pointer)
	case "enum":
		if pointer == "/data/type" {
			return one(oppstages.Errorf(oppstages.CodeConflict,
				"The type must be 'opportunityStage' at this endpoint."), pointer)
		}
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is not one of the allowed values.", member), pointer)
	case "minLength":
		if s.MinLength == 1 {
			return one(oppstages.Errorf(oppstages.CodeValidationError, "%s can't be blank.", member), pointer)
		}
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is too short (minimum is %d characters).", member, s.MinLength), pointer)
	case "maxLength":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is too long (maximum is %d characters).", member, *s.MaxLength), pointer)
	case "minimum", "maximum":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is out of range.", member), pointer)
	case "maxProperties":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s are read-only and cannot be sent.", member), pointer)
	case "type", "nullable":
		return one(oppstages.Errorf(oppstages.CodeValidationError, "%s must be %s.", member, typeWords(s)), pointer)
	}
	return one(oppstages.Errorf(oppstages.CodeValidationError, "%s is not valid.", member), pointer)
}

func one(e *oppstages.Error, pointer string) []*oppstages.Error {
	return []*oppstages.Error{e.AtPointer(pointer)}
}

func typeWords(s *openapi3.Schema) string {
	var kind string
	switch {
	case s.Type.Is(openapi3.TypeString):
		kind = "a string"
	case s.Type.Is(openapi3.TypeInteger):
		kind = "an integer"
	case s.Type.Is(openapi3.TypeBoolean):
		kind = "true or false"
	case s.Type.Is(openapi3.TypeObject):
		kind = "an object"
	case s.Type.Is(openapi3.TypeArray):
		kind = "an array"
	default:
		kind = "a " + strings.Join(s.Type.Slice(), " or ")
	}
	if s.Nullable {
		kind += " or null"
	}
	return kind
}

// humanize turns a member name into the start of a sentence, as the vendor's messages do:
// "name" becomes "Name", "isClosed" becomes "IsClosed".
func humanize(member string) string {
	if member == "" {
		return "The value"
	}
	return strings.ToUpper(member[:1]) + clip.String(member[1:])
}
