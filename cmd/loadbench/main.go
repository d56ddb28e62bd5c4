// Command loadbench measures the mock over loopback the way a user's test suite meets it:
// it starts mockserver as its own process, drives each endpoint with a fixed number of
// keep-alive connections for a fixed time, and prints requests per second, p50, p99,
// errors and the server's peak RSS beside a bare net/http handler that returns a fixed
// body, measured in the same run. It reports; it never fails on a number.
//
// When wrk is installed it first measures the yardstick users quote: wrk against the mock
// and the bare handler on a get by id, a list of 50 and a create, with the settings of
// the project's compare.sh, and prints the ratios.
//
//	go run ./cmd/loadbench [-conns 32] [-duration 5s] [-wrk auto|on|off] [-rounds 3]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-serve-bare" {
		serveBare()
		return
	}
	conns := flag.Int("conns", 32, "concurrent keep-alive connections")
	duration := flag.Duration("duration", 5*time.Second, "time per endpoint")
	useWrk := flag.String("wrk", "auto", "measure the yardstick with wrk: auto (when installed), on or off")
	rounds := flag.Int("rounds", 3, "rounds of the wrk yardstick; medians are reported")
	flag.Parse()
	wrk := ""
	if *useWrk != "off" {
		path, err := exec.LookPath("wrk")
		switch {
		case err == nil:
			wrk = path
		case *useWrk == "on":
			fmt.Fprintln(os.Stderr, "loadbench: -wrk on, but wrk is not installed")
			os.Exit(1)
		default:
			fmt.Println("loadbench: wrk is not installed; skipping the wrk yardstick (compare.sh's measure)")
		}
	}
	if err := run(*conns, *duration, wrk, max(*rounds, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// serveBare is the baseline: a bare handler that answers fixed bodies, a list to a GET
// of the collection, a stage to any other GET and a created stage (201) to a POST.
func serveBare() {
	stage := `{"type":"opportunityStage","id":1,"attributes":{"color":"#1e90ff","createdAt":"2024-01-15T10:00:00.000Z","isClosed":false,"name":"Prospecting","order":1,"updatedAt":"2024-01-15T10:00:00.000Z"},"links":{"self":"/api/v2/opportunityStages/1"}}`
	single := []byte(`{"data":` + stage + `}`)
	list := []byte(`{"data":[` + stage + `,` + stage + `],"links":{"first":"/api/v2/opportunityStages?page%5Bsize%5D=50"}}`)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, status := single, http.StatusOK
		switch {
		case r.Method == http.MethodPost:
			io.Copy(io.Discard, r.Body)
			status = http.StatusCreated
		case r.URL.Path == "/api/v2/opportunityStages":
			body = list
		}
		w.Header()["Content-Type"] = []string{"application/vnd.api+json"}
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(body))}
		w.WriteHeader(status)
		w.Write(body)
	}))
}

// server is a child process serving HTTP on loopback.
type server struct {
	cmd *exec.Cmd
	url string
}

var listening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)

func start(name string, args ...string) (*server, error) {
	cmd := exec.Command(name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case url := <-found:
		return &server{cmd: cmd, url: url}, nil
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start", name)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
	}
}

// peakRSS is the process's high-water resident set, from /proc.
func (s *server) peakRSS() string { return s.procStatus("VmHWM:") }

// rss is the process's resident set now.
func (s *server) rss() string { return s.procStatus("VmRSS:") }

func (s *server) procStatus(field string) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "n/a"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
		}
	}
	return "n/a"
}

// endpoint is one kind of request to measure.
type endpoint struct {
	name, method string
	path         func(i int) string
	body         func(i int) string
	want         int
	count        int // when set, send requests 0 to count-1 and stop, if d is not over first
}

type result struct {
	name     string
	reqs     int
	errors   int
	rps      float64
	p50, p99 time.Duration
	rss      string
}

