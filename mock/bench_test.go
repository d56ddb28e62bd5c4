package mock_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oppstages/oppstages/mock"
)

// benchServer is a mock with n generated stages and a fixed clock.
func benchServer(b *testing.B, n int, opts mock.Options) http.Handler {
	b.Helper()
	opts.Generate = n
	opts.BaseURL = "http://bench.test"
	opts.Clock = func() time.Time { return epoch }
	s, err := mock.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s.Handler()
}

// onBothBackends runs a write benchmark on a mock that keeps writes in memory and on one
// started with a state file, where each write is fsynced before it is answered.
func onBothBackends(b *testing.B, n int, bench func(b *testing.B, h http.Handler)) {
	b.Run("memory", func(b *testing.B) { bench(b, benchServer(b, n, noLimit)) })
	b.Run("state", func(b *testing.B) {
		opts := noLimit
		opts.StateFile = filepath.Join(b.TempDir(), "state.json")
		bench(b, benchServer(b, n, opts))
	})
}

// serve runs one request through the handler and fails on an unexpected status.
func serve(b *testing.B, h http.Handler, method, target, body string, want int, header ...string) {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/vnd.api+json")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if strings.HasPrefix(target, "/__admin/") {
		r.Host = "localhost" // as a script on this machine calls the admin API
	}
	r.Header.Set("Authorization", "Bearer bench")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: %d, want %d\n%s", method, target, w.Code, want, w.Body)
	}
}

var noLimit = mock.Options{RateLimit: -1}

// BenchmarkBareHandler is the floor under every figure here: the same request and
// recorder around a handler that writes a fixed body, as compare.sh's bare handler does.
// What a benchmark allocates beyond it, the mock allocates.
func BenchmarkBareHandler(b *testing.B) {
	body := []byte(`{"data":{"type":"opportunityStage","id":1,"attributes":{"name":"Prospecting"}}}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/vnd.api+json"}
		w.Write(body)
	})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		serve(b, h, "GET", fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i%1000), "", 200)
	}
}

func BenchmarkGetByID(b *testing.B) {
	h := benchServer(b, 1000, noLimit)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		serve(b, h, "GET", fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i%1000), "", 200)
	}
}

// BenchmarkGetByIDLogged logs each request as mockserver does, as text.
func BenchmarkGetByIDLogged(b *testing.B) {
	h := benchServer(b, 1000, mock.Options{RateLimit: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		serve(b, h, "GET", fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i%1000), "", 200)
	}
}

func BenchmarkList50(b *testing.B) {
	h := benchServer(b, 1000, noLimit)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "GET", "/api/v2/opportunityStages", "", 200)
	}
}

// BenchmarkList50Sized asks for the page as compare.sh and most clients do, with
// page[size]: a query makes every parameter of the operation count.
func BenchmarkList50Sized(b *testing.B) {
	h := benchServer(b, 1000, noLimit)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "GET", "/api/v2/opportunityStages?page%5Bsize%5D=50", "", 200)
	}
}

func BenchmarkListFilteredTwoKeySort100k(b *testing.B) {
	h := benchServer(b, 100_000, noLimit)
	target := "/api/v2/opportunityStages?filter%5BisClosed%5D=false&filter%5Border%5D=1000..90000&sort=-name,order&page%5Bsize%5D=50"
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "GET", target, "", 200)
	}
}

// An incremental-sync page as connectors ask for it: a newFilterSyntax window sorted by
// updatedAt, with the parameters sent twice, against the same window in the classic form.
func BenchmarkListSyncWindow100k(b *testing.B) {
	h := benchServer(b, 100_000, noLimit)
	for _, c := range []struct{ name, target string }{
		{"classic", "/api/v2/opportunityStages?filter[updatedAt]=2024-01-01T00:00:00Z..2024-06-30T23:59:59Z&sort=updatedAt&page[size]=1000"},
		{"operators", "/api/v2/opportunityStages?newFilterSyntax=true&filter[updatedAt][gte]=2024-01-01T00:00:00Z&filter[updatedAt][lte]=2024-06-30T23:59:59Z&sort=updatedAt&page[size]=1000"},
		{"appended", "/api/v2/opportunityStages?newFilterSyntax=true&filter[updatedAt][gte]=2024-01-01T00:00:00Z&filter[updatedAt][lte]=2024-06-30T23:59:59Z&sort=updatedAt&page[size]=1000&sort=updatedAt&page%5Bsize%5D=1000&newFilterSyntax=true"},
		{"offset9000", "/api/v2/opportunityStages?filter[updatedAt]=2024-01-01T00:00:00Z..2024-06-30T23:59:59Z&sort=updatedAt&page[offset]=9000&page[limit]=1000"},
	} {
		b.Run(c.name, func(b *testing.B) {
			serve(b, h, "GET", c.target, "", 200) // builds the sort index, outside the timing
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, "GET", c.target, "", 200)
			}
		})
	}
}

func BenchmarkCreate(b *testing.B) {
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"Bench","order":3,"isClosed":false,"color":"#FFFFFF"}}}`
	onBothBackends(b, 1000, func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			serve(b, h, "POST", "/api/v2/opportunityStages", body, 201)
		}
	})
}

