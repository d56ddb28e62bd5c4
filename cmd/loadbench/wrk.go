package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// The yardstick is what users and other projects quote: wrk against the mock and against
// the bare handler, on the same three requests, interleaved, medians of a few rounds.

// wrkScript sends every request with a bearer token and the JSON:API Accept header; a
// POST carries LOADBENCH_BODY. done prints one line that wrkResult reads.
const wrkScript = `wrk.headers["Authorization"] = "Bearer bench-token"
wrk.headers["Accept"] = "application/vnd.api+json"
if os.getenv("LOADBENCH_METHOD") == "POST" then
  wrk.method = "POST"
  wrk.body = os.getenv("LOADBENCH_BODY")
  wrk.headers["Content-Type"] = "application/vnd.api+json"
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LOADBENCH requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`

// yardstickRequest is one of the requests the yardstick sends.
type yardstickRequest struct {
	name, method, path, body string
}

var yardstickRequests = []yardstickRequest{
	{"get by id", "GET", "/api/v2/opportunityStages/1", ""},
	{"list, page[size]=50", "GET", "/api/v2/opportunityStages?page%5Bsize%5D=50", ""},
	{"create", "POST", "/api/v2/opportunityStages",
		`{"data":{"type":"opportunityStage","attributes":{"color":"#00ff00","isClosed":false,"name":"Negotiation","order":3}}}`},
}

type wrkRun struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

var wrkLine = regexp.MustCompile(`LOADBENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) errors=(\d+)`)

// runWrk drives url with wrk for d and reads its summary line.
func runWrk(wrk, script string, req yardstickRequest, url string, conns int, d time.Duration) (wrkRun, error) {
	cmd := exec.Command(wrk, "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--timeout", "5s", "-s", script, url+req.path)
	cmd.Env = append(os.Environ(), "LOADBENCH_METHOD="+req.method, "LOADBENCH_BODY="+req.body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkRun{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	m := wrkLine.FindSubmatch(out)
	if m == nil {
		return wrkRun{}, fmt.Errorf("wrk printed no summary:\n%s", out)
	}
	n := func(i int) int64 { v, _ := strconv.ParseInt(string(m[i]), 10, 64); return v }
	run := wrkRun{p50: time.Duration(n(3)) * time.Microsecond, p99: time.Duration(n(4)) * time.Microsecond, errors: int(n(5))}
	if us := n(2); us > 0 {
		run.rps = float64(n(1)) / (float64(us) / 1e6)
	}
	return run, nil
}

// median is the run with the median req/s, with the median p99 beside it.
func median(runs []wrkRun) wrkRun {
	rps := make([]float64, len(runs))
	p99 := make([]time.Duration, len(runs))
	errs := 0
	for i, r := range runs {
		rps[i], p99[i], errs = r.rps, r.p99, errs+r.errors
	}
	slices.Sort(rps)
	slices.Sort(p99)
	return wrkRun{rps: rps[len(rps)/2], p99: p99[len(p99)/2], errors: errs}
}

// yardstick measures the mock (mockserver -rate-limit 0, logging on) beside the bare
// handler with wrk, each request for d after a warm-up, in rounds that alternate which
// server goes first, and prints the medians and their ratios.
func yardstick(wrk, self, mockBin string, conns int, d time.Duration, rounds int) error {
	dir, err := os.MkdirTemp("", "loadbench-wrk")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "loadbench.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o644); err != nil {
		return err
	}
	servers := []struct {
		name string
		args []string
	}{
		{"mock", []string{mockBin, "-addr", "127.0.0.1:0", "-rate-limit", "0"}},
		{"bare", []string{self, "-serve-bare"}},
	}
	warmUp := min(2*time.Second, d)
	runs := map[string][]wrkRun{}
	for round := range rounds {
		for i := range servers {
			sv := servers[(i+round)%len(servers)]
			srv, err := start(sv.args[0], sv.args[1:]...)
			if err != nil {
				return err
			}
			for _, req := range yardstickRequests {
				if _, err := runWrk(wrk, script, req, srv.url, conns, warmUp); err != nil {
					srv.stop()
					return err
				}
				r, err := runWrk(wrk, script, req, srv.url, conns, d)
				if err != nil {
					srv.stop()
					return err
				}
				key := sv.name + "\x00" + req.name
				runs[key] = append(runs[key], r)
			}
			srv.stop()
		}
	}
	fmt.Printf("wrk -t2 -c%d, %s per request after a %s warm-up, medians of %d rounds (as compare.sh measures):\n\n", conns, d, warmUp, rounds)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "request\tmock req/s\tbare req/s\tmock / bare\tmock p99\tbare p99\tp99 mock / bare\terrors\t")
	var buf bytes.Buffer
	for _, req := range yardstickRequests {
		m, b := median(runs["mock\x00"+req.name]), median(runs["bare\x00"+req.name])
		fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.2f\t%s\t%s\t%.2f\t%d\t\n", req.name, m.rps, b.rps, m.rps/b.rps,
			m.p99.Round(10*time.Microsecond), b.p99.Round(10*time.Microsecond), float64(m.p99)/float64(b.p99), m.errors+b.errors)
		if m.errors+b.errors > 0 {
			fmt.Fprintf(&buf, "%s: %d errors (non-2xx or socket errors)\n", req.name, m.errors+b.errors)
		}
	}
	w.Flush()
	fmt.Print(buf.String())
	fmt.Println()
	return nil
}
