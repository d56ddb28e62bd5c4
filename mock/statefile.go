package mock

import (
	"fmt"
	"os"

	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
)

// decodeState reads a state document (the format of GET /__admin/state) into a store;
// every creator must be among the document's users, or among fallbackUsers when the
// document has none.
func decodeState(doc []byte, fallback *store.Store) (*store.Store, error) {
	recs, err := jsonapi.DecodeRecords(doc)
	if err != nil {
		return nil, err
	}
	if len(recs.Users) == 0 && fallback != nil {
		_, recs.Users, _ = fallback.Snapshot()
	}
	known := map[int64]bool{}
	for _, u := range recs.Users {
		known[u.ID] = true
	}
	for _, st := range recs.Stages {
		if st.CreatorID != 0 && !known[st.CreatorID] {
			return nil, fmt.Errorf("opportunityStage %d names creator %d, who is not among the users", st.ID, st.CreatorID)
		}
	}
	return store.Restore(recs.Stages, recs.Users, recs.NextID), nil
}

// encodeState writes a store as a state document.
func encodeState(st *store.Store, baseURL string) []byte {
	stages, users, next := st.Snapshot()
	return encodeRecords(store.State{Stages: stages, Users: users, NextID: next}, baseURL)
}

func encodeRecords(st store.State, baseURL string) []byte {
	return jsonapi.AppendRecords(nil, baseURL, jsonapi.Records{Stages: st.Stages, Users: st.Users, NextID: st.NextID})
}

// stateBaseURL is the base of links written into state files; links are ignored on load.
const stateBaseURL = "http://127.0.0.1:8080"

// loadStateFile reads a state file. A file that exists but cannot be read or decoded is an
// error that says so, and the file is left as it is.
func loadStateFile(path string) (*store.Store, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	st, err := decodeState(doc, nil)
	if err != nil {
		return nil, fmt.Errorf("state file %s is not a valid state document (%w); fix or remove it, it was not changed", path, err)
	}
	return st, nil
}

// saveStateFile replaces the state file atomically, so a crash at any point leaves either
// the old file or the new one, whole.
func saveStateFile(path string, st store.State) error {
	if err := atomicfile.Write(path, encodeRecords(st, stateBaseURL)); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
