package statefile

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
)

// A log record is one JSON object: {"put": <the stage as a JSON:API resource object>} or
// {"delete": <id>}.
func encodeChange(c store.Change) []byte {
	if c.Put == nil {
		b := append([]byte(`{"delete":`), strconv.FormatInt(c.Deleted, 10)...)
		return append(b, '}')
	}
	var r jsonapi.Render
	b := r.AppendStage([]byte(`{"put":`), c.Put)
	return append(b, '}')
}

func decodeChange(payload []byte) (store.Change, error) {
	var rec struct {
		Put    json.RawMessage `json:"put"`
		Delete int64           `json:"delete"`
	}
	if err := json.Unmarshal(payload, &rec); err != nil {
		return store.Change{}, err
	}
	switch {
	case len(rec.Put) > 0 && rec.Delete == 0:
		st, err := jsonapi.DecodeStage(rec.Put)
		if err != nil {
			return store.Change{}, err
		}
		return store.Change{Put: &st}, nil
	case len(rec.Put) == 0 && rec.Delete > 0:
		return store.Change{Deleted: rec.Delete}, nil
	}
	return store.Change{}, fmt.Errorf("want {\"put\": stage} or {\"delete\": id}")
}