// drive sends requests to base with conns connections for d and measures them.
func drive(base string, e endpoint, conns int, d time.Duration) result {
	transport := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Go(func() {
			var lat []time.Duration
			bad := 0
			for i := c; ctx.Err() == nil && (e.count == 0 || i < e.count); i += conns {
				var body io.Reader
				if e.body != nil {
					body = strings.NewReader(e.body(i))
				}
				req, _ := http.NewRequest(e.method, base+e.path(i), body)
				req.Header.Set("Authorization", "Bearer bench")
				if body != nil {
					req.Header.Set("Content-Type", "application/vnd.api+json")
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != e.want {
					bad++
				}
			}
			mu.Lock()
			all = append(all, lat...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := result{name: e.name, reqs: len(all), errors: errs, rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

func run(conns int, d time.Duration, wrk string, rounds int) error {
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "mockserver")
	build := exec.Command("go", "build", "-o", bin, "./cmd/mockserver")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build mockserver: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("loadbench: %d connections, %s per endpoint, client and servers on one machine (%s)\n\n", conns, d, cpuInfo())
	if wrk != "" {
		if err := yardstick(wrk, self, bin, conns, d, rounds); err != nil {
			return err
		}
		fmt.Println("Go client, keep-alive connections:")
		fmt.Println()
	}

	var results []result
	bare, err := start(self, "-serve-bare")
	if err != nil {
		return err
	}
	r := drive(bare.url, endpoint{name: "bare net/http, fixed body", method: "GET", path: func(int) string { return "/" }, want: 200}, conns, d)
	r.rss = bare.peakRSS()
	bare.stop()
	results = append(results, r)
	baseline := r

	for _, backend := range []struct{ name, state string }{{"mock", ""}, {"mock -state", filepath.Join(dir, "state.json")}} {
		args := []string{"-addr", "127.0.0.1:0", "-rate-limit", "0", "-generate", "1000", "-log-format", "json"}
		if backend.state != "" {
			args = append(args, "-state", backend.state)
		}
		mock, err := start(bin, args...)
		if err != nil {
			return err
		}
		measure := func(e endpoint, conns int) result {
			e.name = backend.name + ": " + e.name
			r := drive(mock.url, e, conns, d)
			r.rss = mock.peakRSS()
			results = append(results, r)
			return r
		}
		if backend.state == "" {
			measure(endpoint{name: "get by id", method: "GET", path: func(i int) string { return fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i%1000) }, want: 200}, conns)
			measure(endpoint{name: "list of 50", method: "GET", path: func(int) string { return "/api/v2/opportunityStages" }, want: 200}, conns)
		}
		// The writes: each create, patch and delete is fsynced before it is answered with -state.
		created := 0
		for _, c := range []int{conns, 1} {
			create := endpoint{name: "create", method: "POST", path: func(int) string { return "/api/v2/opportunityStages" },
				body: func(i int) string {
					return fmt.Sprintf(`{"data":{"type":"opportunityStage","attributes":{"name":"Load %d","order":%d,"isClosed":false}}}`, i, i)
				}, want: 201}
			if c == 1 {
				create.name += ", 1 connection"
			}
			created += measure(create, c).reqs
		}
		measure(endpoint{name: "patch", method: "PATCH", path: func(i int) string { return fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i%1000) },
			body: func(i int) string {
				return fmt.Sprintf(`{"data":{"type":"opportunityStage","id":%d,"attributes":{"name":"Patched %d"}}}`, 1+i%1000, i)
			}, want: 200}, conns)
		measure(endpoint{name: "delete", method: "DELETE", path: func(i int) string { return fmt.Sprintf("/api/v2/opportunityStages/%d", 1+i) },
			want: 204, count: 1000 + created}, conns)
		mock.stop()
	}

	big, err := start(bin, "-addr", "127.0.0.1:0", "-rate-limit", "0", "-generate", "100000", "-log-format", "json")
	if err != nil {
		return err
	}
	time.Sleep(time.Second) // let start-up garbage be collected and returned
	idle, startPeak := big.rss(), big.peakRSS()
	filtered := endpoint{name: "mock 100k: filter + 2-key sort", method: "GET",
		path: func(int) string {
			return "/api/v2/opportunityStages?filter%5BisClosed%5D=false&filter%5Border%5D=1000..90000&sort=-name,order&page%5Bsize%5D=50"
		}, want: 200}
	r = drive(big.url, filtered, conns, d)
	r.rss = big.peakRSS()
	results = append(results, r)
	filtered.name += ", 1 connection"
	r = drive(big.url, filtered, 1, d)
	r.rss = big.peakRSS()
	results = append(results, r)
	big.stop()

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "endpoint\treq/s\tp50\tp99\terrors\tpeak RSS\treq/s vs bare\tp99 vs bare\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%.0f\t%s\t%s\t%d\t%s\t%.0f%%\t%.2fx\t\n", r.name, r.rps, r.p50.Round(time.Microsecond),
			r.p99.Round(time.Microsecond), r.errors, r.rss, 100*r.rps/baseline.rps, float64(r.p99)/float64(baseline.p99))
	}
	w.Flush()
	fmt.Printf("\n100,000 stages: %s RSS idle after start-up (%s peak during start-up).\n", idle, startPeak)
	if baseline.errors > 0 {
		return errors.New("the bare handler answered with errors; the machine is overloaded")
	}
	return nil
}

func cpuInfo() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	cores := strings.Count(string(data), "processor\t:")
	model := "unknown CPU"
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "model name\t: "); ok {
			model = v
			break
		}
	}
	return fmt.Sprintf("%d cores, %s", cores, model)
}
