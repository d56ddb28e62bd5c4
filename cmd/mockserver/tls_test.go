package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// trusting is a client whose only root is the certificate in caFile; no system roots.
func trusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	if caFile != "" {
		pemBytes, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		if !roots.AppendCertsFromPEM(pemBytes) {
			t.Fatalf("%s holds no certificate", caFile)
		}
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
}

// getStage gets stage 1 with client and returns the answer and its self link.
func getStage(client *http.Client, url string) (*http.Response, string, error) {
	req, _ := http.NewRequest("GET", url+"/api/v2/opportunityStages/1", nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			Links struct{ Self string } `json:"links"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	return resp, doc.Data.Links.Self, err
}

func TestTLSGenerateServesHTTPSTrustedByItsCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	addr, stdout, stop := start(t, []string{"-addr", "127.0.0.1:0", "-tls-generate", dir}, nil)
	ca := filepath.Join(dir, "ca.pem")
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		url := "https://" + net.JoinHostPort(host, port)
		resp, self, err := getStage(trusting(t, ca), url)
		if err != nil {
			t.Fatalf("%s, trusting only %s: %v", url, ca, err)
		}
		if resp.StatusCode != http.StatusOK || self != url+"/api/v2/opportunityStages/1" {
			t.Errorf("%s: %d, self link %q; want 200 and an https link", url, resp.StatusCode, self)
		}
	}
	if resp, err := trusting(t, ca).Get("https://" + addr + "/__admin/health"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("admin API over https: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	_, _, err := getStage(trusting(t, ""), "https://"+addr)
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); !ok {
		t.Errorf("a client that does not trust ca.pem: %v, want x509.UnknownAuthorityError", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(stdout.String(), "\n")
	if !strings.Contains(first, "listening on https://"+addr) {
		t.Errorf("start-up line %q does not name the https address", first)
	}
	if !strings.Contains(stdout.String(), "clients trust "+ca) {
		t.Errorf("start-up does not name the CA file:\n%s", stdout.String())
	}

	// A second start, from the environment this time, serves the same certificate.
	kept, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	addr, stdout, stop = start(t, nil, map[string]string{"MOCKSERVER_ADDR": "127.0.0.1:0", "MOCKSERVER_TLS_GENERATE": dir})
	resp, _, err := getStage(trusting(t, ca), "https://"+addr)
	if stopErr := stop(); err != nil || stopErr != nil {
		t.Fatal(err, stopErr)
	}
	block, _ := pem.Decode(kept)
	if block == nil || !bytes.Equal(resp.TLS.PeerCertificates[0].Raw, block.Bytes) {
		t.Error("the second start serves another certificate than the kept cert.pem")
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "cert.pem")); !bytes.Equal(again, kept) {
		t.Error("the second start rewrote cert.pem")
	}
	if !strings.Contains(stdout.String(), "kept from an earlier start") {
		t.Errorf("start-up does not say the pair was kept:\n%s", stdout.String())
	}
}

// writePair writes a self-signed certificate for 127.0.0.1 and its key, as a user's own
// pair, and returns the two files.
func writePair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "a user's own pair"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestTLSCertServesTheUsersPair(t *testing.T) {
	certFile, keyFile := writePair(t, t.TempDir())
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flags", []string{"-addr", "127.0.0.1:0", "-tls-cert", certFile, "-tls-key", keyFile}, nil},
		{"environment", nil, map[string]string{"MOCKSERVER_ADDR": "127.0.0.1:0", "MOCKSERVER_TLS_CERT": certFile, "MOCKSERVER_TLS_KEY": keyFile}},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, _, stop := start(t, c.args, c.env)
			defer stop()
			resp, self, err := getStage(trusting(t, certFile), "https://"+addr)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || self != "https://"+addr+"/api/v2/opportunityStages/1" {
				t.Errorf("%d, self link %q; want 200 and an https link", resp.StatusCode, self)
			}
			if resp.Proto != "HTTP/1.1" {
				t.Errorf("protocol %s, want HTTP/1.1 as over plain http", resp.Proto)
			}
		})
	}
}

// Each mistake in the https flags stops start-up: exit 2 and one line naming the flag and
// the file.
func TestTLSFlagMistakes(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writePair(t, filepath.Join(dir, "a"))
	_, otherKey := writePair(t, filepath.Join(dir, "b"))
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"generate in a directory others can write", []string{"-tls-generate", shared}, []string{"-tls-generate " + shared, "written by other users"}},
		{"cert without key", []string{"-tls-cert", certFile}, []string{"-tls-cert and -tls-key go together"}},
		{"key without cert", []string{"-tls-key", keyFile}, []string{"-tls-cert and -tls-key go together"}},
		{"generate and a pair", []string{"-tls-generate", dir, "-tls-cert", certFile, "-tls-key", keyFile}, []string{"-tls-generate", "not both"}},
		{"cert missing", []string{"-tls-cert", "/no/such/cert.pem", "-tls-key", keyFile}, []string{"-tls-cert /no/such/cert.pem", "no such file"}},
		{"key missing", []string{"-tls-cert", certFile, "-tls-key", "/no/such/key.pem"}, []string{"-tls-key /no/such/key.pem", "no such file"}},
		{"mismatched pair", []string{"-tls-cert", certFile, "-tls-key", otherKey}, []string{"-tls-cert " + certFile, "-tls-key " + otherKey, "no pair"}},
		{"key is a certificate", []string{"-tls-cert", certFile, "-tls-key", certFile}, []string{"-tls-key " + certFile, "no pair"}},
		{"generate under a file", []string{"-tls-generate", aFile + "/tls"}, []string{"-tls-generate " + aFile + "/tls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := mainCommand(append([]string{"-addr", "127.0.0.1:0"}, tt.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 2 {
				t.Fatalf("exit: %v, want code 2\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
			}
			line := stderr.String()
			if strings.Count(line, "\n") != 1 || stdout.Len() != 0 {
				t.Errorf("want one line on stderr and nothing on stdout; stderr:\n%s\nstdout:\n%s", line, stdout.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("stderr %q does not mention %q", line, w)
				}
			}
		})
	}
}

// A generated certificate covers the hosts -addr and -base-url name, besides loopback.
func TestTLSHosts(t *testing.T) {
	tests := []struct {
		addr, baseURL string
		want          []string
	}{
		{"127.0.0.1:8080", "", []string{"127.0.0.1"}},
		{"stages.test:8443", "", []string{"stages.test"}},
		{"0.0.0.0:8080", "https://mock.example.test:8443/", []string{"0.0.0.0", "mock.example.test"}},
		{"[::1]:0", "http://[fd00::7]:80", []string{"::1", "fd00::7"}},
		{":8080", "", []string{""}},
	}
	for _, tt := range tests {
		got := tlsHosts(config{addr: tt.addr, baseURL: tt.baseURL})
		if !slices.Equal(got, tt.want) {
			t.Errorf("tlsHosts(-addr %q -base-url %q) = %q, want %q", tt.addr, tt.baseURL, got, tt.want)
		}
	}
}
