package selfcert

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
)

// File names inside Options.Dir.
const (
	CertFile = "cert.pem"
	KeyFile  = "key.pem"
)

const (
	defaultValidity    = 365 * 24 * time.Hour
	defaultRenewBefore = 24 * time.Hour
	// notBeforeSkew backdates NotBefore so that peers with a slightly slow
	// clock accept a certificate made a moment ago.
	notBeforeSkew = time.Hour
)

var errNoDir = errors.New("selfcert: Options.Dir is empty")

// Options says where the certificate lives and what it must cover. The zero
// value of every field but Dir is meaningful.
type Options struct {
	// Dir holds CertFile and KeyFile. It is created (mode 0700) if missing.
	Dir string
	// Names are the DNS names the certificate must cover; IP literals are
	// accepted and go into the IP SANs. Comparison is case-insensitive and
	// order-free. Empty means "localhost". 127.0.0.1 and ::1 are always added.
	Names []string
	// Validity of a new certificate; default one year.
	Validity time.Duration
	// RenewBefore regenerates a certificate that expires within this window;
	// default 24 hours.
	RenewBefore time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// LoadOrCreate returns the certificate in opts.Dir if it is usable for
// opts.Names at opts.Now(), otherwise generates, writes and returns a new one.
// created reports which happened. The returned certificate has Leaf set.
func LoadOrCreate(opts Options) (cert tls.Certificate, created bool, err error) {
	if opts.Dir == "" {
		return tls.Certificate{}, false, errNoDir
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	dns, ips := splitNames(opts.Names)
	certPath := filepath.Join(opts.Dir, CertFile)
	keyPath := filepath.Join(opts.Dir, KeyFile)

	if c, ok := load(certPath, keyPath); ok && usable(c.Leaf, dns, ips, now(), orDefault(opts.RenewBefore, defaultRenewBefore)) {
		if err := tightenKeyMode(keyPath); err != nil {
			return tls.Certificate{}, false, err
		}
		return c, false, nil
	}

	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return tls.Certificate{}, false, fmt.Errorf("selfcert: %w", err)
	}
	certPEM, keyPEM, err := generate(dns, ips, now(), orDefault(opts.Validity, defaultValidity))
	if err != nil {
		return tls.Certificate{}, false, err
	}
	// Key first: a crash between the two renames leaves a pair that does not
	// match, which the next start regenerates.
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, false, err
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, false, err
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("selfcert: generated pair does not load: %w", err)
	}
	return cert, true, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// splitNames normalises the requested names: lower-case, deduplicated and
// sorted DNS names, and IP addresses that always include both loopbacks.
func splitNames(names []string) (dns []string, ips []net.IP) {
	if len(names) == 0 {
		names = []string{"localhost"}
	}
	ips = []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
	for _, n := range names {
		n = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(n)), ".")
		if n == "" {
			continue
		}
		if ip := net.ParseIP(n); ip != nil {
			if v4 := ip.To4(); v4 != nil {
				ip = v4
			}
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
			continue
		}
		dns = append(dns, n)
	}
	slices.Sort(dns)
	return slices.Compact(dns), ips
}

func load(certPath, keyPath string) (tls.Certificate, bool) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, false
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, false
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM) // also checks that key and cert match
	if err != nil || c.Leaf == nil {
		return tls.Certificate{}, false
	}
	return c, true
}

func usable(leaf *x509.Certificate, dns []string, ips []net.IP, now time.Time, renewBefore time.Duration) bool {
	if now.Before(leaf.NotBefore) || !now.Add(renewBefore).Before(leaf.NotAfter) {
		return false
	}
	have := make([]string, 0, len(leaf.DNSNames))
	for _, n := range leaf.DNSNames {
		have = append(have, strings.ToLower(n))
	}
	slices.Sort(have)
	if !slices.Equal(slices.Compact(have), dns) {
		return false
	}
	if len(leaf.IPAddresses) != len(ips) {
		return false
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

func generate(dns []string, ips []net.IP, now time.Time, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("selfcert: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("selfcert: %w", err)
	}
	cn := "localhost"
	if len(dns) > 0 {
		cn = dns[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"xmppd self-signed"}},
		NotBefore:             now.Add(-notBeforeSkew),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("selfcert: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("selfcert: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFileAtomic writes data to a temporary file in the same directory,
// with mode perm from the start, syncs it and renames it over path.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*") // mode 0600
	if err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	return nil
}

// tightenKeyMode drops group and other permissions from a reused key file.
func tightenKeyMode(keyPath string) error {
	st, err := os.Stat(keyPath)
	if err != nil {
		return fmt.Errorf("selfcert: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(keyPath, 0o600); err != nil {
			return fmt.Errorf("selfcert: %w", err)
		}
	}
	return nil
}
