package mock

import (
	"net/url"
	"strconv"

	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/query"
)

// offsetLinks are the links of an offset page: the query as sent with page[offset] set
// to the first page, the one before, the one after (while the offset stays within
// query.MaxOffset) and the last one, which starts at the last multiple of the limit.
func offsetLinks(self string, values url.Values, p query.OffsetPage, total int) jsonapi.Links {
	at := func(offset int) string {
		v := cloneValues(values)
		v.Set("page[offset]", strconv.Itoa(offset))
		return withQuery(self, v)
	}
	last := 0
	if total > 0 {
		last = (total - 1) / p.Limit * p.Limit
	}
	last = min(last, query.MaxOffset/p.Limit*p.Limit)
	links := jsonapi.Links{First: at(0), Last: at(last)}
	if p.Offset > 0 {
		links.Prev = at(max(0, p.Offset-p.Limit))
	}
	if next := p.Offset + p.Limit; next < total && next <= query.MaxOffset {
		links.Next = at(next)
	}
	return links
}

func withQuery(u string, values url.Values) string {
	if len(values) == 0 {
		return u
	}
	return u + "?" + values.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+1)
	for k, vs := range v {
		out[k] = vs
	}
	return out
}
