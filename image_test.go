//go:build unix

package oppstages_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxImageBytes is the most the image may weigh: a binary and CA certificates.
const maxImageBytes = 60 << 20

// TestContainerImage builds the image with `make image` and runs it as docs/container.md shows:
// the API and the admin API on a port published on the host's loopback, the admin token
// wanted when MOCKSERVER_ADMIN_TOKEN is set, and -state on a named volume surviving a stop
// (SIGTERM) and a new container.
//
// The runtime is the one make image picks (CONTAINER, or the first of podman and docker
// whose info answers). CONTAINER_FLAGS (before the command, e.g. --runtime runc) and
// RUN_FLAGS (after run, e.g. --ulimit nofile=1024:1024) are taken from the environment;
// without them the test tries none, then the ones a sandboxed podman needs.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the container image; skipped with -short")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed, and make image builds the image")
	}
	rt := os.Getenv("CONTAINER")
	if rt == "" {
		rt = answeringRuntime()
	}
	if rt == "" {
		t.Skip("no container runtime: neither podman nor docker answers 'info'")
	}
	image := fmt.Sprintf("oppstages/mockserver:test-%d", os.Getpid())
	c := &containers{runtime: rt, global: strings.Fields(os.Getenv("CONTAINER_FLAGS")), prefix: fmt.Sprintf("oppstages-test-%d-", os.Getpid())}
	t.Cleanup(c.removeAll)

	buildFlags := ""
	if rt == "podman" {
		buildFlags = "--layers=false" // no cached layer images left behind for each test run
	}
	build := exec.Command("make", "image", "IMAGE="+image, "CONTAINER="+rt, "CONTAINER_FLAGS="+os.Getenv("CONTAINER_FLAGS"),
		"BUILD_FLAGS="+buildFlags, "IMAGE_CONTEXT="+t.TempDir())
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	c.images = append(c.images, image)
	if !c.findRunFlags(image) {
		t.Skipf("%s cannot run containers here: %s", rt, c.probeErr)
	}

	t.Run("size, user and files", func(t *testing.T) {
		out := c.output(t, "image", "inspect", "--format", "{{.Size}} {{.Config.User}}", image)
		sizeText, user, _ := strings.Cut(strings.TrimSpace(out), " ")
		size, err := strconv.ParseInt(sizeText, 10, 64)
		if err != nil {
			t.Fatalf("image size %q: %v", out, err)
		}
		t.Logf("image %s: %.1f MB", image, float64(size)/1e6)
		if size >= maxImageBytes {
			t.Errorf("the image weighs %d bytes, want under %d", size, maxImageBytes)
		}
		if user != "65532:65532" {
			t.Errorf("the image runs as %q, want 65532:65532 (no root)", user)
		}
		saved := filepath.Join(t.TempDir(), "image.tar")
		c.output(t, "save", "-o", saved, image)
		files := imageFiles(t, saved)
		for _, want := range []struct {
			name string
			uid  int
			mode int64
		}{
			{"mockserver", 0, 0o755},
			{"etc/ssl/certs/ca-certificates.crt", 0, 0o644}, // for -upstream https://...
			{"data/", 65532, 0o755},                         // docker copies this owner into a new named volume
		} {
			h, ok := files[want.name]
			if !ok {
				t.Errorf("the image holds no %s", want.name)
				continue
			}
			if h.Uid != want.uid || h.Mode&0o777 != want.mode {
				t.Errorf("%s: owner %d, mode %o; want %d, %o", want.name, h.Uid, h.Mode&0o777, want.uid, want.mode)
			}
		}
	})

	t.Run("API and admin API on the published port", func(t *testing.T) {
		url := c.start(t, "open", nil, image)
		resp, self := apiGet(t, url+"/api/v2/opportunityStages/1", "any-token")
		if resp != http.StatusOK || self != url+"/api/v2/opportunityStages/1" {
			t.Errorf("API: %d, self link %q; want 200 and a link to %s", resp, self, url)
		}
		if status := adminGet(t, url, ""); status != http.StatusOK {
			t.Errorf("admin API: %d, want 200", status)
		}
		logs := c.output(t, "logs", c.prefix+"open")
		for _, want := range []string{"listening on http://", "the admin API is open to the network"} {
			if !strings.Contains(logs, want) {
				t.Errorf("the start-up line does not say %q:\n%s", want, logs)
			}
		}
	})

	t.Run("admin token", func(t *testing.T) {
		url := c.start(t, "token", []string{"-e", "MOCKSERVER_ADMIN_TOKEN=s3cret-admin"}, image)
		if status := adminGet(t, url, ""); status != http.StatusUnauthorized {
			t.Errorf("admin API without the token: %d, want 401", status)
		}
		if status := adminGet(t, url, "s3cret-admin"); status != http.StatusOK {
			t.Errorf("admin API with the token: %d, want 200", status)
		}
		if logs := c.output(t, "logs", c.prefix+"token"); !strings.Contains(logs, "the admin API wants the admin token") {
			t.Errorf("the start-up line does not say the admin API wants the token:\n%s", logs)
		}
	})

	// docker fills a new named volume from the image's /data, owner included; podman makes
	// it the container user's. Without a volume the image's own /data is written to.
	t.Run("state in the image's /data", func(t *testing.T) {
		url := c.start(t, "layer", nil, image, "-state", "/data/state.json")
		if status, _ := apiGet(t, url+"/api/v2/opportunityStages/1", "any-token"); status != http.StatusOK {
			t.Errorf("API with -state in /data: %d, want 200", status)
		}
	})

	t.Run("state on a volume survives a stop", func(t *testing.T) {
		volume := c.prefix + "data"
		c.output(t, "volume", "create", volume)
		c.volumes = append(c.volumes, volume)
		mount := []string{"-v", volume + ":/data"}
		url := c.start(t, "state1", mount, image, "-state", "/data/state.json")
		req, _ := http.NewRequest(http.MethodDelete, url+"/api/v2/opportunityStages/3", nil)
		req.Header.Set("Authorization", "Bearer any-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d", resp.StatusCode)
		}
		c.output(t, "stop", c.prefix+"state1") // SIGTERM to mockserver, PID 1
		if code := strings.TrimSpace(c.output(t, "inspect", "--format", "{{.State.ExitCode}}", c.prefix+"state1")); code != "0" {
			t.Errorf("exit code after stop: %s, want 0 (SIGTERM drains and saves)", code)
		}
		if logs := c.output(t, "logs", c.prefix+"state1"); !strings.Contains(logs, "state saved") || !strings.Contains(logs, "mockserver stopped") {
			t.Errorf("no saved state at stop:\n%s", logs)
		}
		url = c.start(t, "state2", mount, image, "-state", "/data/state.json")
		if status, _ := apiGet(t, url+"/api/v2/opportunityStages/3", "any-token"); status != http.StatusNotFound {
			t.Errorf("stage 3 in a new container on the volume: %d, want 404", status)
		}
		if status, _ := apiGet(t, url+"/api/v2/opportunityStages/1", "any-token"); status != http.StatusOK {
			t.Errorf("stage 1 in a new container on the volume: %d, want 200", status)
		}
	})
}

