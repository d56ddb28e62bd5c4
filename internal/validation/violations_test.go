package validation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// An answer with a header missing and a body that breaks its schema shows both: the
// headers are not checked instead of the body.
func TestViolationsListHeadersAndBodyTogether(t *testing.T) {
	v := newValidator(t)
	r := httptest.NewRequest("GET", "/api/v2/opportunityStages/1", nil)
	m, rerr := v.Route(r)
	if rerr != nil {
		t.Fatal(rerr)
	}
	header := http.Header{"Content-Type": {"application/vnd.api+json"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"}}
	body := []byte(`{"data":{"type":"opportunityStage","id":"1","links":{"self":"http://x/api/v2/opportunityStages/1"}}}`)
	got := v.Violations(m, 200, header, body)
	var missingHeader, bodyID *Violation
	for i, violation := range got {
		switch {
		case violation.Message == "header X-RateLimit-Limit is missing":
			missingHeader = &got[i]
		case strings.HasPrefix(violation.Message, "body /data/id: "):
			bodyID = &got[i]
		}
	}
	if missingHeader == nil || bodyID == nil {
		t.Fatalf("violations %+v, want the missing header and the string id both", got)
	}
	// openapi.yaml marks the rate-limit headers x-inferred; the id's type is the vendor's.
	if !missingHeader.Inferred || missingHeader.Reason == "" {
		t.Errorf("the missing X-RateLimit-Limit is %+v, want inferred with openapi.yaml's reason", *missingHeader)
	}
	err := v.Response(context.Background(), r, m, 200, header, body)
	if err == nil || !strings.Contains(err.Error(), "X-RateLimit-Limit") || !strings.Contains(err.Error(), "/data/id") {
		t.Errorf("Response: %v, want the header and the body both named", err)
	}
}

// markedSpec marks one constraint of each kind x-inferred, and leaves its twin unmarked.
const markedSpec = `
openapi: 3.0.3
info: {title: marks, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          headers:
            X-Guessed:
              required: true
              x-inferred: true
              x-inferred-reason: guessed header
              schema: {type: integer}
            X-Known:
              required: true
              schema: {type: integer}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '400':
          description: a guessed answer
          x-inferred: true
          x-inferred-reason: guessed response
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /guessed:
    get:
      operationId: guessedOperation
      x-inferred: true
      x-inferred-reason: guessed operation
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      type: object
      required: [known, guessedMember]
      properties:
        known: {type: integer, minimum: 1}
        "a/b~c": {type: integer}
        cited: {type: integer, minimum: 1, x-source: a published fact}
        guessedMember:
          type: integer
          x-inferred: true
          x-inferred-reason: guessed member
        guessedLimit:
          type: integer
          minimum: 1
          x-inferred: true
          x-inferred-reason: guessed limit
        guessedGroup:
          type: object
          x-inferred: true
          x-inferred-reason: guessed group
          properties:
            inner: {type: string, enum: [a]}
        list:
          type: array
          items:
            type: object
            required: [id]
            properties:
              id: {type: integer}
        split:
          allOf:
            - {type: integer}
            - {maximum: 10, x-inferred: true, x-inferred-reason: guessed maximum}
        guessedRequired:
          type: object
          properties:
            a: {type: integer}
          allOf:
            - {required: [a], x-inferred: true, x-inferred-reason: guessed requirement}
        guessedList:
          type: array
          x-inferred: true
          x-inferred-reason: guessed list
          items: {type: integer}
        shared: {$ref: '#/components/schemas/Small'}
        sharedGuessed:
          allOf:
            - {$ref: '#/components/schemas/Small'}
          x-inferred: true
          x-inferred-reason: guessed use
    Small:
      type: object
      properties:
        n: {type: integer, minimum: 5}
`

// Each violation is labelled inferred exactly when the rule it breaks, or an object that
// holds it, is marked x-inferred in the document, wherever the mark sits.
func TestViolationsLabelWhatRestsOnGuesses(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(markedSpec))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	complete := `"known":1,"guessedMember":1`
	known := http.Header{"Content-Type": {"application/json"}, "X-Guessed": {"1"}, "X-Known": {"1"}}
	tests := []struct {
		name, path string
		status     int
		header     http.Header
		body       string
		message    string // a prefix of the violation
		inferred   bool
		reason     string
	}{
		{"an unmarked rule", "/things", 200, known, `{"known":0,"guessedMember":1}`, "body /known: ", false, ""},
		{"a member whose name needs escaping", "/things", 200, known, `{` + complete + `,"a/b~c":"x"}`, "body /a~1b~0c: ", false, ""},
		{"the whole body", "/things", 200, known, `[]`, "body /: ", false, ""},
		{"a cited rule", "/things", 200, known, `{` + complete + `,"cited":0}`, "body /cited: ", false, ""},
		{"a marked property", "/things", 200, known, `{` + complete + `,"guessedLimit":0}`, "body /guessedLimit: ", true, "guessed limit"},
		{"inside a marked object", "/things", 200, known, `{` + complete + `,"guessedGroup":{"inner":"b"}}`, "body /guessedGroup/inner: ", true, "guessed group"},
		{"an unmarked required member", "/things", 200, known, `{"guessedMember":1}`, "body /known: ", false, ""},
		{"a missing member marked a guess", "/things", 200, known, `{"known":1}`, "body /guessedMember: ", true, "guessed member"},
		{"in a list item", "/things", 200, known, `{` + complete + `,"list":[{"id":1},{}]}`, "body /list/1/id: ", false, ""},
		{"a marked allOf part", "/things", 200, known, `{` + complete + `,"split":11}`, "body /split: ", true, "guessed maximum"},
		{"the unmarked allOf part", "/things", 200, known, `{` + complete + `,"split":"x"}`, "body /split: ", false, ""},
		{"a requirement in a marked allOf part", "/things", 200, known, `{` + complete + `,"guessedRequired":{}}`, "body /guessedRequired/a: ", true, "guessed requirement"},
		{"a shared schema used plainly", "/things", 200, known, `{` + complete + `,"shared":{"n":1}}`, "body /shared/n: ", false, ""},
		{"a shared schema used in a marked place", "/things", 200, known, `{` + complete + `,"sharedGuessed":{"n":1}}`, "body /sharedGuessed/n: ", true, "guessed use"},
		{"a marked header", "/things", 200, http.Header{"Content-Type": {"application/json"}, "X-Known": {"1"}}, `{` + complete + `}`, "header X-Guessed is missing", true, "guessed header"},
		{"an unmarked header", "/things", 200, http.Header{"Content-Type": {"application/json"}, "X-Guessed": {"1"}, "X-Known": {"one"}}, `{` + complete + `}`, `header X-Known "one" is not an integer`, false, ""},
		{"a marked response", "/things", 400, http.Header{"Content-Type": {"application/json"}}, `{"known":0,"guessedMember":1}`, "body /known: ", true, "guessed response"},
		{"a marked operation", "/guessed", 200, http.Header{"Content-Type": {"text/plain"}}, `x`, `Content-Type "text/plain" is not documented`, true, "guessed operation"},
		{"past the places shown, on guesses", "/things", 200, known, `{` + complete + `,"guessedList":[` + strings.Repeat(`"x",`, 24) + `"x"]}`, "and 5 more places in the body", true, "guessed list"},
		{"past the places shown, on facts too", "/things", 200, known, `{` + complete + `,"guessedList":[` + strings.Repeat(`"x",`, 24) + `"x"],"known":0}`, "and 6 more places in the body", false, ""},
		{"an undocumented status", "/things", 500, known, `{}`, "status 500 is not documented", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rerr := v.Route(httptest.NewRequest("GET", tt.path, nil))
			if rerr != nil {
				t.Fatal(rerr)
			}
			got := v.Violations(m, tt.status, tt.header, []byte(tt.body))
			var found *Violation
			for i := range got {
				if strings.HasPrefix(got[i].Message, tt.message) {
					found = &got[i]
				}
			}
			if found == nil {
				t.Fatalf("violations %+v, want one starting %q", got, tt.message)
			}
			if found.Inferred != tt.inferred || found.Reason != tt.reason {
				t.Errorf("%q: inferred %v reason %q, want %v %q", found.Message, found.Inferred, found.Reason, tt.inferred, tt.reason)
			}
			if wantSource := strings.HasPrefix(tt.message, "body /cited"); (found.Source == "a published fact") != wantSource || !wantSource && found.Source != "" {
				t.Errorf("%q: source %q, want it only on the cited rule", found.Message, found.Source)
			}
		})
	}
}
