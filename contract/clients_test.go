package contract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// editQuery serves next with the request's query changed by edit first.
func editQuery(next http.Handler, edit func(url.Values)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		edit(q)
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		next.ServeHTTP(w, r2)
	})
}

// Servers that get the client forms wrong, each with the check that must catch it.
var clientBugs = []struct {
	name, check string
	wrap        func(http.Handler) http.Handler
}{
	{"the first of repeated values wins", "clients/repeated-parameter-last-wins", func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) {
			for k, vs := range q {
				q[k] = vs[:1]
			}
		})
	}},
	{"repeated parameters refused", "clients/repeated-parameters-appended-to-next", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, vs := range r.URL.Query() {
				if len(vs) > 1 {
					http.Error(w, `{"errors":[{"id":"badRequest","title":"Bad Request","detail":"repeated"}]}`, http.StatusBadRequest)
					return
				}
			}
			h.ServeHTTP(w, r)
		})
	}},
	{"operators ignored", "clients/new-syntax/order-window", dropParams(func(k string) bool { return strings.HasSuffix(k, "][gte]") || strings.HasSuffix(k, "][lte]") })},
	{"strict bounds read as inclusive", "clients/new-syntax/strict-bounds", func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) {
			for k, vs := range q {
				if base, ok := strings.CutSuffix(k, "][gt]"); ok {
					q.Del(k)
					q[base+"][gte]"] = vs
				}
			}
		})
	}},
	{"date upper bound ignored", "clients/new-syntax/date-window", dropParams(func(k string) bool { return k == "filter[updatedAt][lte]" })},
	{"list keeps only one value", "clients/new-syntax/any-of-list", func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) {
			if vs := q["filter[id][]"]; len(vs) > 1 {
				q["filter[id][]"] = vs[:1]
			}
		})
	}},
	{"operators accepted without the flag", "clients/new-syntax/needs-flag", func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) { q.Set("newFilterSyntax", "true") })
	}},
	{"operators without the flag break the server", "clients/new-syntax/needs-flag", answerWhen(http.StatusInternalServerError, func(q url.Values) bool {
		return q.Has("filter[order][gte]") && !q.Has("newFilterSyntax")
	})},
	{"null test ignored", "clients/null-filters", dropParams(func(k string) bool { return k == "filter[order]" })},
	{"offset ignored", "clients/offset-pages", func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) {
			if q.Has("page[limit]") {
				q.Set("page[offset]", "0")
			}
		})
	}},
	{"offset and cursor mixed", "clients/offset-mixed-with-cursor", dropParams(func(k string) bool { return k == "page[offset]" || k == "page[limit]" })},
	{"offset and cursor mixed is unprocessable", "clients/offset-mixed-with-cursor", answerWhen(http.StatusUnprocessableEntity, func(q url.Values) bool {
		return (q.Has("page[offset]") || q.Has("page[limit]")) && (q.Has("page[after]") || q.Has("page[size]"))
	})},
}

// answerWhen answers status with a JSON:API error to the queries when picks, and serves the
// rest with next.
func answerWhen(status int, when func(url.Values) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !when(r.URL.Query()) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/vnd.api+json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"id":"internalServerError","title":"%s","detail":"a wrong answer"}]}`, http.StatusText(status))
		})
	}
}

// inferredOnly names the bugs that answer otherwise than openapi.yaml only infers (x-inferred),
// as the real API may, without breaking anything: their checks must neither pass nor fail
// but skip, with a reason that starts as information and holds each of the words listed
// (the inference and what the target answered).
var inferredOnly = map[string][]string{
	"operators accepted without the flag": {"x-inferred", "answered 200"},
	"offset and cursor mixed":             {"x-inferred", "answered 200"},
}

// isInformation reports whether a result is the skip inferredOnly asks for.
func isInformation(r contract.Result, words []string) bool {
	if !r.Skipped || !strings.HasPrefix(r.SkipReason, "information, not a failure: ") {
		return false
	}
	for _, w := range words {
		if !strings.Contains(r.SkipReason, w) {
			return false
		}
	}
	return true
}

// dropParams serves without the query parameters drop names.
func dropParams(drop func(name string) bool) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return editQuery(h, func(q url.Values) {
			for k := range q {
				if drop(k) {
					q.Del(k)
				}
			}
		})
	}
}

func TestClientChecksCatchTheirBugs(t *testing.T) {
	for _, bug := range clientBugs {
		t.Run(bug.name, func(t *testing.T) {
			m, err := mock.New(mock.Options{Generate: 30, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(bug.wrap(m.Handler()))
			defer srv.Close()
			report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Client: srv.Client(), Seed: 1, Run: "^clients/"})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range report.Results {
				if r.Name == bug.check {
					found = true
					words, inferred := inferredOnly[bug.name]
					switch {
					case r.Passed:
						t.Errorf("%s passed against a server where %s", bug.check, bug.name)
					case inferred && !isInformation(r, words):
						t.Errorf("%s: want skipped as information naming %q; got %s", bug.check, words, contract.Line(r))
					case !inferred && r.Skipped:
						t.Errorf("%s skipped against a server where %s: %s", bug.check, bug.name, contract.Line(r))
					}
				}
			}
			if !found {
				t.Errorf("check %s did not run", bug.check)
			}
		})
	}
}
