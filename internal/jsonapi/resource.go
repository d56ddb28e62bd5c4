package jsonapi

import (
	"strconv"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/query"
)

// Render holds what shapes resource objects beyond the records themselves.
type Render struct {
	// BaseURL is the public root, e.g. "http://127.0.0.1:8080"; links are BaseURL+"/api/v2/...".
	BaseURL     string
	StageFields query.Fieldset
	UserFields  query.Fieldset
	// AuthzMeta adds meta.canWrite and meta.canDelete with the values given.
	AuthzMeta           bool
	CanWrite, CanDelete bool
	// DataConnMeta adds meta.dataConnections.
	DataConnMeta bool
}

// APIPrefix is the path of the API below the base URL.
const APIPrefix = "/api/v2"

// appendLink writes "<base>/api/v2<path><id>" as a JSON string.
func (r *Render) appendLink(b []byte, path string, id int64) []byte {
	b = AppendString(b, r.BaseURL)
	b = append(b[:len(b)-1], APIPrefix...)
	b = append(b, path...) // paths are fixed ASCII that needs no escaping
	b = strconv.AppendInt(b, id, 10)
	return append(b, '"')
}

// AppendStage appends a stage resource object.
func (r *Render) AppendStage(b []byte, st *oppstages.Stage) []byte {
	f := r.StageFields
	b = append(b, `{"type":"opportunityStage","id":`...)
	b = strconv.AppendInt(b, st.ID, 10)

	attrs := members{b: append(b, `,"attributes":`...), only: f}
	attrs.nullableString("color", st.Color)
	attrs.time("createdAt", st.CreatedAt)
	attrs.nullableBool("isClosed", st.IsClosed)
	attrs.nullableString("name", st.Name)
	attrs.nullableInt("order", st.Order)
	attrs.time("updatedAt", st.UpdatedAt)
	b = attrs.close()

	if f.Has("creator") || f.Has("opportunities") {
		rels := members{b: append(b, `,"relationships":`...)}
		if f.Has("creator") {
			rels.key("creator")
			if st.CreatorID == 0 {
				rels.b = append(rels.b, `{"data":null}`...)
			} else {
				rels.b = append(rels.b, `{"data":{"type":"user","id":`...)
				rels.b = strconv.AppendInt(rels.b, st.CreatorID, 10)
				rels.b = append(rels.b, `},"links":{"related":`...)
				rels.b = r.appendLink(rels.b, "/users/", st.CreatorID)
				rels.b = append(rels.b, `}}`...)
			}
		}
		if f.Has("opportunities") {
			rels.key("opportunities")
			rels.b = append(rels.b, `{"links":{"related":`...)
			rels.b = r.appendLink(rels.b, "/opportunities?filter%5BopportunityStage%5D%5Bid%5D=", st.ID)
			rels.b = append(rels.b, `}}`...)
		}
		b = rels.close()
	}

	b = append(b, `,"links":{"self":`...)
	b = r.appendLink(b, "/opportunityStages/", st.ID)
	b = append(b, '}')

	if r.AuthzMeta || r.DataConnMeta {
		meta := members{b: append(b, `,"meta":`...)}
		if r.AuthzMeta {
			meta.key("canDelete")
			meta.b = strconv.AppendBool(meta.b, r.CanDelete)
			meta.key("canWrite")
			meta.b = strconv.AppendBool(meta.b, r.CanWrite)
		}
		if r.DataConnMeta {
			meta.key("dataConnections")
			meta.b = append(meta.b, `[]`...)
		}
		b = meta.close()
	}
	return append(b, '}')
}

// AppendUser appends a user resource object.
func (r *Render) AppendUser(b []byte, u *oppstages.User) []byte {
	f := r.UserFields
	b = append(b, `{"type":"user","id":`...)
	b = strconv.AppendInt(b, u.ID, 10)
	attrs := members{b: append(b, `,"attributes":`...), only: f}
	attrs.time("createdAt", u.CreatedAt)
	attrs.string("email", u.Email)
	attrs.string("firstName", u.FirstName)
	attrs.string("lastName", u.LastName)
	attrs.boolean("locked", u.Locked)
	attrs.string("name", u.Name())
	attrs.string("title", u.Title)
	attrs.time("updatedAt", u.UpdatedAt)
	attrs.string("username", u.Username)
	b = attrs.close()
	b = append(b, `,"links":{"self":`...)
	b = r.appendLink(b, "/users/", u.ID)
	return append(b, `}}`...)
}
