package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, args []string, env map[string]string) (addr string, stdout *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, environList(env), stdout, io.Discard, ready)
	}()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("run returned before serving: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("server did not start")
	}
	return addr, stdout, func() error {
		cancel()
		return <-done
	}
}

func get(t *testing.T, url, token string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp, doc
}

func TestRunServesAndShutsDown(t *testing.T) {
	addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-generate", "5", "-seed", "9", "-log-format", "json"}, nil)
	resp, doc := get(t, "http://"+addr+"/api/v2/opportunityStages?page%5Bsize%5D=100", "t")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	data := doc["data"].([]any)
	if len(data) != 13 {
		t.Errorf("%d stages, want 8 fixtures + 5 generated", len(data))
	}
	self := data[0].(map[string]any)["links"].(map[string]any)["self"]
	if self != "http://"+addr+"/api/v2/opportunityStages/1" {
		t.Errorf("self link %v does not use the listening address", self)
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	out := stdout.String()
	if !strings.Contains(out, "mockserver listening on http://"+addr+" with 13 stages (seed 9)") {
		t.Errorf("no start-up line in:\n%s", out)
	}
	if !strings.Contains(out, `"method":"GET"`) || !strings.Contains(out, `"status":200`) {
		t.Errorf("no JSON request log line in:\n%s", out)
	}
}

func TestEnvironmentAndTokens(t *testing.T) {
	tokens := filepath.Join(t.TempDir(), "tokens.json")
	if err := os.WriteFile(tokens, []byte(`{"reader":["opportunityStages.read"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"MOCKSERVER_ADDR":     "127.0.0.1:0",
		"MOCKSERVER_BASE_URL": "https://stages.example.test",
		"MOCKSERVER_TOKENS":   tokens,
	}
	addr, _, stop := start(t, nil, env)
	defer stop()
	if resp, _ := get(t, "http://"+addr+"/api/v2/opportunityStages/1", "unknown"); resp.StatusCode != 401 {
		t.Errorf("unknown token: %d, want 401", resp.StatusCode)
	}
	resp, doc := get(t, "http://"+addr+"/api/v2/opportunityStages/1", "reader")
	if resp.StatusCode != 200 {
		t.Fatalf("reader: %d", resp.StatusCode)
	}
	self := doc["data"].(map[string]any)["links"].(map[string]any)["self"]
	if self != "https://stages.example.test/api/v2/opportunityStages/1" {
		t.Errorf("self link %v does not use MOCKSERVER_BASE_URL", self)
	}
}

func TestBadFlags(t *testing.T) {
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"-nope"}, nil, "flag provided but not defined"},
		{"bad log format", []string{"-log-format", "xml"}, nil, "-log-format"},
		{"bad env", nil, map[string]string{"MOCKSERVER_SEED": "abc"}, "MOCKSERVER_SEED"},
		{"missing tokens file", []string{"-tokens", "/does/not/exist"}, nil, "-tokens /does/not/exist"},
		{"missing fixtures", []string{"-addr", "127.0.0.1:0", "-fixtures", "/does/not/exist"}, nil, "fixture"},
		{"extra argument", []string{"serve"}, nil, "unexpected arguments"},
		{"bad latency", []string{"-latency", "slow"}, nil, "-latency"},
		{"bad error rate", []string{"-error-rate", "2"}, nil, "-error-rate"},
		{"negative rate limit", []string{"-rate-limit", "-1"}, nil, "-rate-limit"},
		{"token TTL under a second", []string{"-token-ttl", "500ms"}, nil, "-token-ttl"},
		{"bad token TTL", nil, map[string]string{"MOCKSERVER_TOKEN_TTL": "forever"}, "MOCKSERVER_TOKEN_TTL"},
		{"proxy without upstream", []string{"-addr", "127.0.0.1:0", "-proxy"}, nil, "Proxy (-proxy) needs Upstream (-upstream)"},
		{"record without proxy", []string{"-addr", "127.0.0.1:0", "-upstream", "http://127.0.0.1:1", "-record", "rec"}, nil, "RecordDir (-record) needs Proxy (-proxy)"},
		{"relative upstream", []string{"-addr", "127.0.0.1:0", "-upstream", "api.outreach.io"}, nil, `upstream "api.outreach.io" must start with http://`},
		{"bad cors origin", []string{"-addr", "127.0.0.1:0", "-cors", "localhost:3000"}, nil, "CORS origin"},
		{"missing admin token file", []string{"-admin-token-file", "/does/not/exist"}, nil, "-admin-token-file"},
		{"empty admin token file", []string{"-admin-token-file", emptyFile}, nil, "first line is empty"},
		{"admin token twice", []string{"-admin-token", "a", "-admin-token-file", os.DevNull}, nil, "not both"},
		{"no connections", []string{"-max-conns", "0"}, nil, "-max-conns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, environList(tt.env), io.Discard, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestStateSavedOnShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-state", path, "-sku-disabled=false", "-latency", "1ms-2ms", "-error-rate", "0"}, nil)
	req, _ := http.NewRequest("DELETE", "http://"+addr+"/api/v2/opportunityStages/3", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("delete: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no state file after shutdown: %v", err)
	}
	addr, _, stop = start(t, []string{"-addr", "127.0.0.1:0", "-state", path}, nil)
	defer stop()
	if resp, _ := get(t, "http://"+addr+"/api/v2/opportunityStages/3", "t"); resp.StatusCode != 404 {
		t.Errorf("stage 3 after restart: %d, want 404", resp.StatusCode)
	}
}

// The OAuth flow over a socket, with the token lifetime from the environment.
func TestOAuthOverHTTP(t *testing.T) {
	addr, _, stop := start(t, nil, map[string]string{"MOCKSERVER_ADDR": "127.0.0.1:0", "MOCKSERVER_TOKEN_TTL": "90s"})
	defer stop()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get("http://" + addr + "/oauth/authorize?client_id=app&response_type=code&state=s1" +
		"&redirect_uri=" + url.QueryEscape("http://localhost:3000/callback") + "&scope=opportunityStages.read")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") != "s1" {
		t.Fatalf("authorize: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.PostForm("http://"+addr+"/oauth/token", url.Values{"grant_type": {"authorization_code"},
		"client_id": {"app"}, "client_secret": {"secret"}, "redirect_uri": {"http://localhost:3000/callback"},
		"code": {loc.Query().Get("code")}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.ExpiresIn != 90 {
		t.Fatalf("token: %d %+v %v, want 200 with expires_in 90", resp.StatusCode, tok, err)
	}
	if resp, _ := get(t, "http://"+addr+"/api/v2/opportunityStages", tok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Errorf("API with the issued token: %d", resp.StatusCode)
	}
}

func TestSKUDisabledFlag(t *testing.T) {
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-sku-disabled"}, nil)
	defer stop()
	resp, doc := get(t, "http://"+addr+"/api/v2/opportunityStages", "t")
	errs, _ := doc["errors"].([]any)
	if resp.StatusCode != 403 || len(errs) != 1 || errs[0].(map[string]any)["id"] != "unauthorizedRequest" {
		t.Errorf("got %d %v, want the disabled-SKU 403", resp.StatusCode, doc)
	}
}

// Over the socket, headers past the mock's limit get its JSON:API 431; only far past it
// does net/http answer first, with its own plain-text 431.
func TestHeaderLimitOverTheSocket(t *testing.T) {
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0"}, nil)
	defer stop()
	for _, tt := range []struct {
		size      int
		mediaType string
	}{
		{70 << 10, "application/vnd.api+json"},
		{2 << 20, "text/plain; charset=utf-8"},
	} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v2/opportunityStages", nil)
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("X-Trace", strings.Repeat("x", tt.size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 431 || resp.Header.Get("Content-Type") != tt.mediaType {
			t.Errorf("%d-byte header: %d %s, want 431 %s", tt.size, resp.StatusCode, resp.Header.Get("Content-Type"), tt.mediaType)
		}
	}
}

func TestDropInFlags(t *testing.T) {
	upAddr, _, stopUp := start(t, []string{"-addr", "127.0.0.1:0"}, nil)
	defer stopUp()
	dir := filepath.Join(t.TempDir(), "rec")
	addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-proxy", "-record", dir, "-cors", "http://localhost:3000"},
		map[string]string{"MOCKSERVER_UPSTREAM": "http://" + upAddr})
	resp, doc := get(t, "http://"+addr+"/api/v2/opportunityStages/1", "cli-secret-token-123")
	data, _ := doc["data"].(map[string]any)
	links, _ := data["links"].(map[string]any)
	if resp.StatusCode != 200 || links["self"] != "http://"+addr+"/api/v2/opportunityStages/1" {
		t.Errorf("through the proxy: %d %v", resp.StatusCode, doc)
	}
	// access_token is not a parameter of the contract: the upstream's 400, flagged.
	resp, _ = get(t, "http://"+addr+"/api/v2/opportunityStages/1?access_token=query-secret-123", "cli-secret-token-123")
	if resp.StatusCode != 400 || resp.Header.Get("X-Mock-Violations") != "1" {
		t.Errorf("%d, X-Mock-Violations %q", resp.StatusCode, resp.Header.Get("X-Mock-Violations"))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if !strings.Contains(out, "forwarding every request to http://"+upAddr+", checking the stages API against openapi.yaml, recording into "+dir) {
		t.Errorf("no start-up line for the proxy:\n%s", out)
	}
	if strings.Contains(out, "query-secret-123") || strings.Contains(out, "cli-secret-token-123") {
		t.Errorf("a credential reached the log:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "stages.json")); err != nil {
		t.Errorf("nothing recorded: %v", err)
	}
}

func TestQuietLeavesOutRequestLines(t *testing.T) {
	addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-quiet"}, nil)
	if resp, _ := get(t, "http://"+addr+"/api/v2/opportunityStages/1", "t"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if !strings.Contains(out, "mockserver listening on") || !strings.Contains(out, "mockserver stopped") {
		t.Errorf("-quiet dropped the start-up or shutdown line:\n%s", out)
	}
	if strings.Contains(out, "msg=request") {
		t.Errorf("-quiet still logs requests:\n%s", out)
	}
}

// The tokens file docs/running.md points at loads, and each token gets exactly its scopes.
func TestExampleTokensFile(t *testing.T) {
	addr, _, stop := start(t, []string{"-addr", "127.0.0.1:0", "-tokens", "../../examples/tokens.json", "-quiet"}, nil)
	defer stop()
	stage := "http://" + addr + "/api/v2/opportunityStages/1"
	for token, want := range map[string]int{"any-token": 200, "reader": 200, "writer": 200, "no-scopes": 403, "unknown": 401} {
		if resp, _ := get(t, stage, token); resp.StatusCode != want {
			t.Errorf("GET with %s: %d, want %d", token, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequest("DELETE", stage, nil)
	req.Header.Set("Authorization", "Bearer writer")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("DELETE with writer: %d, want 403 (no opportunityStages.delete)", resp.StatusCode)
	}
}

// TestAdminTokenFromAFile: the token in a file (or the environment) keeps it out of the
// process list, where any local user can read -admin-token's value.
func TestAdminTokenFromAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admin-token")
	if err := os.WriteFile(file, []byte("  s3cret-from-file \nignored second line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"-addr", "127.0.0.1:0", "-admin-token-file", file}, nil},
		{"environment", []string{"-addr", "127.0.0.1:0"}, map[string]string{"MOCKSERVER_ADMIN_TOKEN_FILE": file}},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, _, stop := start(t, c.args, c.env)
			defer stop()
			if resp, _ := get(t, "http://"+addr+"/__admin/health", ""); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without the token: %d, want 401", resp.StatusCode)
			}
			if resp, _ := get(t, "http://"+addr+"/__admin/health", "s3cret-from-file"); resp.StatusCode != http.StatusOK {
				t.Errorf("with the file's first line, trimmed: %d, want 200", resp.StatusCode)
			}
		})
	}
}

// The request line, in either log format, shows no credential of the path or the query:
// they are redacted by the journal's one list of names.
func TestRequestLogRedactsCredentials(t *testing.T) {
	params := map[string]string{"pwd": "pwd-0123456789", "pass": "pass-0123456789", "access_key": "akey-0123456789",
		"jwt": "jwt-0123456789", "sig": "sig-0123456789", "PASSWORD": "upper-0123456789", "accessToken": "camel-0123456789"}
	const matrix = "matrix-0123456789"
	query := url.Values{"filter[name]": {"kept-value"}}
	for name, value := range params {
		query.Set(name, value)
	}
	for _, format := range []string{"text", "json"} {
		addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-log-format", format}, nil)
		get(t, "http://"+addr+"/api/v2/opportunityStages;access_token="+matrix+"?"+query.Encode(), "t")
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		out := stdout.String()
		if !strings.Contains(out, "kept-value") || !strings.Contains(out, "access_token=REDACTED") {
			t.Errorf("%s: no request line with redacted credentials:\n%s", format, out)
		}
		for name, value := range params {
			if strings.Contains(out, value) {
				t.Errorf("%s: the log shows %s:\n%s", format, name, out)
			}
		}
		if strings.Contains(out, matrix) {
			t.Errorf("%s: the log shows the path's access_token:\n%s", format, out)
		}
	}
}

// environList is env as os.Environ lists it, KEY=value.
func environList(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return list
}

// A MOCKSERVER_ variable that names no flag (a typo such as MOCKSERVER_ADR) gets one
// warning line at start-up, naming it; the ones that name a flag, and other variables,
// get none.
func TestUnknownEnvironmentVariablesAreWarnedOf(t *testing.T) {
	env := map[string]string{"MOCKSERVER_ADR": "x", "MOCKSERVER_SEED": "2", "MOCKSERVER_QUIT": "", "HOME": "/nowhere", "MOCKSERVERX": "y"}
	_, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0"}, env)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "names no flag") {
			warned = append(warned, line)
		}
	}
	if len(warned) != 2 || !strings.Contains(warned[0], "MOCKSERVER_ADR") || !strings.Contains(warned[1], "MOCKSERVER_QUIT") {
		t.Errorf("warnings %q; want one for MOCKSERVER_ADR and one for MOCKSERVER_QUIT, in that order\n%s", warned, stdout)
	}
}