// answeringRuntime is the first of podman and docker whose info answers, as make image
// picks it, or "".
func answeringRuntime() string {
	for _, rt := range []string{"podman", "docker"} {
		if _, err := exec.LookPath(rt); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := exec.CommandContext(ctx, rt, "info").Run()
		cancel()
		if err == nil {
			return rt
		}
	}
	return ""
}

// containers runs the test's containers and removes them, and the volumes and images it
// made, when the test ends.
type containers struct {
	runtime string
	global  []string // before the runtime's command
	run     []string // after run
	prefix  string   // of every container's and volume's name

	probeErr string
	names    []string
	volumes  []string
	images   []string
}

// findRunFlags finds the run flags with which the runtime runs the image: RUN_FLAGS when
// set, else none, else the ones a sandboxed podman needs (its runc, and limits the
// sandbox allows). It reports false when the image runs with none of them.
func (c *containers) findRunFlags(image string) bool {
	sandboxed := []string{"--ulimit", "nproc=1000:1000", "--ulimit", "nofile=1024:1024"}
	type try struct{ global, run []string }
	tries := []try{{c.global, nil}, {c.global, sandboxed}}
	if len(c.global) == 0 && c.runtime == "podman" {
		tries = append(tries, try{[]string{"--runtime", "runc"}, sandboxed})
	}
	if flags, ok := os.LookupEnv("RUN_FLAGS"); ok {
		tries = []try{{c.global, strings.Fields(flags)}}
	}
	for _, tr := range tries {
		args := append(append(append(append([]string{}, tr.global...), "run", "--rm"), tr.run...), image, "-h")
		out, err := c.combined(args...)
		if err == nil && strings.Contains(string(out), "Usage: mockserver") {
			c.global, c.run = tr.global, tr.run
			return true
		}
		c.probeErr = firstLine(fmt.Sprintf("%v: %s", err, out))
	}
	return false
}

