package dashboard_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oppstages/oppstages/internal/apitest"
	"github.com/oppstages/oppstages/mock"
)

var update = flag.Bool("update", false, "rewrite the screenshots in testdata/")

const xssName = `<img src=x onerror=alert(1)>`

func newMock(t *testing.T, opts mock.Options) (*httptest.Server, *apitest.Client) {
	t.Helper()
	srv, err := mock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs, apitest.New(t, srv.Handler())
}

func TestPageIsServedWithoutTheAdminToken(t *testing.T) {
	hs, _ := newMock(t, mock.Options{AdminToken: "s3cret"})
	cases := []struct {
		method, path string
		status       int
		contains     string
	}{
		{"GET", "/__admin/ui/", 200, `<script src="app.js"`},
		{"GET", "/__admin/ui/app.js", 200, "textContent"},
		{"GET", "/__admin/ui/style.css", 200, "@media"},
		{"GET", "/__admin/ui", 200, `<script src="app.js"`}, // redirected to the slash form
		{"POST", "/__admin/ui/", 405, "only answers GET"},
		{"GET", "/__admin/ui/nope.js", 404, ""},
		{"GET", "/__admin/health", 401, "admin token"}, // the data stays behind the token
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, hs.URL+c.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if !strings.Contains(string(body), c.contains) {
				t.Errorf("body does not contain %q:\n%.300s", c.contains, body)
			}
			if c.status == 200 {
				if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
					t.Errorf("Content-Security-Policy = %q, want script-src 'self'", csp)
				}
			}
		})
	}
}

