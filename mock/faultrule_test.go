package mock_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oppstages/oppstages/mock"
)

// faultWithHeaders is a rule answering 503 with the headers, given as a JSON object.
func faultWithHeaders(headers string) string {
	return `{"status":503,"headers":` + headers + `}`
}

// manyHeaders is a JSON object of n headers named X-Header-1 and on, each with value.
func manyHeaders(n int, value string) string {
	members := make([]string, n)
	for i := range members {
		members[i] = fmt.Sprintf(`"X-Header-%d":%q`, i+1, value)
	}
	return "{" + strings.Join(members, ",") + "}"
}

// A rule that net/http could not send as it is, or that is larger than a rule may be, is
// refused with a 400 naming the member, and the header or the limit.
func TestFaultRuleRefusals(t *testing.T) {
	for _, c := range []struct {
		name, rule, field, want string
	}{
		{"header name with a space", faultWithHeaders(`{"Bad Header":"x"}`), "headers", `"Bad Header" is not a header name`},
		{"header name with a colon", faultWithHeaders(`{"X-A:b":"x"}`), "headers", `"X-A:b" is not a header name`},
		{"header name with NUL", faultWithHeaders(`{"X-A\u0000":"x"}`), "headers", `"X-A\x00" is not a header name`},
		{"header name with a newline", faultWithHeaders(`{"X-A\nInjected":"x"}`), "headers", `"X-A\nInjected" is not a header name`},
		{"empty header name", faultWithHeaders(`{"":"x"}`), "headers", `"" is not a header name`},
		{"header name beyond ASCII", faultWithHeaders(`{"X-Über":"x"}`), "headers", `"X-Über" is not a header name`},
		{"header value with NUL", faultWithHeaders(`{"Retry-After":"1\u00002"}`), "headers", `the value of "Retry-After" holds a control character`},
		{"header value with CR LF", faultWithHeaders(`{"X-A":"1\r\nSet-Cookie: a=b"}`), "headers", `the value of "X-A" holds a control character`},
		{"header value with a lone LF", faultWithHeaders(`{"X-A":"1\nb"}`), "headers", `the value of "X-A" holds a control character`},
		{"header value with BEL", faultWithHeaders(`{"X-A":"\u0007"}`), "headers", `the value of "X-A" holds a control character`},
		{"header value with DEL", faultWithHeaders(`{"X-A":"\u007f"}`), "headers", `the value of "X-A" holds a control character`},
		{"Content-Length", faultWithHeaders(`{"content-length":"5"}`), "headers", `"content-length" frames the answer`},
		{"Transfer-Encoding", faultWithHeaders(`{"Transfer-Encoding":"chunked"}`), "headers", `"Transfer-Encoding" frames the answer`},
		{"too many headers", faultWithHeaders(manyHeaders(33, "x")), "headers", "at most 32 headers, not 33"},
		{"headers too large", faultWithHeaders(manyHeaders(2, strings.Repeat("v", 4200))), "headers", "at most 8192 bytes of names and values together, not 8420"},
		{"body too large", `{"status":500,"body":"` + strings.Repeat("b", 64<<10) + `"}`, "body", "must be at most 65536 bytes, not 65538"},
		{"path too long", `{"status":500,"path":"/` + strings.Repeat("p", 1024) + `"}`, "path", "must be at most 1024 bytes long, not 1025"},
		{"path with too many segments", `{"status":500,"path":"` + strings.Repeat("/*", 17) + `"}`, "path", "must have at most 16 segments, not 17"},
		{"drop neither when nor whether", `{"drop":"sideways"}`, "drop", `must be true, false, "before" or "after", not "sideways"`},
		{"no action", `{"path":"/api/v2/opportunityStages"}`, "status", "a fault rule needs status, example, drop, delay or expireToken"},
		{"expireToken with a status", `{"expireToken":true,"status":401}`, "expireToken", "combines with no other action"},
		{"expireToken with a drop", `{"expireToken":true,"drop":"after"}`, "expireToken", "combines with no other action"},
		{"expireToken with a delay", `{"expireToken":true,"delay":"1ms"}`, "expireToken", "combines with no other action"},
		{"path of 20000 segments", `{"status":500,"path":"` + strings.Repeat("/*", 20000) + `"}`, "path", "must be at most 1024 bytes long, not 40000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, client := newServer(t, mock.Options{})
			r := postFault(t, client, "", c.rule)
			var body struct{ Error, Field string }
			if err := json.Unmarshal(r.Body, &body); err != nil || r.Status != http.StatusBadRequest {
				t.Fatalf("status %d body %.300s, want 400 with the admin API's error", r.Status, r.Body)
			}
			if body.Field != c.field || !strings.Contains(body.Error, c.want) {
				t.Errorf("field %q error %q, want field %q and an error saying %q", body.Field, body.Error, c.field, c.want)
			}
			if list := client.Get("/__admin/faults"); len(list.JSON["faults"].([]any)) != 0 {
				t.Errorf("the refused rule was stored: %s", list.Body)
			}
		})
	}
}

// A rule at every bound is taken, and its answer goes over the wire as the rule says:
// header names of every token character, values with a tab and bytes beyond ASCII, 32
// headers, a body of 64 KiB and a path of 16 segments.
func TestFaultRuleAtTheBoundsWorks(t *testing.T) {
	s, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	path := strings.Repeat("/seg", 15) + "/*"
	bodyText := strings.Repeat("b", 64<<10-2) // with its quotes, 64 KiB of JSON
	headers := map[string]string{
		"X-!#$%&'*+-.^_`|~09azAZ": "token characters",
		"X-Tab":                   "a\tb",
		"X-Obs-Text":              "caf\xc3\xa9",
		"Retry-After":             "7",
	}
	for i := len(headers); i < 32; i++ {
		headers[fmt.Sprintf("X-Filler-%d", i)] = "x"
	}
	rule, err := json.Marshal(map[string]any{"path": path, "status": 503, "headers": headers, "body": bodyText})
	if err != nil {
		t.Fatal(err)
	}
	added, err := http.Post(srv.URL+"/__admin/faults", "application/json", strings.NewReader(string(rule)))
	if err != nil {
		t.Fatal(err)
	}
	added.Body.Close()
	if added.StatusCode != http.StatusCreated {
		t.Fatalf("post the rule: %d", added.StatusCode)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+strings.Repeat("/seg", 15)+"/last", nil)
	req.Header.Set("Authorization", "Bearer any-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the rule's answer could not be read: %v", err)
	}
	defer resp.Body.Close()
	var got string
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got != bodyText || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, body of %d bytes (%v); want 503 and the rule's body", resp.StatusCode, len(got), err)
	}
	for name, want := range headers {
		if v := resp.Header.Values(name); len(v) != 1 || v[0] != want {
			t.Errorf("header %q: %q, want %q", name, v, want)
		}
	}
}
