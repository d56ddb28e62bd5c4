package query

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/oppstages/oppstages"
)

// Position is a place in an ordering: the sort it belongs to and the sort-key values and id
// of the record it was taken from. Pages continue strictly after or before it, so it stays
// valid when that record and others are deleted or inserted.
type Position struct {
	Sort   string      `json:"s"`
	Values []*KeyValue `json:"v"`
	ID     int64       `json:"i"`
}

// KeyValue is a sort-key value; a nil *KeyValue is null.
type KeyValue struct {
	Int  *int64     `json:"n,omitempty"`
	Str  *string    `json:"t,omitempty"`
	Bool *bool      `json:"b,omitempty"`
	Time *time.Time `json:"d,omitempty"`
}

// Cursors signs and verifies cursors with a key, so that a cursor cannot be forged or
// altered by a client.
type Cursors struct{ key []byte }

// NewCursors returns a codec whose cursors are signed with key.
func NewCursors(key []byte) Cursors { return Cursors{key: key} }

const macSize = 12

// Encode returns the opaque, URL-safe form of p.
func (c Cursors) Encode(p Position) string {
	body, _ := json.Marshal(p) // Position holds only marshalable values
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(body, mac.Sum(nil)[:macSize]...))
}

// Decode verifies and decodes a cursor made by Encode for the given sort; param names the
// parameter it came from, for the error.
func (c Cursors) Decode(raw, param string, sort Sort) (Position, *oppstages.Error) {
	invalid := oppstages.Errorf(oppstages.CodeInvalidCursor,
		"The cursor in '%s' is not valid; use the links the server returned.", param).AtParameter(param)
	data, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(data) <= macSize {
		return Position{}, invalid
	}
	body, sum := data[:len(data)-macSize], data[len(data)-macSize:]
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	if !hmac.Equal(sum, mac.Sum(nil)[:macSize]) {
		return Position{}, invalid
	}
	var p Position
	if err := json.Unmarshal(body, &p); err != nil {
		return Position{}, invalid
	}
	if p.Sort != sort.WithIDTiebreak().String() || len(p.Values) != len(sort.WithIDTiebreak()) {
		return Position{}, oppstages.Errorf(oppstages.CodeInvalidCursor,
			"The cursor in '%s' belongs to another sort order; start again from the first page.", param).AtParameter(param)
	}
	return p, nil
}