// BenchmarkCreateParallel has 32 clients create at once: with a state file they share
// fsyncs (group commit), so throughput is many writes per fsync.
func BenchmarkCreateParallel(b *testing.B) {
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"Bench","order":3,"isClosed":false,"color":"#FFFFFF"}}}`
	onBothBackends(b, 1000, func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serve(b, h, "POST", "/api/v2/opportunityStages", body, 201)
			}
		})
	})
}

func BenchmarkPatch(b *testing.B) {
	onBothBackends(b, 1000, func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id := 1 + i%1000
			serve(b, h, "PATCH", fmt.Sprintf("/api/v2/opportunityStages/%d", id),
				fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"Renamed"}}}`, id), 200)
		}
	})
}

func BenchmarkDelete(b *testing.B) {
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"Doomed"}}}`
	onBothBackends(b, 0, func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			serve(b, h, "POST", "/api/v2/opportunityStages", body, 201)
			b.StartTimer()
			serve(b, h, "DELETE", fmt.Sprintf("/api/v2/opportunityStages/%d", 9+i), "", 204)
		}
	})
}

func BenchmarkRateLimited(b *testing.B) {
	h := benchServer(b, 100, mock.Options{RateLimit: 1})
	serve(b, h, "GET", "/api/v2/opportunityStages/1", "", 200)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "GET", "/api/v2/opportunityStages/1", "", 429)
	}
}

// BenchmarkFaultRulesAtTheBounds reads a stage through as many fault rules as a sandbox
// holds, each with a pattern of as many segments as a pattern may have that fails only
// at its last one, for a path with a segment of 60 KiB: the most matching can cost.
func BenchmarkFaultRulesAtTheBounds(b *testing.B) {
	h := benchServer(b, 100, noLimit)
	rule := `{"path":"` + strings.Repeat("/*", 15) + `/never","status":500}`
	for range 1000 {
		serve(b, h, "POST", "/__admin/faults", rule, 201)
	}
	target := "/" + strings.Repeat("s", 60<<10) + strings.Repeat("/s", 15)
	b.ReportAllocs()
	for b.Loop() {
		serve(b, h, "GET", target, "", 404)
	}
}

func BenchmarkSandboxFirstWrite(b *testing.B) {
	h := benchServer(b, 10_000, mock.Options{RateLimit: -1, MaxSandboxes: 1 << 20})
	body := `{"data":{"type":"opportunityStage","attributes":{"name":"First"}}}`
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		serve(b, h, "POST", "/api/v2/opportunityStages", body, 201, "X-Mock-Sandbox", fmt.Sprintf("box-%d", i))
	}
}

// BenchmarkPatch100kIndexed patches stages while an index on a two-key sort is live, so
// each write also moves the stage within the index.
func BenchmarkPatch100kIndexed(b *testing.B) {
	h := benchServer(b, 100_000, noLimit)
	serve(b, h, "GET", "/api/v2/opportunityStages?sort=-name,order", "", 200)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := 1 + i%100_000
		serve(b, h, "PATCH", fmt.Sprintf("/api/v2/opportunityStages/%d", id),
			fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"Renamed %d"}}}`, id, i), 200)
	}
}

// BenchmarkDropIn measures what standing in front of an upstream costs per request. The
// upstream is another mock over loopback; the baseline asks it directly over loopback, the
// others go through a mock in front of it: the validating proxy on a stage, and an unknown
// route passed through.
func BenchmarkDropIn(b *testing.B) {
	upstream := httptest.NewServer(benchServer(b, 1000, noLimit))
	defer upstream.Close()
	b.Run("upstream-directly", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequest("GET", upstream.URL+"/api/v2/opportunityStages/7", nil)
			req.Header.Set("Authorization", "Bearer bench")
			resp, err := upstream.Client().Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", resp, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	for _, tc := range []struct {
		name, target string
		opts         mock.Options
		want         int
	}{
		{"validating-proxy", "/api/v2/opportunityStages/7", mock.Options{RateLimit: -1, Upstream: upstream.URL, Proxy: true}, 200},
		{"pass-through", "/api/v2/accounts", mock.Options{RateLimit: -1, Upstream: upstream.URL}, 404},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := benchServer(b, 0, tc.opts)
			b.ReportAllocs()
			for b.Loop() {
				serve(b, h, "GET", tc.target, "", tc.want)
			}
		})
	}
}

// BenchmarkJournalRead reads a full journal (1000 entries: gets, lists of 50 and patches,
// each with a bearer token to mask wherever it is repeated) through GET /__admin/requests.
func BenchmarkJournalRead(b *testing.B) {
	h := benchServer(b, 1000, noLimit)
	const token = "Bearer bench-token-0123456789"
	for i := range 1000 {
		switch i % 3 {
		case 0:
			serve(b, h, "GET", fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i), "", 200, "Authorization", token)
		case 1:
			serve(b, h, "GET", "/api/v2/opportunityStages?page%5Bsize%5D=50&sort=-order", "", 200, "Authorization", token)
		default:
			serve(b, h, "PATCH", fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i),
				fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"Stage %d"}}}`, 1+i, i), 200, "Authorization", token)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{header: http.Header{}}
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost/__admin/requests", nil))
		if w.written < 1<<20 {
			b.Fatalf("the journal read is %d bytes", w.written)
		}
	}
}

// discardWriter is a ResponseWriter that keeps nothing of the body, as a connection would
// not: what a benchmark allocates around it, the handler allocates.
type discardWriter struct {
	header  http.Header
	written int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(int)     {}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.written += len(p)
	return len(p), nil
}
