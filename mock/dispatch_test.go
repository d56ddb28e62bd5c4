package mock

import (
	"bytes"
	"strings"
	"testing"

	"github.com/oppstages/oppstages"
)

// New refuses to start when its dispatch table and the contract (openapi.yaml for the API,
// oauth.yaml for the authorization server) disagree, either way, and says which operation
// is the matter.
func TestNewChecksOperationsAgainstTheContract(t *testing.T) {
	docs := contractDocuments(t)
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
			[]string{`the mock answers operation "listAccounts", which neither openapi.yaml nor oauth.yaml has`}},
		{"an authorization server operation without an answer", func(ops map[string]operation) { delete(ops, oppstages.OpCreateToken) },
			[]string{`oauth.yaml has operation "createToken" (POST /oauth/token), which the mock does not answer`}},
		{"an authorization server operation answered from the store", func(ops map[string]operation) {
			ops[oppstages.OpAuthorize] = operation{answer: (*Server).list}
		}, []string{`oauth.yaml has operation "authorize" (GET /oauth/authorize), which the mock does not answer`}},
		{"an API operation left to the authorization server", func(ops map[string]operation) { ops[oppstages.OpGetUser] = operation{oauth: true} },
			[]string{`openapi.yaml has operation "getUser" (GET /users/{id}), which the mock does not answer`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := operations()
			tc.change(ops)
			_, err := newServer(Options{}, docs, ops)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New started with a dispatch table that does not match the contract")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// contractDocuments are the embedded openapi.yaml and oauth.yaml.
func contractDocuments(t *testing.T) documents {
	t.Helper()
	api, err := oppstages.Spec()
	if err != nil {
		t.Fatal(err)
	}
	oauthDoc, err := oppstages.OAuthSpec()
	if err != nil {
		t.Fatal(err)
	}
	return documents{api: api, oauth: oauthDoc}
}

// An operation both documents have is the contract contradicting itself: New says so.
func TestNewRefusesAnOperationInBothDocuments(t *testing.T) {
	twice := bytes.Replace(oppstages.OAuthYAML, []byte("operationId: authorize\n"), []byte("operationId: getUser\n"), 1)
	if bytes.Equal(twice, oppstages.OAuthYAML) {
		t.Fatal("oauth.yaml has no operationId authorize to rename")
	}
	oauthDoc, err := oppstages.ParseSpec(twice)
	if err != nil {
		t.Fatal(err)
	}
	docs := contractDocuments(t)
	docs.oauth = oauthDoc
	_, err = newServer(Options{}, docs, operations())
	if want := `operation "getUser" is in both openapi.yaml and oauth.yaml`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("New: %v; want an error saying %q", err, want)
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
	docs := contractDocuments(t)
	docs.api = doc
	_, err = newServer(Options{}, docs, operations())
	for _, want := range []string{
		`openapi.yaml has operation "fetchUser" (GET /users/{id}), which the mock does not answer`,
		`the mock answers operation "getUser", which neither openapi.yaml nor oauth.yaml has`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v; want an error saying %q", err, want)
		}
	}
}
