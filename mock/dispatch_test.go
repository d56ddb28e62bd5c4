package mock

import (
	"bytes"
	"strings"
	"testing"

	"github.com/oppstages/oppstages"
)

// New refuses to start when its dispatch table and openapi.yaml disagree, either way,
// and says which operation is the matter.
func TestNewChecksOperationsAgainstTheContract(t *testing.T) {
	doc, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(map[string]operation)
		want   []string
	}{
		{"as built", func(map[string]operation) {}, nil},
		{"an operation without an answer", func(ops map[string]operation) { delete(ops, oppstages.OpGetUser) },
			[]string{`openapi.yaml has operation "getUser" (GET /users/{id}), which the mock does not answer`}},
		{"an entry with no answer", func(ops map[string]operation) { ops[oppstages.OpDeleteOpportunityStage] = operation{} },
			[]string{`openapi.yaml has operation "deleteOpportunityStage" (DELETE /opportunityStages/{id}), which the mock does not answer`}},
		{"an answer to an operation the contract lacks", func(ops map[string]operation) { ops["listAccounts"] = operation{answer: (*Server).list} },
			[]string{`the mock answers operation "listAccounts", which openapi.yaml does not have`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := operations()
			tc.change(ops)
			_, err := newServer(Options{}, doc, ops)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New started with a dispatch table that does not match openapi.yaml")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// An operationId renamed in the contract alone stops New: the new name has no answer and
// the old one answers nothing.
func TestNewRefusesARenamedOperation(t *testing.T) {
	renamed := bytes.Replace(oppstages.SpecYAML, []byte("operationId: getUser\n"), []byte("operationId: fetchUser\n"), 1)
	if bytes.Equal(renamed, oppstages.SpecYAML) {
		t.Fatal("openapi.yaml has no operationId getUser to rename")
	}
	doc, err := oppstages.ParseSpec(renamed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newServer(Options{}, doc, operations())
	for _, want := range []string{
		`openapi.yaml has operation "fetchUser" (GET /users/{id}), which the mock does not answer`,
		`the mock answers operation "getUser", which openapi.yaml does not have`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v; want an error saying %q", err, want)
		}
	}
}
