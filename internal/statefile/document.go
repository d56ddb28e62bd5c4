package statefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/oppstages/oppstages"
	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/jsonapi"
	"github.com/oppstages/oppstages/internal/store"
)

// LinkBase is the base of the links written into state files; links are ignored when a
// state document is read.
const LinkBase = "http://127.0.0.1:8080"

// Decode reads a state document (stages in data, users in included, meta.nextId: what
// Encode writes) into a new store; every creator must be among the document's users, or
// among fallback's when the document has none.
func Decode(doc []byte, fallback *store.Store) (*store.Store, error) {
	if err := checkShape(doc); err != nil {
		return nil, err
	}
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

// checkShape refuses a document that is not shaped as Encode writes one: a JSON object
// whose data is an array of opportunityStage resources and whose included, if any, holds
// users. Without it null, {} or {"data":null} would read as no stages at all, and a user
// in data would be taken for one, so that a malformed document wiped the sandbox.
// {"data":[]} is a state with no stages, and empties it. A document that is no JSON at
// all (cut short, say) is refused as such, with the byte where it breaks.
func checkShape(doc []byte) error {
	var top map[string]json.RawMessage
	err := json.Unmarshal(doc, &top)
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("the state is not well-formed JSON: %v, at byte %d of %d", se, se.Offset, len(doc))
	}
	if err != nil || top == nil {
		return errors.New(`the state must be a JSON object with a "data" array of opportunityStage resources ({"data":[]} for none)`)
	}
	raw, ok := top["data"]
	if !ok {
		return errors.New(`the state has no "data" member; send {"data":[]} to remove every stage`)
	}
	if err := checkMembers("data", raw, oppstages.ResourceType, "users belong in included"); err != nil {
		return err
	}
	if raw, ok := top["included"]; ok {
		return checkMembers("included", raw, oppstages.UserType, "stages belong in data")
	}
	return nil
}

// checkMembers checks that raw, the document's member called name, is an array of
// resources of type want; hint says where the others belong.
func checkMembers(name string, raw json.RawMessage, want, hint string) error {
	var resources []struct {
		Type string `json:"type"`
	}
	if trimmed := bytes.TrimSpace(raw); len(trimmed) == 0 || trimmed[0] != '[' || json.Unmarshal(trimmed, &resources) != nil {
		return fmt.Errorf("%q must be an array of %s resources", name, want)
	}
	for i, r := range resources {
		if r.Type != want {
			// %.64q quotes at most 64 characters of a type the client chose.
			return fmt.Errorf("%s[%d] is of type %.64q; %q holds %s resources only (%s)", name, i, r.Type, name, want, hint)
		}
	}
	return nil
}

// Encode writes what a store holds as a state document, with links under baseURL.
func Encode(st *store.Store, baseURL string) []byte {
	stages, users, next := st.Snapshot()
	return encodeRecords(store.State{Stages: stages, Users: users, NextID: next}, baseURL)
}

func encodeRecords(st store.State, baseURL string) []byte {
	return jsonapi.AppendRecords(nil, baseURL, jsonapi.Records{Stages: st.Stages, Users: st.Users, NextID: st.NextID})
}

// load reads a state file. A file that exists but cannot be read or decoded is an error
// that says so, and the file is left as it is.
func load(path string) (*store.Store, error) {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() { // a FIFO would block the read forever
		return nil, fmt.Errorf("state file: %s is not a regular file (%s); reading it could wait forever", path, info.Mode().Type())
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	st, err := Decode(doc, nil)
	if err != nil {
		return nil, fmt.Errorf("state file %s is not a valid state document (%w); fix or remove it, it was not changed", path, err)
	}
	return st, nil
}

// save replaces the state file atomically, so a crash at any point leaves either the old
// file or the new one, whole.
func save(path string, st store.State) error {
	if err := atomicfile.Write(path, encodeRecords(st, LinkBase)); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
