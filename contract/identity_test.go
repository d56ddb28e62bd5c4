package contract

import (
	"encoding/json"
	"strings"
	"testing"
)

func errorAnswer(t *testing.T, status int, body string) *reply {
	t.Helper()
	rep := &reply{status: status, body: []byte(body)}
	if err := json.Unmarshal(rep.body, &rep.doc); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestIdentityFindings(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		want     string // a fragment of the finding; empty: none
		inferred bool
	}{
		{"the vendor's 404 for a route", 404, `{"errors":[{"id":"routeNotFound","title":"Route Not Found"}]}`, "", false},
		{"the vendor's 415", 415, `{"errors":[{"id":"unsupportedMediaType","title":"Unsupported Media Type","details":"Expected ..."}]}`, "", false},
		{"a 400 of an id the reference does not list", 400, `{"errors":[{"id":"badRequest","title":"Bad Request"}]}`, "", false},
		{"a 500", 500, `{"errors":[{"id":"internalServerError"}]}`, "", false},
		{"a documented id on another status", 400, `{"errors":[{"id":"routeNotFound","title":"Route Not Found"}]}`, `has id "routeNotFound" on a 400 answer; the vendor's routeNotFound is a 404`, false},
		{"a confirmed id with another title", 404, `{"errors":[{"id":"routeNotFound","title":"Not Found"}]}`, `title "Not Found", the vendor's is "Route Not Found"`, false},
		{"an inferred id with another title", 404, `{"errors":[{"id":"resourceNotFound","title":"Not Found"}]}`, `title "Not Found"`, true},
		{"a 415 of another id", 415, `{"errors":[{"id":"badMediaType"}]}`, `the vendor's 415 errors are unsupportedMediaType`, false},
		{"a 404 of another id", 404, `{"errors":[{"id":"notFound"}]}`, `the vendor's 404 errors are routeNotFound or resourceNotFound`, true},
		{"the 415 explained in detail", 415, `{"errors":[{"id":"unsupportedMediaType","title":"Unsupported Media Type","detail":"Expected ..."}]}`, "no member details", false},
		{"a status member of another status", 404, `{"errors":[{"id":"routeNotFound","title":"Route Not Found","status":"400"}]}`, `status "400" on a 404 answer`, false},
		{"data beside errors", 404, `{"data":null,"errors":[{"id":"routeNotFound","title":"Route Not Found"}]}`, "carries data", false},
	}
	for _, tt := range tests {
		f := identityFindings("GET /x", errorAnswer(t, tt.status, tt.body))
		switch {
		case tt.want == "" && len(f.problems) > 0:
			t.Errorf("%s: %v", tt.name, f.problems)
		case tt.want != "" && (len(f.problems) == 0 || !strings.Contains(f.problems[0], tt.want)):
			t.Errorf("%s: %v, want a finding with %q", tt.name, f.problems, tt.want)
		case tt.want != "" && f.inferred != tt.inferred:
			t.Errorf("%s: inferred %v, want %v", tt.name, f.inferred, tt.inferred)
		}
	}
}
