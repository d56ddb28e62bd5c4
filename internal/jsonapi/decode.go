package jsonapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/oppstages/oppstages"
)

// WriteRequest is a decoded create or update document.
type WriteRequest struct {
	Type  string
	ID    *int64 // nil when the document has no id
	Attrs oppstages.StageAttributes
}

// DecodeWrite decodes a create or update body that has already passed schema validation;
// it still reports, rather than trusts, anything it cannot represent.
func DecodeWrite(body []byte) (WriteRequest, *oppstages.Error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return WriteRequest{}, errNotADocument
	}
	return WriteFrom(doc)
}

var errNotADocument = oppstages.Errorf(oppstages.CodeBadRequest, "The request body is not a valid JSON:API document.")

// WriteFrom reads a create or update document from its decoded JSON (numbers as
// json.Number), such as the value schema validation decoded, so that the body is decoded
// once. Like DecodeWrite, it reports what it cannot represent.
func WriteFrom(doc any) (WriteRequest, *oppstages.Error) {
	top, ok := objectOrNull(doc)
	if !ok {
		return WriteRequest{}, errNotADocument
	}
	data, ok := objectOrNull(top["data"])
	if !ok {
		return WriteRequest{}, errNotADocument
	}
	var req WriteRequest
	if t, present := data["type"]; present && t != nil {
		if req.Type, ok = t.(string); !ok {
			return WriteRequest{}, errNotADocument
		}
	}
	if raw, present := data["id"]; present {
		id, ok := intFrom(raw)
		if !ok || id == nil || *id < 1 {
			return WriteRequest{}, oppstages.Errorf(oppstages.CodeValidationError, "Id must be a positive integer.").AtPointer("/data/id")
		}
		req.ID = id
	}
	a, ok := objectOrNull(data["attributes"])
	if !ok {
		return WriteRequest{}, errNotADocument
	}
	for _, ro := range []string{"createdAt", "updatedAt"} {
		if _, ok := a[ro]; ok { // schema validation lets a null read-only member through
			return WriteRequest{}, oppstages.Errorf(oppstages.CodeValidationError, "%s is read-only.",
				strings.ToUpper(ro[:1])+ro[1:]).AtPointer("/data/attributes/" + ro)
		}
	}
	var err *oppstages.Error
	if raw, ok := a["name"]; ok {
		req.Attrs.Name, err = stringFrom(raw, "/data/attributes/name")
	}
	if raw, ok := a["color"]; ok && err == nil {
		req.Attrs.Color, err = stringFrom(raw, "/data/attributes/color")
	}
	if raw, ok := a["isClosed"]; ok && err == nil {
		var v *bool
		switch b := raw.(type) {
		case bool:
			v = &b
		case nil:
		default:
			err = oppstages.Errorf(oppstages.CodeValidationError, "IsClosed must be true or false.").AtPointer("/data/attributes/isClosed")
		}
		req.Attrs.IsClosed = oppstages.Optional[bool]{Present: true, Value: v}
	}
	if raw, ok := a["order"]; ok && err == nil {
		n, ok := intFrom(raw)
		if !ok {
			err = oppstages.Errorf(oppstages.CodeValidationError, "Order must be an integer.").AtPointer("/data/attributes/order")
		}
		req.Attrs.Order = oppstages.Optional[int64]{Present: true, Value: n}
	}
	if err != nil {
		return WriteRequest{}, err
	}
	return req, nil
}

// objectOrNull reads a JSON object member; null and absence read as an empty object.
func objectOrNull(v any) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func stringFrom(v any, pointer string) (oppstages.Optional[string], *oppstages.Error) {
	switch s := v.(type) {
	case string:
		return oppstages.Optional[string]{Present: true, Value: &s}, nil
	case nil:
		return oppstages.Optional[string]{Present: true}, nil
	}
	return oppstages.Optional[string]{}, oppstages.Errorf(oppstages.CodeValidationError, "Must be a string.").AtPointer(pointer)
}

// intFrom reads a JSON integer that fits in int64, or a string holding one; null gives
// nil. 3.0 counts as 3.
func intFrom(v any) (*int64, bool) {
	var n json.Number
	switch t := v.(type) {
	case nil:
		return nil, true
	case json.Number:
		n = t
	case string:
		if !isJSONNumber(t) {
			return nil, false
		}
		n = json.Number(t)
	case float64: // a value decoded without UseNumber
		n = json.Number(strconv.FormatFloat(t, 'g', -1, 64))
	default:
		return nil, false
	}
	if i, err := n.Int64(); err == nil {
		return &i, true
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return nil, false
	}
	i := int64(f)
	return &i, true
}

// isJSONNumber reports whether s is exactly a JSON number literal, as encoding/json
// accepts a quoted one into a json.Number.
func isJSONNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return false
	}
	return json.Valid([]byte(s))
}

