// Package devcert keeps a TLS certificate for a development server in a directory: a
// certificate and key for the hosts the server answers as, and the certificate of the CA
// that signed them, for clients to trust. The pair is made on first use and kept; it is
// made again when it no longer fits (a host it does not cover, expiry, a CA file that did
// not sign it).
//
// The CA's private key is never written anywhere: it signs the one server certificate and
// is dropped, so a client that trusts ca.pem trusts that certificate and nothing else that
// anyone could make later. Making a new pair makes a new CA too.
//
// A key that another user could read, or that another user owns, is not reused: the pair
// is made again, its key readable by its owner only. A directory that other users may
// write to, or that another user owns, is refused, since whoever can put files there could
// plant a key of their choosing.
package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oppstages/oppstages/internal/atomicfile"
	"github.com/oppstages/oppstages/internal/smallfile"
)

// The files in the directory.
const (
	CertFile = "cert.pem" // the server's certificate, 0644
	KeyFile  = "key.pem"  // the server's private key, 0600
	CAFile   = "ca.pem"   // the certificate of the CA that signed CertFile, 0644: clients trust it
)

// Lifetime is how long a new certificate (and its CA) is valid.
const Lifetime = 365 * 24 * time.Hour

// renewBefore is how long before its expiry a kept certificate is made again, so that a
// server started shortly before that moment does not stop being trusted while it runs.
const renewBefore = 24 * time.Hour

// Pair is the server certificate Ensure returns.
type Pair struct {
	Certificate tls.Certificate
	Leaf        *x509.Certificate
	// Made says why a new pair was made; it is empty when the kept one was reused.
	Made string
}

// Ensure returns the pair kept in dir when it covers every host (names or IP addresses)
// and is valid at now for at least a day more, signed by the CA in dir/ca.pem. Otherwise
// it makes a new CA and pair for hosts, writes them to dir (made if missing) and returns
// the new pair.
func Ensure(dir string, hosts []string, now time.Time) (Pair, error) {
	if len(hosts) == 0 {
		return Pair{}, errors.New("devcert: no host to make a certificate for")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Pair{}, fmt.Errorf("make directory %s: %w", dir, cause(err))
	}
	if err := checkDir(dir); err != nil {
		return Pair{}, err
	}
	pair, why := load(dir, hosts, now)
	if why == "" {
		return pair, nil
	}
	pair, err := issue(dir, hosts, now)
	if err != nil {
		return Pair{}, err
	}
	pair.Made = why
	return pair, nil
}

// ErrUnsafeDir is the refusal of a directory that others could plant a key in.
var ErrUnsafeDir = errors.New("other users could put a key of their choosing there")

// checkDir refuses a directory that other users may write to, or that another user owns.
func checkDir(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, cause(err))
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if perm := info.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("directory %s may be written by other users (mode %04o): %w; chmod go-w it, or name another", dir, perm, ErrUnsafeDir)
	}
	if ownedByOther(info) {
		return fmt.Errorf("directory %s belongs to another user: %w; name a directory of your own", dir, ErrUnsafeDir)
	}
	return nil
}

// keyExposed says why the kept key must not be served any more: other users may read it,
// or another user owns it. It is empty when the key is its owner's alone.
func keyExposed(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return "" // reading it says what is wrong
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Sprintf("%s could be read by other users (mode %04o)", KeyFile, perm)
	}
	if ownedByOther(info) {
		return fmt.Sprintf("%s belongs to another user", KeyFile)
	}
	return ""
}

