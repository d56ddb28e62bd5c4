package jsonapi

import (
	"slices"
	"strconv"

	"github.com/oppstages/oppstages"
)

// StageDocument appends {"data": stage} with the creator in "included" when given.
func (r *Render) StageDocument(b []byte, st *oppstages.Stage, creator *oppstages.User) []byte {
	b = slices.Grow(b, 16+stageSize+3*len(r.BaseURL)+userSize) // one allocation, not one per doubling
	b = append(b, `{"data":`...)
	b = r.AppendStage(b, st)
	if creator != nil {
		b = append(b, `,"included":[`...)
		b = r.AppendUser(b, creator)
		b = append(b, ']')
	}
	return append(b, '}')
}

// UserDocument appends {"data": user}.
func (r *Render) UserDocument(b []byte, u *oppstages.User) []byte {
	b = slices.Grow(b, 16+userSize+len(r.BaseURL))
	b = append(b, `{"data":`...)
	b = r.AppendUser(b, u)
	return append(b, '}')
}

// Room for a stage and a user resource object, beside their names and links, so that a
// document grows its buffer once.
const (
	stageSize = 700
	userSize  = 400
)

// Links are the pagination links of a list document; empty ones are left out. Last is
// only set on offset pages.
type Links struct{ First, Prev, Next, Last string }

// ListMeta is the count of a list document, written only when Counted.
type ListMeta struct {
	Counted   bool
	Count     int
	Truncated bool
}

// ListDocument appends a page of stages with its included users, links and meta.
// included is nil when include was not asked for.
func (r *Render) ListDocument(b []byte, stages []oppstages.Stage, included []oppstages.User, links Links, meta ListMeta) []byte {
	b = slices.Grow(b, 512+len(stages)*(stageSize+3*len(r.BaseURL))+len(included)*userSize)
	b = append(b, `{"data":[`...)
	for i := range stages {
		if i > 0 {
			b = append(b, ',')
		}
		b = r.AppendStage(b, &stages[i])
	}
	b = append(b, ']')
	if included != nil {
		b = append(b, `,"included":[`...)
		for i := range included {
			if i > 0 {
				b = append(b, ',')
			}
			b = r.AppendUser(b, &included[i])
		}
		b = append(b, ']')
	}
	if links.First != "" {
		l := members{b: append(b, `,"links":`...)}
		for _, link := range []struct{ name, url string }{{"first", links.First}, {"prev", links.Prev}, {"next", links.Next}, {"last", links.Last}} {
			if link.url != "" {
				l.key(link.name)
				l.b = AppendString(l.b, link.url)
			}
		}
		b = l.close()
	}
	if meta.Counted {
		b = append(b, `,"meta":{"count":`...)
		b = strconv.AppendInt(b, int64(meta.Count), 10)
		b = append(b, `,"count_truncated":`...)
		b = strconv.AppendBool(b, meta.Truncated)
		b = append(b, '}')
	}
	return append(b, '}')
}

// ErrorDocument appends {"errors": [...]} for errs. An unsupportedMediaType error spells
// its explanation "details", as the vendor does.
func ErrorDocument(b []byte, errs []*oppstages.Error) []byte {
	b = append(b, `{"errors":[`...)
	for i, e := range errs {
		if i > 0 {
			b = append(b, ',')
		}
		m := members{b: b}
		m.key("id")
		m.b = AppendString(m.b, string(e.Code))
		m.key("title")
		m.b = AppendString(m.b, e.Code.Title())
		if e.Detail != "" {
			if e.Code == oppstages.CodeUnsupportedMediaType {
				m.key("details")
			} else {
				m.key("detail")
			}
			m.b = AppendString(m.b, e.Detail)
		}
		if e.Pointer != "" || e.Parameter != "" {
			m.key("source")
			src := members{b: m.b}
			if e.Pointer != "" {
				src.key("pointer")
				src.b = AppendString(src.b, e.Pointer)
			}
			if e.Parameter != "" {
				src.key("parameter")
				src.b = AppendString(src.b, e.Parameter)
			}
			m.b = src.close()
		}
		b = m.close()
	}
	return append(b, `]}`...)
}

// GatewayError is the API gateway's 401 body, which is not JSON:API.
type GatewayError struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

// The gateway's 401 answers.
var (
	ErrNoAuthorization = GatewayError{"No Authorization header.", "You must provide an Authorization header with a valid access token."}
	ErrInvalidToken    = GatewayError{"Invalid JWT token.", "The JWT token could not be decoded."}
	ErrExpiredToken    = GatewayError{"Expired JWT token.", "The JWT token has expired; refresh it or authorize again."}
)

// AppendGatewayError appends the gateway's {"error","description"} body.
func AppendGatewayError(b []byte, g GatewayError) []byte {
	b = append(b, `{"error":`...)
	b = AppendString(b, g.Error)
	b = append(b, `,"description":`...)
	b = AppendString(b, g.Description)
	return append(b, '}')
}