// combined runs the runtime with args, for at most three minutes.
func (c *containers) combined(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, c.runtime, args...).CombinedOutput()
}

// output runs the runtime with the global flags and args, and fails the test if it fails.
func (c *containers) output(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.combined(append(append([]string{}, c.global...), args...)...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", c.runtime, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// start runs image in the background as container name, its port 8080 published on a free
// port of the host's loopback, and returns that port's URL once the server has started.
func (c *containers) start(t *testing.T, name string, runArgs []string, image string, args ...string) string {
	t.Helper()
	full := c.prefix + name
	cmd := append([]string{"run", "-d", "--name", full, "-p", "127.0.0.1::8080"}, c.run...)
	cmd = append(append(append(cmd, runArgs...), image), args...)
	c.output(t, cmd...)
	c.names = append(c.names, full)
	url := "http://" + strings.TrimSpace(firstLine(c.output(t, "port", full, "8080/tcp")))
	for range 150 { // at most 30 s
		logs := c.output(t, "logs", full)
		if strings.Contains(logs, "listening on") {
			return url // it listens before it says so
		}
		if strings.Contains(logs, "mockserver: ") { // start-up refused
			t.Fatalf("the container %s did not start:\n%s", full, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the container %s printed no start-up line:\n%s", full, c.output(t, "logs", full))
	return ""
}

func (c *containers) removeAll() {
	for _, name := range c.names {
		_, _ = c.combined(append(append([]string{}, c.global...), "rm", "-f", name)...)
	}
	for _, volume := range c.volumes {
		_, _ = c.combined(append(append([]string{}, c.global...), "volume", "rm", "-f", volume)...)
	}
	for _, image := range c.images {
		_, _ = c.combined(append(append([]string{}, c.global...), "rmi", "-f", image)...)
	}
}

// apiGet gets url with a bearer token and returns the status and data.links.self.
func apiGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			Links struct{ Self string } `json:"links"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc.Data.Links.Self
}

// adminGet lists the sandboxes through the admin API, with the admin token when not empty.
func adminGet(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/__admin/sandboxes", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// imageFiles reads an image saved as a docker archive (what podman save and docker save
// write) and returns the headers of the files its layers hold, the later layer winning.
func imageFiles(t *testing.T, archive string) map[string]*tar.Header {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries := map[string][]byte{}
	r := tar.NewReader(f)
	for {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", archive, err)
		}
		if h.Typeflag == tar.TypeReg {
			data, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			entries[h.Name] = data
		}
	}
	var manifest []struct{ Layers []string }
	if err := json.Unmarshal(entries["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("%s: manifest.json: %v %s", archive, err, entries["manifest.json"])
	}
	files := map[string]*tar.Header{}
	for _, layer := range manifest[0].Layers {
		lr := tar.NewReader(bytes.NewReader(entries[layer]))
		for {
			h, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: layer %s: %v", archive, layer, err)
			}
			files[strings.TrimPrefix(h.Name, "./")] = h
		}
	}
	return files
}
