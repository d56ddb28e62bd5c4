package contract_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/contract"
	"github.com/oppstages/oppstages/mock"
)

// rewrite runs next into a recorder, lets edit change the recorded response, and sends it.
func rewrite(next http.Handler, edit func(r *http.Request, rec *httptest.ResponseRecorder) (status int, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		status, body := edit(r, rec)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		w.Write(body)
	})
}

// editJSON applies f to every object in a JSON document.
func editJSON(body []byte, f func(map[string]any)) []byte {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			f(v)
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	out, _ := json.Marshal(doc)
	return out
}

var numericID = regexp.MustCompile(`"id":(\d+)`)

// bugs are broken implementations, each with the check that must catch it.
var bugs = []struct {
	name  string
	check string
	wrap  func(http.Handler) http.Handler
}{
	{"drops updatedAt", "create/round-trip", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			return rec.Code, editJSON(rec.Body.Bytes(), func(m map[string]any) { delete(m, "updatedAt") })
		})
	}},
	{"wrong media type", "list/conforms", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			rec.Header().Set("Content-Type", "application/json")
			return rec.Code, rec.Body.Bytes()
		})
	}},
	{"200 instead of 201", "create/round-trip", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			if rec.Code == http.StatusCreated {
				return http.StatusOK, rec.Body.Bytes()
			}
			return rec.Code, rec.Body.Bytes()
		})
	}},
	{"ignores page[after]", "list/cursor-walk", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			q.Del("page[after]")
			r.URL.RawQuery = q.Encode()
			h.ServeHTTP(w, r)
		})
	}},
	{"ignores sort", "list/sort/name/asc", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			q.Del("sort")
			r.URL.RawQuery = q.Encode()
			h.ServeHTTP(w, r)
		})
	}},
	{"PATCH nulls unsent attributes", "update/changes-only-what-was-sent", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch {
				var body bytes.Buffer
				body.ReadFrom(r.Body)
				edited := editJSON(body.Bytes(), func(m map[string]any) {
					if attrs, ok := m["attributes"].(map[string]any); ok {
						for _, k := range []string{"name", "order", "isClosed", "color"} {
							if _, sent := attrs[k]; !sent {
								attrs[k] = nil
							}
						}
					}
				})
				r.Body = http.NoBody
				r = r.Clone(r.Context())
				r.Body = ioNopCloser(edited)
				r.ContentLength = int64(len(edited))
			}
			h.ServeHTTP(w, r)
		})
	}},
	{"DELETE that does not delete", "delete/then-404", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				r = r.Clone(r.Context())
				r.Method = http.MethodGet
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				for k, vs := range rec.Header() {
					w.Header()[k] = vs
				}
				w.Header().Del("Content-Type")
				w.Header().Del("Content-Length")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			h.ServeHTTP(w, r)
		})
	}},
	{"ids as strings", "list/conforms", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			return rec.Code, numericID.ReplaceAll(rec.Body.Bytes(), []byte(`"id":"$1"`))
		})
	}},
	{"missing rate-limit headers", "list/conforms", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			for _, k := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset"} {
				rec.Header().Del(k)
			}
			return rec.Code, rec.Body.Bytes()
		})
	}},
	{"errors in another shape", "errors/unknown-id", func(h http.Handler) http.Handler {
		return rewrite(h, func(r *http.Request, rec *httptest.ResponseRecorder) (int, []byte) {
			if rec.Code >= 400 {
				return rec.Code, []byte(`{"message":"something went wrong","code":` + http.StatusText(rec.Code)[:0] + `1}`)
			}
			return rec.Code, rec.Body.Bytes()
		})
	}},
	{"a filter that 500s", "list/filter/range", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.RawQuery, "filter%5Border%5D") {
				r = r.Clone(r.Context())
				r.Header.Set("Prefer", "code=500")
			}
			h.ServeHTTP(w, r)
		})
	}},
}

func ioNopCloser(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// TestSuiteCatchesEveryBugClass runs the suite against the mock with one bug planted at a
// time; the check named for the bug must fail. The clean mock passes everything (TestSuite).
func TestSuiteCatchesEveryBugClass(t *testing.T) {
	for _, bug := range bugs {
		t.Run(bug.name, func(t *testing.T) {
			m, err := mock.New(mock.Options{Generate: 20, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(bug.wrap(m.Handler()))
			defer srv.Close()
			report, err := contract.Run(t.Context(), contract.Config{Target: srv.URL, Token: "t", Mode: contract.Full, Client: srv.Client(), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			caught := false
			var failed []string
			for _, r := range report.Results {
				if !r.Passed {
					failed = append(failed, r.Name)
				}
				if r.Name == bug.check {
					caught = !r.Passed
					t.Logf("%s", contract.Line(r))
				}
			}
			if !caught {
				t.Errorf("check %s did not catch %q; failing checks: %v", bug.check, bug.name, failed)
			}
			if bug.name == "DELETE that does not delete" && len(report.Leftovers) == 0 {
				t.Error("records the broken DELETE kept were not reported as left behind")
			}
		})
	}
}
