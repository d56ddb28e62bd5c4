package upstream

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oppstages/oppstages/fixtures"
	"github.com/oppstages/oppstages/internal/journal"
)

var (
	stageAttrs = []string{"color", "createdAt", "isClosed", "name", "order", "updatedAt"}
	userAttrs  = []string{"createdAt", "email", "firstName", "lastName", "locked", "name", "title", "updatedAt", "username"}
)

const fullStage = `{"type":"opportunityStage","id":%s,"attributes":{"color":"#fff","createdAt":"2024-01-05T10:00:00.000Z","isClosed":false,"name":"Won","order":1,"updatedAt":"2024-01-05T10:00:00.000Z","probability":50},"relationships":{"creator":{"data":{"type":"user","id":7},"links":{"related":"https://api.example/api/v2/users/7"}}},"links":{"self":"https://api.example/api/v2/opportunityStages/1"}}`

func stage(id string) string { return strings.Replace(fullStage, "%s", id, 1) }

func readData(t *testing.T, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Data
}

func TestRecorderRecords(t *testing.T) {
	dir := t.TempDir()
	rec, err := NewRecorder(dir, stageAttrs, userAttrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(body string) { rec.Record(Exchange{Status: 200, Header: http.Header{}, Body: []byte(body)}) }
	ok(`{"data":[` + stage("1") + `,` + stage(`"2"`) + `]}`)                                       // a string id cannot be served
	ok(`{"data":{"type":"opportunityStage","id":3,"attributes":{"name":"Partial"}}}`)              // partial and unknown: not a record
	ok(`{"data":[{"type":"opportunityStage","id":1,"attributes":{"name":"Renamed"},"links":{}}]}`) // partial and known: an update
	ok(`{"data":{"type":"user","id":7,"attributes":{"firstName":"Ada"}}}`)                         // a partial creator fills the placeholder

	stages := readData(t, filepath.Join(dir, "stages.json"))
	if len(stages) != 1 || stages[0]["id"] != float64(1) {
		t.Fatalf("stages.json: %v", stages)
	}
	attrs := stages[0]["attributes"].(map[string]any)
	if attrs["name"] != "Renamed" || attrs["probability"] != nil || attrs["color"] != "#fff" {
		t.Errorf("stage 1 attributes: %v", attrs)
	}
	users := readData(t, filepath.Join(dir, "users.json"))
	want := []map[string]any{{"type": "user", "id": float64(7), "attributes": map[string]any{"firstName": "Ada"}, "meta": map[string]any{"placeholder": true}}}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("users.json (-want +got):\n%s", diff)
	}
	if _, err := fixtures.Load(os.DirFS(dir)); err != nil {
		t.Errorf("the recording does not load: %v", err)
	}

	// A new recorder on the same directory keeps what is there; a DELETE removes.
	rec, err = NewRecorder(dir, stageAttrs, userAttrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec.Record(Exchange{Status: 204, Header: http.Header{}, Deleted: 1})
	if stages := readData(t, filepath.Join(dir, "stages.json")); len(stages) != 0 {
		t.Errorf("after the delete: %v", stages)
	}
}

func TestRecorderErrors(t *testing.T) {
	dir := t.TempDir()
	rec, err := NewRecorder(dir, stageAttrs, userAttrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret := "sk-live-abcdefghijkl"
	fail := func(status int, header http.Header, body string) {
		rec.Record(Exchange{Status: status, Header: header, Body: []byte(body), Secrets: []string{secret}})
	}
	fail(404, http.Header{}, `{"errors":[{"id":"resourceNotFound","detail":"a"}]}`)
	fail(404, http.Header{}, `{"errors":[{"id":"resourceNotFound","detail":"a"}]}`)
	fail(404, http.Header{}, `{"errors":[{"id":"resourceNotFound","detail":"b"}]}`)
	fail(401, http.Header{}, `{"error":"Invalid JWT token: `+secret+`","description":"x"}`)
	fail(503, http.Header{"Retry-After": {"120"}, "X-Ratelimit-Limit": {"10"}}, `{"errors":[{"id":"../../etc/passwd"}]}`)
	fail(500, http.Header{}, `<html>oops</html>`)
	fail(418, http.Header{}, `[]`)

	got, err := fixtures.LoadErrors(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for name := range got {
		names = append(names, name)
	}
	want := []string{"401-invalidJWTTokenREDACTED", "404-resourceNotFound", "404-resourceNotFound-2", "503-etcpasswd"}
	if diff := cmp.Diff(want, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"Retry-After": "120"}, got["503-etcpasswd"].Headers); diff != "" {
		t.Errorf("kept headers (-want +got):\n%s", diff)
	}
	if strings.Contains(string(got["401-invalidJWTTokenREDACTED"].Body), secret) {
		t.Errorf("the secret was recorded")
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"No Authorization header.": "noAuthorizationHeader",
		"Invalid JWT token.":       "invalidJWTToken",
		"  ":                       "",
		"écrit ça":                 "critA",
	} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := fileSafe("../a/b c:d.json"); got != "abcd.json" {
		t.Errorf("fileSafe: %q", got)
	}
}

// FuzzRecord: whatever the upstream answers, and whatever masking the request's secrets
// makes of it, recording never fails loudly and the directory always loads as fixtures.
func FuzzRecord(f *testing.F) {
	f.Add(200, `{"data":[`+stage("1")+`]}`)
	f.Add(200, `{"data":{"type":"user","id":7,"attributes":{"firstName":"Ada","locked":"no"}}}`)
	f.Add(200, `{"data":{"type":"opportunityStage","id":1,"attributes":{"createdAt":null}},"included":[1,"x",null]}`)
	f.Add(404, `{"errors":[{"id":"../x"}]}`)
	f.Add(401, `{"error":"\u0000"}`)
	f.Add(204, ``)
	f.Add(403, `{"errors":[{"id":"forbidden","detail":"RT2\/abc-0123 or RT2%2Fabc-0123"}]}`)
	f.Add(200, `{"data":[`+strings.Replace(stage("1"), `"name":"`, `"name":"RT2\u002fabc-0123 `, 1)+`]}`)
	f.Add(200, `{"data":{"type":"opportunityStage","id":12345678,"attributes":{"order":12345678}}}`)
	dir := f.TempDir()
	rec, err := NewRecorder(dir, stageAttrs, userAttrs, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		rec.Record(Exchange{Status: status, Header: http.Header{"Retry-After": {"1"}}, Body: []byte(body), Secrets: []string{"RT2/abc-0123", "12345678"}})
		if _, err := fixtures.Load(os.DirFS(dir)); err != nil {
			t.Fatalf("after %d %q the recording does not load: %v", status, body, err)
		}
		if _, err := fixtures.LoadErrors(os.DirFS(dir)); err != nil {
			t.Fatalf("after %d %q the errors do not load: %v", status, body, err)
		}
	})
}

// A credential the answer repeats is written to no file, however the answer's JSON
// encodes it: as it is, with its slash escaped (\/ or \u002f), or URL-encoded.
func TestRecorderMasksEncodedSecrets(t *testing.T) {
	const secret = "RT2/abc-0123456789"
	for name, echo := range map[string]string{
		"as it is":          secret,
		`slash as \/`:       `RT2\/abc-0123456789`,
		`slash as \u002f`:   `RT2\u002fabc-0123456789`,
		`all \u-escaped`:    `\u0052\u0054\u0032\u002F\u0061\u0062\u0063\u002D0123456789`,
		"URL-encoded":       `https://api.test/cb?t=RT2%2Fabc-0123456789`,
		"URL-encoded twice": `RT2%252Fabc-0123456789`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			rec, err := NewRecorder(dir, stageAttrs, userAttrs, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec.Record(Exchange{Status: 403, Header: http.Header{}, Secrets: []string{secret},
				Body: []byte(`{"errors":[{"id":"forbidden","detail":"token ` + echo + ` may not"}]}`)})
			raw, err := os.ReadFile(filepath.Join(dir, "errors", "403-forbidden.json"))
			if err != nil {
				t.Fatal(err)
			}
			fx, err := fixtures.ParseErrorResponse(raw)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Errors []struct{ Detail string } `json:"errors"`
			}
			if err := json.Unmarshal(fx.Body, &doc); err != nil || len(doc.Errors) != 1 {
				t.Fatalf("recorded body %s: %v", fx.Body, err)
			}
			detail := doc.Errors[0].Detail
			for range 2 {
				if strings.Contains(detail, secret) {
					t.Fatalf("the secret was recorded: %s", raw)
				}
				detail, _ = url.QueryUnescape(detail)
			}
			if !strings.Contains(doc.Errors[0].Detail, journal.Redacted) {
				t.Errorf("nothing masked: %s", raw)
			}
		})
	}
}