// browser starts headless Chromium for one test, or skips when there is none.
func browser(t *testing.T, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI runs the browser tests: .ci/run installs Chromium, yet none is on PATH")
		}
		t.Skip("browser tests need Chromium on PATH: sudo apt-get install -y chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// waitFor polls a JavaScript condition until it holds, failing the test after 15 s with
// what the page showed.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 1500)`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, text)
	}
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// journalRow is a condition: the journal shows a row with this method, path and status.
func journalRow(method, path string, status int) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#journal-table tbody tr')].some(tr =>
		tr.cells[1].textContent === %q && tr.cells[2].textContent === %q && tr.cells[3].textContent === %q)`,
		method, path, fmt.Sprint(status))
}

func TestDashboardFollowsAndSteersTheMock(t *testing.T) {
	ctx := browser(t, 1280, 800)
	hs, api := newMock(t, mock.Options{})

	run(t, ctx, chromedp.Navigate(hs.URL+"/__admin/ui/"))
	waitFor(t, ctx, "the seed's stages", `[...document.querySelectorAll('#stage-table tbody tr')].some(tr =>
		tr.cells[0].textContent === '1' && tr.cells[1].textContent === 'Prospecting')`)

	t.Run("journal shows requests as they arrive, newest first", func(t *testing.T) {
		if r := api.Get("/api/v2/opportunityStages/1"); r.Status != 200 {
			t.Fatalf("GET: %d", r.Status)
		}
		if r := api.Get("/api/v2/opportunityStages/999999"); r.Status != 404 {
			t.Fatalf("GET missing: %d", r.Status)
		}
		waitFor(t, ctx, "the GET row", journalRow("GET", "/api/v2/opportunityStages/1", 200))
		waitFor(t, ctx, "the 404 row on top", `document.querySelector('#journal-table tbody tr').cells[2].textContent === '/api/v2/opportunityStages/999999'`)
		run(t, ctx, chromedp.Click(chromedp.CSS(`#journal-table tbody tr:nth-child(2)`)))
		waitFor(t, ctx, "the request detail", `!document.getElementById('detail').hidden &&
			document.getElementById('detail-title').textContent.includes('GET /api/v2/opportunityStages/1')`)
	})

	t.Run("a stage name with markup stays text", func(t *testing.T) {
		eval[bool](t, ctx, `window.__alerted = false; window.alert = () => { window.__alerted = true; }; true`)
		body := fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":%q,"order":99}}}`, xssName)
		if r := api.Send("POST", "/api/v2/opportunityStages", body); r.Status != 201 {
			t.Fatalf("POST: %d %s", r.Status, r.Body)
		}
		waitFor(t, ctx, "the new stage as text", fmt.Sprintf(`[...document.querySelectorAll('#stage-table tbody td.name')].some(td => td.textContent === %q)`, xssName))
		waitFor(t, ctx, "the POST row", journalRow("POST", "/api/v2/opportunityStages", 201))
		run(t, ctx, chromedp.Click(chromedp.CSS(`#journal-table tbody tr:first-child`)))
		waitFor(t, ctx, "the request body in the detail", fmt.Sprintf(`document.getElementById('detail-request').textContent.includes(%q) &&
			document.getElementById('detail-response').textContent.includes('HTTP 201')`, xssName))
		detail := eval[string](t, ctx, `document.getElementById('detail').textContent`)
		if strings.Contains(detail, apitest.Token) {
			t.Errorf("the detail shows the bearer token:\n%s", detail)
		}
		images := eval[int](t, ctx, `document.querySelectorAll('main img').length`)
		alerted := eval[bool](t, ctx, `window.__alerted`)
		if images != 0 || alerted {
			t.Errorf("the name became markup: %d img elements, alert called %v", images, alerted)
		}
	})

	t.Run("a 429 preset answers the next call and counts it", func(t *testing.T) {
		run(t, ctx, chromedp.Click(chromedp.CSS(`#presets button[data-preset="429"]`)))
		waitFor(t, ctx, "the rule in the table", `document.querySelectorAll('#fault-table tbody tr').length === 1`)
		r := api.Get("/api/v2/opportunityStages")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "30" {
			t.Fatalf("after the preset: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		waitFor(t, ctx, "fired 1", `document.querySelector('#fault-table tbody tr td.fired').textContent === '1'`)
		waitFor(t, ctx, "the 429 row", journalRow("GET", "/api/v2/opportunityStages", 429))
		run(t, ctx, chromedp.Click(chromedp.CSS(`#fault-table tbody tr button`)))
		waitFor(t, ctx, "the rule removed", `document.querySelectorAll('#fault-table tbody tr').length === 0`)
		if r := api.Get("/api/v2/opportunityStages"); r.Status != 200 {
			t.Fatalf("after removing the rule: %d", r.Status)
		}
	})

	t.Run("the SKU toggle turns the API off and on", func(t *testing.T) {
		run(t, ctx, chromedp.Click(chromedp.ID("set-sku")), chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
		waitFor(t, ctx, "settings applied", `document.getElementById('controls-message').textContent === 'settings applied'`)
		r := api.Get("/api/v2/opportunityStages/1")
		if r.Status != http.StatusForbidden || len(r.Errors()) == 0 || r.Errors()[0].ID != "unauthorizedRequest" {
			t.Fatalf("with the SKU off: %d %s", r.Status, r.Body)
		}
		waitFor(t, ctx, "the 403 row", journalRow("GET", "/api/v2/opportunityStages/1", 403))
		screenshot(t, ctx, "dashboard-1280x800.png")
		// Clear the message of the first submit, so that the wait below sees this one's.
		run(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('controls-message').textContent = ''; null`),
			chromedp.Click(chromedp.ID("set-sku")), chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
		waitFor(t, ctx, "the checkbox cleared", `!document.getElementById('set-sku').checked && document.getElementById('controls-message').textContent === 'settings applied'`)
		if r := api.Get("/api/v2/opportunityStages/1"); r.Status != 200 {
			t.Fatalf("with the SKU back on: %d", r.Status)
		}
	})

	t.Run("the sandbox picker shows that sandbox only", func(t *testing.T) {
		body := `{"data":{"type":"opportunityStage","attributes":{"name":"Only in ci","order":50}}}`
		r := api.Do(apitest.Request{Method: "POST", Target: "/api/v2/opportunityStages", Body: body,
			ContentType: "application/vnd.api+json", Header: http.Header{"X-Mock-Sandbox": {"ci"}}})
		if r.Status != 201 {
			t.Fatalf("POST in sandbox ci: %d", r.Status)
		}
		run(t, ctx, chromedp.SendKeys(chromedp.ID("sandbox"), "ci\n"), chromedp.Evaluate[chromedp.Void](`document.getElementById('sandbox').dispatchEvent(new Event('change')); null`))
		waitFor(t, ctx, "the sandbox's stage", `[...document.querySelectorAll('#stage-table tbody td.name')].some(td => td.textContent === 'Only in ci')`)
		waitFor(t, ctx, "the sandbox's journal", journalRow("POST", "/api/v2/opportunityStages", 201)+` && document.querySelectorAll('#journal-table tbody tr').length === 1`)
		eval[bool](t, ctx, `(() => { const i = document.getElementById('sandbox'); i.value = ''; return i.dispatchEvent(new Event('change')); })()`)
		waitFor(t, ctx, "back in the default sandbox", `[...document.querySelectorAll('#stage-table tbody td.name')].some(td => td.textContent === 'Prospecting') &&
			![...document.querySelectorAll('#stage-table tbody td.name')].some(td => td.textContent === 'Only in ci')`)
	})

	t.Run("reset brings back the seed", func(t *testing.T) {
		run(t, ctx, chromedp.Click(chromedp.ID("reset")))
		waitFor(t, ctx, "the created stage gone", fmt.Sprintf(`document.getElementById('controls-message').textContent.includes('reset') &&
			![...document.querySelectorAll('#stage-table tbody td.name')].some(td => td.textContent === %q)`, xssName))
	})
}

// The client report panel shows every check with its verdict, follows the journal, opens
// the entries a check names, and arms the gauntlet.
func TestDashboardShowsTheClientReport(t *testing.T) {
	ctx := browser(t, 1280, 800)
	hs, api := newMock(t, mock.Options{})
	run(t, ctx, chromedp.Navigate(hs.URL+"/__admin/ui/"))
	waitFor(t, ctx, "the nine checks", `document.querySelectorAll('#report-table tbody tr').length === 9 &&
		document.querySelector('#report-table tr[data-check="valid-requests"] td.verdict').textContent === 'unexercised'`)

	if r := api.Send("POST", "/api/v2/opportunityStages", `{"data":{"type":"opportunityStage","attributes":{"name":""}}}`); r.Status != 422 {
		t.Fatalf("refused create: %d", r.Status)
	}
	waitFor(t, ctx, "valid-requests failed, naming the entry", `(() => {
		const tr = document.querySelector('#report-table tr[data-check="valid-requests"]');
		return tr.querySelector('td.verdict').textContent === 'fail' && tr.querySelector('td.detail').textContent.includes('refused with 422') &&
			[...tr.querySelectorAll('button.entry')].map(b => b.textContent).join() === '1';
	})()`)
	summary := eval[string](t, ctx, `document.getElementById('report-summary').textContent`)
	if !strings.Contains(summary, "1 failed") {
		t.Errorf("summary %q, want it to count the failure", summary)
	}
	run(t, ctx, chromedp.Click(chromedp.CSS(`#report-table tr[data-check="valid-requests"] button.entry`)))
	waitFor(t, ctx, "the entry's request and answer", `!document.getElementById('detail').hidden &&
		document.getElementById('detail-title').textContent.includes('POST /api/v2/opportunityStages') &&
		document.getElementById('detail-response').textContent.includes('HTTP 422')`)

	run(t, ctx, chromedp.Click(chromedp.ID("gauntlet")))
	waitFor(t, ctx, "the gauntlet's five rules", `document.querySelectorAll('#fault-table tbody tr').length === 5 &&
		document.getElementById('report-message').textContent.includes('armed 5 rules')`)
	if r := api.Get("/__admin/faults"); !strings.Contains(string(r.Body), `"drop":"after"`) || !strings.Contains(string(r.Body), `"expireToken":true`) {
		t.Errorf("the gauntlet's rules: %s", r.Body)
	}
}

// TestReboundPageCannotReachTheAdminAPI loads a page from a DNS name that resolves to the
// mock's loopback address, as a rebinding attacker's page does once its name is rebound:
// same origin as far as the browser knows, and Chromium sends no Sec-Fetch-* headers to
// such a plain-http origin. Without -admin-token, the mock must still refuse to let it read
// the journal, add a fault or reset the sandbox.
func TestReboundPageCannotReachTheAdminAPI(t *testing.T) {
	ctx := browser(t, 800, 600, chromedp.Flag("host-resolver-rules", "MAP rebind.test 127.0.0.1"))
	hs, api := newMock(t, mock.Options{})
	port := hs.URL[strings.LastIndex(hs.URL, ":")+1:]
	if r := api.Get("/api/v2/opportunityStages/1"); r.Status != 200 {
		t.Fatalf("GET: %d", r.Status)
	}

	run(t, ctx, chromedp.Navigate("http://rebind.test:"+port+"/api/v2/opportunityStages"))
	attacks := []struct{ name, js string }{
		{"read the journal", `fetch('/__admin/requests').then(r => r.status)`},
		{"read the state", `fetch('/__admin/state').then(r => r.status)`},
		{"add a fault", `fetch('/__admin/faults', {method: 'POST', headers: {'Content-Type': 'text/plain'},
			body: JSON.stringify({status: 503})}).then(r => r.status)`},
		{"reset the sandbox", `fetch('/__admin/reset', {method: 'POST'}).then(r => r.status)`},
	}
	for _, a := range attacks {
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](a.js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		if status != http.StatusForbidden {
			t.Errorf("%s from http://rebind.test: status %d, want 403", a.name, status)
		}
	}
	if r := api.Get("/__admin/faults"); !strings.Contains(string(r.Body), `"faults":[]`) {
		t.Errorf("a refused POST still added a fault: %s", r.Body)
	}
	if r := api.Get("/api/v2/opportunityStages/1"); r.Status != 200 {
		t.Errorf("after the attacks the API answers %d", r.Status)
	}
	if r := api.Get("/__admin/requests"); !strings.Contains(string(r.Body), "/api/v2/opportunityStages/1") {
		t.Errorf("a refused reset cleared the journal: %s", r.Body)
	}
}

func TestDashboardFitsAPhone(t *testing.T) {
	ctx := browser(t, 390, 844)
	hs, api := newMock(t, mock.Options{})
	api.Get("/api/v2/opportunityStages?page[size]=2")
	run(t, ctx, chromedp.Navigate(hs.URL+"/__admin/ui/"))
	waitFor(t, ctx, "the journal row", journalRow("GET", "/api/v2/opportunityStages?page[size]=2", 200))
	waitFor(t, ctx, "the stages", `document.querySelectorAll('#stage-table tbody tr').length > 0`)
	overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`)
	if overflow > 0 {
		t.Errorf("the page is %d px wider than a 390 px screen", overflow)
	}
	screenshot(t, ctx, "dashboard-390x844.png")
}

func TestDashboardAsksForTheAdminToken(t *testing.T) {
	ctx := browser(t, 1280, 800)
	hs, _ := newMock(t, mock.Options{AdminToken: "s3cret"})
	run(t, ctx, chromedp.Navigate(hs.URL+"/__admin/ui/"))
	waitFor(t, ctx, "the token prompt", `!document.getElementById('login').hidden`)
	shown := eval[bool](t, ctx, `!document.getElementById('app').hidden`)
	rows := eval[int](t, ctx, `document.querySelectorAll('#stage-table tbody tr, #journal-table tbody tr').length`)
	if shown || rows != 0 {
		t.Fatalf("before the token: app shown %v, %d rows loaded", shown, rows)
	}

	run(t, ctx, chromedp.SendKeys(chromedp.ID("token"), "wrong"), chromedp.Click(chromedp.CSS("#login-form button")))
	waitFor(t, ctx, "the refusal", `document.getElementById('login-error').textContent.includes('refused')`)

	run(t, ctx, chromedp.SendKeys(chromedp.ID("token"), "s3cret"), chromedp.Click(chromedp.CSS("#login-form button")))
	waitFor(t, ctx, "the stages after the token", `!document.getElementById('app').hidden && document.querySelectorAll('#stage-table tbody tr').length > 0`)
	stored := eval[string](t, ctx, `sessionStorage.getItem('oppstages.adminToken')`)
	local := eval[string](t, ctx, `String(localStorage.getItem('oppstages.adminToken'))`)
	if stored != "s3cret" || local != "null" {
		t.Errorf("token kept in sessionStorage %q, localStorage %q; want the tab only", stored, local)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*update {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err = os.WriteFile(filepath.Join("testdata", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
