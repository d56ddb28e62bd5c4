package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/devcert"
	"github.com/oppstages/oppstages/mock"
)

// addTLSFlags defines the flags that make the server speak https.
func addTLSFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve https with this certificate (PEM file; with -tls-key)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the private key of -tls-cert (PEM file)")
	fs.StringVar(&c.tlsGenerate, "tls-generate", "", "directory: serve https with a certificate for localhost, 127.0.0.1, ::1 and the -addr and -base-url hosts, kept there as cert.pem and key.pem (made on first use, reused after), signed by the CA in ca.pem, which clients trust")
}

// checkTLSFlags checks that the https flags go together.
func checkTLSFlags(c config) error {
	switch {
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return fmt.Errorf("-tls-cert and -tls-key go together: give both, or neither")
	case c.tlsGenerate != "" && c.tlsCert != "":
		return fmt.Errorf("-tls-generate makes its own pair: give it or -tls-cert and -tls-key, not both")
	}
	return nil
}

// serverTLS loads or makes the certificate the flags ask for. It returns nil when the
// server speaks plain http, and otherwise also a line for start-up that says where the
// certificate comes from.
func serverTLS(c config, now time.Time) (*tls.Config, string, error) {
	switch {
	case c.tlsCert != "":
		cert, err := loadPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return nil, "", err
		}
		return tlsConfig(cert), fmt.Sprintf("https with the certificate in %s", c.tlsCert), nil
	case c.tlsGenerate != "":
		pair, err := devcert.Ensure(c.tlsGenerate, devcert.Hosts(tlsHosts(c)...), now)
		if err != nil {
			return nil, "", fmt.Errorf("-tls-generate %s: %w", c.tlsGenerate, err)
		}
		made := "kept from an earlier start"
		if pair.Made != "" {
			made = "made now: " + pair.Made
		}
		names := append(slices.Clone(pair.Leaf.DNSNames), ipStrings(pair.Leaf.IPAddresses)...)
		return tlsConfig(pair.Certificate), fmt.Sprintf("https for %s with %s (%s, valid until %s); clients trust %s",
			strings.Join(names, ", "), filepath.Join(c.tlsGenerate, devcert.CertFile), made,
			pair.Leaf.NotAfter.UTC().Format("2006-01-02"), filepath.Join(c.tlsGenerate, devcert.CAFile)), nil
	}
	return nil, "", nil
}

// tlsHosts are the hosts named by -addr and -base-url, which a generated certificate covers
// besides the loopback names.
func tlsHosts(c config) []string {
	var hosts []string
	if host, _, err := net.SplitHostPort(c.addr); err == nil {
		hosts = append(hosts, host)
	}
	if u, err := url.Parse(c.baseURL); err == nil && c.baseURL != "" {
		hosts = append(hosts, u.Hostname())
	}
	return hosts
}

// loadPair reads a PEM certificate and key, naming the file that cannot be used.
func loadPair(certFile, keyFile string) (tls.Certificate, error) {
	certPEM, err := mock.ReadSmallFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("-tls-cert %s: %v", certFile, cause(err))
	}
	keyPEM, err := mock.ReadSmallFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("-tls-key %s: %v", keyFile, cause(err))
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("-tls-cert %s and -tls-key %s are no pair: %v", certFile, keyFile, err)
	}
	return cert, nil
}

// tlsConfig serves cert over HTTP/1.1 only, as the plain server does: a connection is one
// client's, so the connection bound and the fault that drops a connection mean the same
// over https.
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// http1Only is the protocol set of a server that speaks HTTP/1.1, over TLS or not.
func http1Only() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	return &p
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