// load reads the kept pair and checks it; the reason is empty when it can be used.
func load(dir string, hosts []string, now time.Time) (Pair, string) {
	certPEM, err := smallfile.Read(filepath.Join(dir, CertFile), smallfile.Limit)
	if errors.Is(err, fs.ErrNotExist) {
		return Pair{}, "none was kept"
	}
	if err != nil {
		return Pair{}, fmt.Sprintf("%s could not be read: %v", CertFile, cause(err))
	}
	if why := keyExposed(filepath.Join(dir, KeyFile)); why != "" {
		return Pair{}, why
	}
	keyPEM, err := smallfile.Read(filepath.Join(dir, KeyFile), smallfile.Limit)
	if err != nil {
		return Pair{}, fmt.Sprintf("%s could not be read: %v", KeyFile, cause(err))
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return Pair{}, fmt.Sprintf("%s and %s are no pair: %v", CertFile, KeyFile, err)
	}
	leaf := cert.Leaf
	caPEM, err := smallfile.Read(filepath.Join(dir, CAFile), smallfile.Limit)
	if err != nil {
		return Pair{}, fmt.Sprintf("%s could not be read: %v", CAFile, cause(err))
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return Pair{}, fmt.Sprintf("%s holds no certificate", CAFile)
	}
	if until := leaf.NotAfter.UTC().Format(time.RFC3339); now.After(leaf.NotAfter) {
		return Pair{}, "the kept one expired at " + until
	} else if now.Add(renewBefore).After(leaf.NotAfter) {
		return Pair{}, "the kept one expires at " + until + ", in less than a day"
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now}); err != nil {
		return Pair{}, fmt.Sprintf("%s is not valid under %s now: %v", CertFile, CAFile, err)
	}
	for _, h := range hosts {
		if err := leaf.VerifyHostname(h); err != nil {
			return Pair{}, fmt.Sprintf("the kept one does not cover %s", h)
		}
	}
	return Pair{Certificate: cert, Leaf: leaf}, ""
}

// issue makes a CA and a pair it signs for hosts, writes ca.pem, cert.pem and key.pem, and
// drops the CA's key.
func issue(dir string, hosts []string, now time.Time) (Pair, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, fmt.Errorf("make a CA key: %w", err)
	}
	notBefore := now.Add(-time.Hour) // a client whose clock is a little behind still accepts it
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"oppstages"}, CommonName: "oppstages mockserver development CA " + now.UTC().Format("2006-01-02T15:04:05Z")},
		NotBefore:             notBefore,
		NotAfter:              now.Add(Lifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return Pair{}, fmt.Errorf("make the CA certificate: %w", err)
	}
	ca, err = x509.ParseCertificate(caDER)
	if err != nil {
		return Pair{}, fmt.Errorf("read back the CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, fmt.Errorf("make a server key: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"oppstages"}, CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     now.Add(Lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return Pair{}, fmt.Errorf("make the server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, fmt.Errorf("encode the server key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	// The key first and the CA last: a start that stops half-way leaves files that do not
	// verify together, and the next start makes them again.
	for _, f := range []struct {
		name string
		data []byte
		mode fs.FileMode
	}{
		{KeyFile, keyPEM, 0o600},
		{CertFile, certPEM, 0o644},
		{CAFile, caPEM, 0o644},
	} {
		path := filepath.Join(dir, f.name)
		if err := atomicfile.Write(path, f.data); err != nil {
			return Pair{}, err
		}
		if err := os.Chmod(path, f.mode); err != nil {
			return Pair{}, fmt.Errorf("chmod %s: %w", path, err)
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return Pair{}, fmt.Errorf("read back the pair: %w", err)
	}
	return Pair{Certificate: cert, Leaf: cert.Leaf}, nil
}

// serial is a random 128-bit serial number, as RFC 5280 asks: unique per CA.
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)) // crypto/rand does not fail
	return n
}

// Hosts are the names a development server's certificate covers: localhost and the
// loopback addresses, then each of extra that names a host a client can dial (not empty,
// not an unspecified address such as 0.0.0.0), without repeats.
func Hosts(extra ...string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	for _, h := range extra {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if i := strings.IndexByte(h, '%'); i >= 0 {
			h = h[:i] // an IPv6 zone is no part of a certificate
		}
		ip := net.ParseIP(h)
		if h == "" || (ip != nil && ip.IsUnspecified()) {
			continue
		}
		same := func(k string) bool { return strings.EqualFold(k, h) || (ip != nil && ip.Equal(net.ParseIP(k))) }
		if !slices.ContainsFunc(hosts, same) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// cause is the reason of a file error, without the path the message around it names.
func cause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