// Resource is a generic resource object, as found in fixture and state documents.
type Resource struct {
	Type          string                     `json:"type"`
	ID            int64                      `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data *struct {
			Type string `json:"type"`
			ID   int64  `json:"id"`
		} `json:"data"`
		Links json.RawMessage `json:"links"`
	} `json:"relationships"`
	Links json.RawMessage `json:"links"`
	Meta  json.RawMessage `json:"meta"`
}

// Records is a decoded collection document of stages with their users in "included".
type Records struct {
	Stages []oppstages.Stage
	Users  []oppstages.User
	// NextID is the id the next new stage gets (meta.nextId), or 0 when not given.
	NextID int64
}

// DecodeRecords reads a document whose data holds stages or users and whose included
// holds users, as written by AppendRecords, fixture files and state files.
func DecodeRecords(body []byte) (Records, error) {
	var doc struct {
		Data     []Resource      `json:"data"`
		Included []Resource      `json:"included"`
		Links    json.RawMessage `json:"links"`
		Meta     json.RawMessage `json:"meta"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return Records{}, fmt.Errorf("decode document: %w", err)
	}
	var recs Records
	if len(doc.Meta) > 0 {
		var meta struct {
			NextID int64 `json:"nextId"`
		}
		if err := json.Unmarshal(doc.Meta, &meta); err != nil {
			return Records{}, fmt.Errorf("decode meta: %w", err)
		}
		if meta.NextID < 0 || meta.NextID > oppstages.MaxID+1 {
			return Records{}, fmt.Errorf("meta.nextId is %d; it must be from 1 to %d", meta.NextID, oppstages.MaxID+1)
		}
		recs.NextID = meta.NextID
	}
	seen := map[string]bool{}
	for _, r := range append(doc.Data, doc.Included...) {
		key := fmt.Sprintf("%s/%d", r.Type, r.ID)
		if seen[key] {
			return Records{}, fmt.Errorf("%s %d appears twice", r.Type, r.ID)
		}
		seen[key] = true
		if err := checkID(r.ID); err != nil {
			return Records{}, fmt.Errorf("%s %w", r.Type, err)
		}
		switch r.Type {
		case oppstages.ResourceType:
			st, err := r.stage()
			if err != nil {
				return Records{}, fmt.Errorf("opportunityStage %d: %w", r.ID, err)
			}
			recs.Stages = append(recs.Stages, st)
		case oppstages.UserType:
			u, err := r.user()
			if err != nil {
				return Records{}, fmt.Errorf("user %d: %w", r.ID, err)
			}
			recs.Users = append(recs.Users, u)
		default:
			return Records{}, fmt.Errorf("unknown resource type %q", r.Type)
		}
	}
	return recs, nil
}

func (r Resource) stage() (oppstages.Stage, error) {
	st := oppstages.Stage{ID: r.ID}
	for name, raw := range r.Attributes {
		var err error
		switch name {
		case "name":
			err = json.Unmarshal(raw, &st.Name)
		case "color":
			err = json.Unmarshal(raw, &st.Color)
		case "order":
			err = json.Unmarshal(raw, &st.Order)
		case "isClosed":
			err = json.Unmarshal(raw, &st.IsClosed)
		case "createdAt":
			err = json.Unmarshal(raw, &st.CreatedAt)
		case "updatedAt":
			err = json.Unmarshal(raw, &st.UpdatedAt)
		default:
			err = fmt.Errorf("unknown attribute %q", name)
		}
		if err != nil {
			return st, fmt.Errorf("attribute %s: %w", name, err)
		}
	}
	if st.CreatedAt.IsZero() || st.UpdatedAt.IsZero() {
		return st, fmt.Errorf("createdAt and updatedAt are required")
	}
	st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	if rel, ok := r.Relationships["creator"]; ok && rel.Data != nil {
		if rel.Data.ID > oppstages.MaxID {
			return st, fmt.Errorf("creator %w", checkID(rel.Data.ID))
		}
		st.CreatorID = rel.Data.ID
	}
	return st, nil
}

func (r Resource) user() (oppstages.User, error) {
	u := oppstages.User{ID: r.ID}
	for name, raw := range r.Attributes {
		var err error
		switch name {
		case "firstName":
			err = json.Unmarshal(raw, &u.FirstName)
		case "lastName":
			err = json.Unmarshal(raw, &u.LastName)
		case "email":
			err = json.Unmarshal(raw, &u.Email)
		case "title":
			err = json.Unmarshal(raw, &u.Title)
		case "username":
			err = json.Unmarshal(raw, &u.Username)
		case "locked":
			err = json.Unmarshal(raw, &u.Locked)
		case "createdAt":
			err = json.Unmarshal(raw, &u.CreatedAt)
		case "updatedAt":
			err = json.Unmarshal(raw, &u.UpdatedAt)
		case "name":
			// Derived from firstName and lastName.
		default:
			err = fmt.Errorf("unknown attribute %q", name)
		}
		if err != nil {
			return u, fmt.Errorf("attribute %s: %w", name, err)
		}
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

// AppendRecords appends a document holding stages in data, users in included and, when
// set, meta.nextId; DecodeRecords reads it back. Links point below baseURL.
func AppendRecords(b []byte, baseURL string, recs Records) []byte {
	r := Render{BaseURL: baseURL}
	b = r.ListDocument(b, recs.Stages, nonNil(recs.Users), Links{}, ListMeta{})
	if recs.NextID == 0 {
		return b
	}
	b = append(b[:len(b)-1], `,"meta":{"nextId":`...)
	b = strconv.AppendInt(b, recs.NextID, 10)
	return append(b, `}}`...)
}

func nonNil(users []oppstages.User) []oppstages.User {
	if users == nil {
		return []oppstages.User{}
	}
	return users
}

// DecodeStage reads one stage resource object, as AppendStage writes it.
func DecodeStage(raw []byte) (oppstages.Stage, error) {
	var r Resource
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return oppstages.Stage{}, fmt.Errorf("decode resource: %w", err)
	}
	if r.Type != oppstages.ResourceType || checkID(r.ID) != nil {
		return oppstages.Stage{}, fmt.Errorf("want an opportunityStage with an id from 1 to %d, not %q %d", oppstages.MaxID, r.Type, r.ID)
	}
	return r.stage()
}

// checkID refuses an id below 1 or above oppstages.MaxID.
func checkID(id int64) error {
	if id < 1 || id > oppstages.MaxID {
		return fmt.Errorf("has id %d; ids run from 1 to %d", id, oppstages.MaxID)
	}
	return nil
}
