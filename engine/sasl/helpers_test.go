package sasl_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"xmppd/engine/sasl"
)

const testDomain = "example.com"

// store is a hand-written CredentialLookup.
type store struct {
	mu    sync.Mutex
	users map[string][2]sasl.Credentials // [sha1, sha256]
	errs  map[string]error
	calls []string
}

func newStore() *store {
	return &store{users: map[string][2]sasl.Credentials{}, errs: map[string]error{}}
}

func (s *store) Lookup(user string) (sha1, sha256 sasl.Credentials, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, user)
	if err := s.errs[user]; err != nil {
		return sasl.Credentials{}, sasl.Credentials{}, err
	}
	c, ok := s.users[user]
	if !ok {
		return sasl.Credentials{}, sasl.Credentials{}, sasl.ErrUnknownUser
	}
	return c[0], c[1], nil
}

// credsCache saves PBKDF2 runs across tests: one derivation per password.
var credsCache sync.Map // password -> [2]sasl.Credentials

func (s *store) add(t testing.TB, user, password string) {
	t.Helper()
	c, ok := credsCache.Load(password)
	if !ok {
		s1, s256, err := sasl.NewCredentials(password, 0)
		if err != nil {
			t.Fatalf("NewCredentials: %v", err)
		}
		c, _ = credsCache.LoadOrStore(password, [2]sasl.Credentials{s1, s256})
	}
	s.mu.Lock()
	s.users[user] = c.([2]sasl.Credentials)
	s.mu.Unlock()
}

func (s *store) set(user string, sha1, sha256 sasl.Credentials) {
	s.mu.Lock()
	s.users[user] = [2]sasl.Credentials{sha1, sha256}
	s.mu.Unlock()
}

const (
	julietPass = "r0m30myr0m30"
	romeoPass  = "pass word" // OpaqueString maps U+00A0 to this space
)

// newTestServer serves testDomain with juliet and romeo registered.
func newTestServer(t testing.TB, mod func(*sasl.Config)) (*sasl.Server, *store) {
	t.Helper()
	st := newStore()
	st.add(t, "juliet", julietPass)
	st.add(t, "romeo", romeoPass)
	cfg := sasl.Config{Domain: testDomain, Lookup: st, FakeSaltKey: []byte("test fake salt key")}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := sasl.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return srv, st
}

// wantErr checks err against a condition ("" for success) and, if text is
// not "*", the wire text.
func wantErr(t *testing.T, err error, cond sasl.Condition, text string) {
	t.Helper()
	if cond == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *sasl.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *sasl.Error %s", err, err, cond)
	}
	if e.Condition != cond || (text != "*" && e.Text != text) {
		t.Fatalf("error = %s/%q, want %s/%q (%v)", e.Condition, e.Text, cond, text, err)
	}
}

var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: testDomain},
		DNSNames:     []string{testDomain},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// tlsPair runs a real TLS handshake at the given version over net.Pipe and
// returns both sides' connection states.
func tlsPair(t testing.TB, version uint16) (server, client tls.ConnectionState) {
	t.Helper()
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	sc := tls.Server(a, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version})
	cc := tls.Client(b, &tls.Config{InsecureSkipVerify: true, MinVersion: version, MaxVersion: version})
	errc := make(chan error, 1)
	go func() { errc <- sc.Handshake() }()
	if err := cc.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	return sc.ConnectionState(), cc.ConnectionState()
}

// tlsSetup is a set of real connections the SCRAM tests bind to.
type tlsSetup struct {
	tls12      sasl.Channel         // TLS 1.2: encrypted, no binding
	tls13      sasl.Channel         // TLS 1.3 server side
	clientCB   scram.ChannelBinding // the client's view of tls13
	otherCB    scram.ChannelBinding // a different TLS 1.3 connection
	endpointCB scram.ChannelBinding // a binding type the server does not offer
}

func newTLSSetup(t testing.TB) tlsSetup {
	t.Helper()
	var ts tlsSetup
	s12, _ := tlsPair(t, tls.VersionTLS12)
	s13, c13 := tlsPair(t, tls.VersionTLS13)
	_, other := tlsPair(t, tls.VersionTLS13)
	var err error
	if ts.tls12, err = sasl.TLSChannel(&s12); err != nil {
		t.Fatal(err)
	}
	if ts.tls13, err = sasl.TLSChannel(&s13); err != nil {
		t.Fatal(err)
	}
	if ts.clientCB, err = scram.NewTLSExporterBinding(&c13); err != nil {
		t.Fatal(err)
	}
	if ts.otherCB, err = scram.NewTLSExporterBinding(&other); err != nil {
		t.Fatal(err)
	}
	if ts.endpointCB, err = scram.NewTLSServerEndpointBinding(&c13); err != nil {
		t.Fatal(err)
	}
	return ts
}

// exchange drives a full SCRAM conversation between a real client and the
// server mechanism. tamper, if set, may rewrite client message 1 or 2. It
// returns the first server error; on success it checks the client accepted
// the server's signature.
func exchange(t testing.TB, m sasl.Mechanism, cc *scram.ClientConversation, tamper func(step int, msg string) string) error {
	t.Helper()
	if tamper == nil {
		tamper = func(_ int, msg string) string { return msg }
	}
	c1, err := cc.Step("")
	if err != nil {
		t.Fatalf("client first: %v", err)
	}
	s1, done, err := m.Step([]byte(tamper(1, c1)))
	if err != nil {
		return err
	}
	if done {
		t.Fatal("server done after client-first")
	}
	c2, err := cc.Step(string(s1))
	if err != nil {
		t.Fatalf("client final: %v", err)
	}
	s2, done, err := m.Step([]byte(tamper(2, c2)))
	if err != nil {
		if done {
			t.Fatal("done with an error")
		}
		return err
	}
	if !done {
		t.Fatal("server not done after client-final")
	}
	if _, err := cc.Step(string(s2)); err != nil || !cc.Valid() {
		t.Fatalf("client rejected server-final %q: %v", s2, err)
	}
	return nil
}

// serverFirst parses r=, s=, i= out of a server-first message.
func serverFirst(t testing.TB, msg []byte) (nonce, salt, iters string) {
	t.Helper()
	for _, f := range strings.Split(string(msg), ",") {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "r":
			nonce = v
		case "s":
			salt = v
		case "i":
			iters = v
		}
	}
	if nonce == "" || salt == "" || iters == "" {
		t.Fatalf("bad server-first %q", msg)
	}
	return nonce, salt, iters
}
