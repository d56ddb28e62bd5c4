package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
)

// maxAdminBody bounds admin request bodies (state imports are the largest).
const maxAdminBody = 64 << 20

// withBody reads an admin request's body, within maxAdminBody, and hands it to answer.
func withBody(r *http.Request, answer func([]byte) response) response {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxAdminBody))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return adminError(http.StatusRequestEntityTooLarge, fmt.Sprintf("admin bodies are limited to %d bytes", maxAdminBody))
		}
		return adminError(http.StatusBadRequest, "the body could not be read")
	}
	return answer(body)
}

// adminFailure answers an error from a Sandbox method with the status that goes with
// it: 400 for bad input (naming the field) and for a full sandbox, 404 for an unknown
// rule, 409 for a missing state file, 500 for anything else.
func adminFailure(err error) response {
	switch {
	case errors.Is(err, ErrInvalid):
		body := map[string]string{"error": err.Error()}
		if ie, ok := errors.AsType[*InputError](err); ok {
			body["field"] = ie.Field
		}
		return adminJSON(http.StatusBadRequest, body)
	case errors.Is(err, ErrLimit):
		return adminError(http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		return adminError(http.StatusNotFound, err.Error())
	case errors.Is(err, ErrNoStateFile):
		return adminError(http.StatusConflict, err.Error())
	}
	return adminError(http.StatusInternalServerError, err.Error())
}

// adminJSON answers v as JSON, leaving &, < and > as they are: journal entries quote
// queries and form bodies, which read better unescaped.
func adminJSON(status int, v any) response {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return response{status: http.StatusInternalServerError, contentType: "application/json", body: []byte(`{"error":"encode"}`)}
	}
	return response{status: status, contentType: "application/json", body: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}
}

// requestLogAnswer answers a RequestLog exactly as adminJSON would, but writes it out an
// entry at a time as the journal makes them, in pieces of about streamPiece bytes: each
// reader of the journal holds one entry and one piece, not the whole answer, however many
// readers there are and however full the journal is.
func requestLogAnswer(entries iter.Seq[JournalEntry], evicted int) response {
	return response{status: http.StatusOK, contentType: "application/json", stream: func(w io.Writer) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		b.WriteString(`{"requests":[`)
		count := 0
		for e := range entries {
			if count > 0 {
				b.WriteByte(',')
			}
			if err := enc.Encode(e); err != nil {
				return // cannot happen: an entry's bodies are valid JSON; the answer ends cut short
			}
			b.Truncate(b.Len() - 1) // Encode's newline
			count++
			if b.Len() >= streamPiece {
				if _, err := w.Write(b.Bytes()); err != nil {
					return // the reader went away
				}
				b.Reset()
			}
		}
		fmt.Fprintf(&b, `],"count":%d,"evicted":%d}`, count, evicted)
		_, _ = w.Write(b.Bytes())
	}}
}

// streamPiece is about how much of a streamed answer is written at once.
const streamPiece = 32 << 10

func adminError(status int, msg string) response {
	return adminJSON(status, map[string]string{"error": msg})
}
