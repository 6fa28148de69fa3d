package selfcert

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustLoad(t *testing.T, opts Options) (tls.Certificate, bool) {
	t.Helper()
	c, created, err := LoadOrCreate(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, created
}

func TestCreateThenReuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls") // does not exist yet
	opts := Options{Dir: dir, Names: []string{"example.org", "Conference.Example.org"}, Now: clock(t0)}
	c1, created := mustLoad(t, opts)
	if !created {
		t.Fatal("first call did not create")
	}
	leaf := c1.Leaf
	if leaf == nil {
		t.Fatal("Leaf not set")
	}
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Fatalf("key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	if got, want := leaf.DNSNames, []string{"conference.example.org", "example.org"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("DNSNames = %v, want %v", got, want)
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(ip); err != nil {
			t.Errorf("does not cover %s: %v", ip, err)
		}
	}
	if err := leaf.VerifyHostname("example.org"); err != nil {
		t.Error(err)
	}
	// Self-signed: verifies against a pool holding itself.
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "example.org", CurrentTime: t0}); err != nil {
		t.Fatalf("verify: %v", err)
	}

	st, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v (%v), want 0700", st.Mode().Perm(), err)
	}

	// Same names in another order and case, a month later: reused.
	opts.Names = []string{"example.org.", "conference.example.org", "EXAMPLE.org"}
	opts.Now = clock(t0.Add(30 * 24 * time.Hour))
	c2, created := mustLoad(t, opts)
	if created {
		t.Fatal("second call regenerated a valid certificate")
	}
	if !bytes.Equal(c1.Certificate[0], c2.Certificate[0]) {
		t.Fatal("reused certificate differs")
	}
}

func TestRegenerate(t *testing.T) {
	tests := []struct {
		name   string
		second Options // Dir is filled in
		want   bool    // created
	}{
		{"same", Options{Names: []string{"a.example"}, Now: clock(t0.Add(time.Hour))}, false},
		{"expired", Options{Names: []string{"a.example"}, Now: clock(t0.Add(400 * 24 * time.Hour))}, true},
		{"expires within RenewBefore", Options{Names: []string{"a.example"}, Now: clock(t0.Add(365*24*time.Hour - 12*time.Hour))}, true},
		{"custom RenewBefore", Options{Names: []string{"a.example"}, RenewBefore: 100 * 24 * time.Hour, Now: clock(t0.Add(300 * 24 * time.Hour))}, true},
		{"not yet valid", Options{Names: []string{"a.example"}, Now: clock(t0.Add(-48 * time.Hour))}, true},
		{"name added", Options{Names: []string{"a.example", "b.example"}, Now: clock(t0)}, true},
		{"name removed", Options{Names: []string{}, Now: clock(t0)}, true},
		{"ip added", Options{Names: []string{"a.example", "192.0.2.7"}, Now: clock(t0)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first, _ := mustLoad(t, Options{Dir: dir, Names: []string{"a.example"}, Now: clock(t0)})
			tt.second.Dir = dir
			second, created := mustLoad(t, tt.second)
			if created != tt.want {
				t.Fatalf("created = %v, want %v", created, tt.want)
			}
			if same := bytes.Equal(first.Certificate[0], second.Certificate[0]); same == tt.want {
				t.Fatalf("certificate reused = %v, want %v", same, !tt.want)
			}
			if tt.want {
				// The new pair is what a third start loads.
				third, created := mustLoad(t, tt.second)
				if created || !bytes.Equal(third.Certificate[0], second.Certificate[0]) {
					t.Fatal("regenerated pair was not persisted")
				}
			}
		})
	}
}

func TestIPNames(t *testing.T) {
	c, _ := mustLoad(t, Options{Dir: t.TempDir(), Names: []string{"xmpp.example", "192.0.2.7", "127.0.0.1"}, Now: clock(t0)})
	if len(c.Leaf.DNSNames) != 1 || c.Leaf.DNSNames[0] != "xmpp.example" {
		t.Fatalf("DNSNames = %v", c.Leaf.DNSNames)
	}
	if len(c.Leaf.IPAddresses) != 3 || !c.Leaf.IPAddresses[2].Equal(net.ParseIP("192.0.2.7")) {
		t.Fatalf("IPAddresses = %v", c.Leaf.IPAddresses)
	}
}

func TestBrokenFilesRegenerated(t *testing.T) {
	tests := []struct {
		name       string
		breakFiles func(t *testing.T, dir string)
	}{
		{"key missing", func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, KeyFile))) }},
		{"cert garbage", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, CertFile), []byte("not pem"), 0o644))
		}},
		{"key from another pair", func(t *testing.T, dir string) {
			other := t.TempDir()
			mustLoad(t, Options{Dir: other, Now: clock(t0)})
			key, err := os.ReadFile(filepath.Join(other, KeyFile))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(dir, KeyFile), key, 0o600))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustLoad(t, Options{Dir: dir, Now: clock(t0)})
			tt.breakFiles(t, dir)
			if _, created := mustLoad(t, Options{Dir: dir, Now: clock(t0)}); !created {
				t.Fatal("broken pair was not regenerated")
			}
			if _, created := mustLoad(t, Options{Dir: dir, Now: clock(t0)}); created {
				t.Fatal("regenerated pair does not load")
			}
		})
	}
}

func TestReuseTightensKeyMode(t *testing.T) {
	dir := t.TempDir()
	mustLoad(t, Options{Dir: dir, Now: clock(t0)})
	key := filepath.Join(dir, KeyFile)
	must(t, os.Chmod(key, 0o644))
	if _, created := mustLoad(t, Options{Dir: dir, Now: clock(t0)}); created {
		t.Fatal("regenerated instead of reusing")
	}
	st, err := os.Stat(key)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v after reuse, want 0600", st.Mode().Perm())
	}
}

func TestNoTempFilesLeft(t *testing.T) {
	dir := t.TempDir()
	mustLoad(t, Options{Dir: dir, Now: clock(t0)})
	mustLoad(t, Options{Dir: dir, Names: []string{"other.example"}, Now: clock(t0)})
	ents, err := os.ReadDir(dir)
	must(t, err)
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("dir holds %v, want only %s and %s", names, CertFile, KeyFile)
	}
}

func TestServesTLS(t *testing.T) {
	c, _ := mustLoad(t, Options{Dir: t.TempDir(), Names: []string{"xmpp.example"}})
	pool := x509.NewCertPool()
	pool.AddCert(c.Leaf)
	srv, cli := net.Pipe()
	defer srv.Close()
	defer cli.Close()
	errc := make(chan error, 1)
	go func() {
		errc <- tls.Server(srv, &tls.Config{Certificates: []tls.Certificate{c}}).Handshake()
	}()
	if err := tls.Client(cli, &tls.Config{RootCAs: pool, ServerName: "xmpp.example"}).Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestEmptyDir(t *testing.T) {
	if _, _, err := LoadOrCreate(Options{}); err != errNoDir {
		t.Fatalf("err = %v, want %v", err, errNoDir)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
