package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"xmppd/codec"
)

// fakeServer is a tiny XMPP responder for the client's unit tests: just
// enough of RFC 6120, XEP-0077 and XEP-0199 to drive every code path of the
// client, with knobs to misbehave. It is not a model of any real server.
type fakeServer struct {
	t      *testing.T
	ln     net.Listener
	domain string
	tls    *tls.Config
	direct bool // TLS from the first byte

	// Knobs, set before the first connection.
	mechs        []string // advertised SASL mechanisms
	silent       bool     // read, never answer: for timeouts
	pingOnBind   bool     // ping the client right after binding
	kickOnBind   string   // send this stream error right after binding
	noRegFeature bool
	regPerConn   int // end the stream after this many registrations
	// rosters, when set, gives each user's contacts (bare JIDs): roster
	// gets return them with subscription both, and an available presence
	// goes to every session of each of them.
	rosters func(user string) []string

	mu       sync.Mutex // guards the following fields
	users    map[string]string
	sessions map[string]*fakeConn
	creds    map[string]scram.StoredCredentials // derived once per account: PBKDF2 is slow under -race
	pongs    int                                // ping results received from clients
	conns    int
}

type fakeConn struct {
	srv  *fakeServer
	nc   net.Conn
	dec  *codec.Decoder
	wmu  sync.Mutex // guards writes to nc
	auth string     // authenticated user
	jid  string
	scv  *scram.ServerConversation
	mech string
	regs int
}

func newFakeServer(t *testing.T, direct bool) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{
		t: t, ln: ln, domain: "example.test", tls: testTLSConfig(t), direct: direct,
		mechs: []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"},
		users: map[string]string{}, sessions: map[string]*fakeConn{}, creds: map[string]scram.StoredCredentials{},
	}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *fakeServer) addr() string { return s.ln.Addr().String() }

func (s *fakeServer) addUsers(prefix string, n int, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		s.users[prefix+itoa(i)] = pass
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func (s *fakeServer) serve() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		go s.handle(nc)
	}
}

func (s *fakeServer) handle(nc net.Conn) {
	if s.direct {
		tc := tls.Server(nc, s.tls)
		if tc.Handshake() != nil {
			nc.Close()
			return
		}
		nc = tc
	}
	c := &fakeConn{srv: s, nc: nc, dec: codec.NewDecoder(codec.Limits{})}
	defer c.close()
	buf := make([]byte, 4096)
	for {
		n, err := c.nc.Read(buf)
		if err != nil {
			return
		}
		if s.silent {
			continue
		}
		p := buf[:n]
		for len(p) > 0 {
			ev, k, err := c.dec.Next(p)
			if err != nil {
				return
			}
			p = p[k:]
			switch ev {
			case codec.EventStreamStart:
				c.streamStart()
			case codec.EventStreamEnd:
				c.write("</stream:stream>")
				return
			case codec.EventElement:
				if !c.element(c.dec.Element()) {
					return
				}
			}
		}
	}
}

func (c *fakeConn) close() {
	c.srv.mu.Lock()
	if c.jid != "" && c.srv.sessions[c.jid] == c {
		delete(c.srv.sessions, c.jid)
	}
	c.srv.mu.Unlock()
	c.nc.Close()
}

func (c *fakeConn) write(s string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, _ = c.nc.Write([]byte(s))
}

func (c *fakeConn) streamStart() {
	var b strings.Builder
	b.WriteString(string(codec.AppendStreamHeader(nil, codec.StreamHeader{NS: nsClient, From: c.srv.domain, ID: "s1", Version: "1.0"})))
	b.WriteString("<stream:features>")
	_, secure := c.nc.(*tls.Conn)
	if c.auth == "" {
		if !secure {
			b.WriteString("<starttls xmlns='" + nsTLS + "'/>")
		}
		b.WriteString("<mechanisms xmlns='" + nsSASL + "'>")
		for _, m := range c.srv.mechs {
			b.WriteString("<mechanism>" + m + "</mechanism>")
		}
		b.WriteString("</mechanisms>")
		if !c.srv.noRegFeature {
			b.WriteString("<register xmlns='" + nsRegFeat + "'/>")
		}
	} else {
		b.WriteString("<bind xmlns='" + nsBind + "'/><session xmlns='" + nsSession + "'><optional/></session>")
	}
	b.WriteString("</stream:features>")
	c.write(b.String())
}

// element handles one top-level element; false ends the connection.
func (c *fakeConn) element(e codec.Element) bool {
	s := c.srv
	switch {
	case e.Is("starttls", nsTLS):
		c.write("<proceed xmlns='" + nsTLS + "'/>")
		tc := tls.Server(c.nc, s.tls)
		if tc.Handshake() != nil {
			return false
		}
		c.nc = tc
		c.dec.Reset()
	case e.Is("auth", nsSASL):
		c.mech = string(e.Attr("mechanism"))
		in, _ := base64.StdEncoding.DecodeString(string(e.Text()))
		switch c.mech {
		case "PLAIN":
			parts := strings.Split(string(in), "\x00")
			ok := false
			if len(parts) == 3 {
				s.mu.Lock()
				pass, found := s.users[parts[1]]
				s.mu.Unlock()
				ok = found && pass == parts[2]
			}
			if !ok {
				c.write("<failure xmlns='" + nsSASL + "'><not-authorized/></failure>")
				return true
			}
			c.authOK(parts[1], nil)
		case "SCRAM-SHA-1", "SCRAM-SHA-256":
			h := scram.SHA1
			if c.mech == "SCRAM-SHA-256" {
				h = scram.SHA256
			}
			sv, _ := h.NewServer(func(user string) (scram.StoredCredentials, error) {
				s.mu.Lock()
				pass, ok := s.users[user]
				s.mu.Unlock()
				if !ok {
					pass = "\x00no such user"
				}
				key := c.mech + "\x00" + user + "\x00" + pass
				s.mu.Lock()
				sc, ok := s.creds[key]
				s.mu.Unlock()
				if ok {
					return sc, nil
				}
				cl, err := h.NewClient(user, pass, "")
				if err != nil {
					return scram.StoredCredentials{}, err
				}
				sc = cl.GetStoredCredentials(scram.KeyFactors{Salt: "fake-salt-" + user, Iters: 4096})
				s.mu.Lock()
				s.creds[key] = sc
				s.mu.Unlock()
				return sc, nil
			})
			c.scv = sv.NewConversation()
			c.scramStep(string(in))
		default:
			c.write("<failure xmlns='" + nsSASL + "'><invalid-mechanism/></failure>")
		}
	case e.Is("response", nsSASL):
		in, _ := base64.StdEncoding.DecodeString(string(e.Text()))
		c.scramStep(string(in))
	case e.Is("iq", nsClient):
		c.iq(e)
	case e.Is("message", nsClient):
		to := string(e.Attr("to"))
		s.mu.Lock()
		dst := s.sessions[to]
		s.mu.Unlock()
		if dst == nil {
			b := codec.AppendAddressed(nil, e, []byte(to), []byte(c.jid))
			// Bounce: turn it into an error of type cancel.
			out := strings.Replace(string(b), "type='chat'", "type='error'", 1)
			out = strings.Replace(out, "</message>", "<error type='cancel'><service-unavailable xmlns='"+nsStanzas+"'/></error></message>", 1)
			c.write(out)
			return true
		}
		dst.write(string(codec.AppendAddressed(nil, e, []byte(c.jid), nil)))
	case e.Is("presence", nsClient):
		if s.rosters == nil || e.HasAttr("type") || c.jid == "" {
			return true
		}
		out := string(codec.AppendAddressed(nil, e, []byte(c.jid), nil))
		var dsts []*fakeConn
		s.mu.Lock()
		for _, bare := range s.rosters(c.auth) {
			for jid, dst := range s.sessions {
				if strings.HasPrefix(jid, bare+"/") {
					dsts = append(dsts, dst)
				}
			}
		}
		s.mu.Unlock()
		for _, dst := range dsts {
			dst.write(out)
		}
	}
	return true
}

func (c *fakeConn) scramStep(in string) {
	out, err := c.scv.Step(in)
	switch {
	case err != nil:
		c.write("<failure xmlns='" + nsSASL + "'><not-authorized/></failure>")
	case c.scv.Done():
		c.authOK(c.scv.Username(), []byte(out))
	default:
		c.write("<challenge xmlns='" + nsSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(out)) + "</challenge>")
	}
}

func (c *fakeConn) authOK(user string, extra []byte) {
	c.auth = user
	c.dec.Reset()
	if extra == nil {
		c.write("<success xmlns='" + nsSASL + "'/>")
		return
	}
	c.write("<success xmlns='" + nsSASL + "'>" + base64.StdEncoding.EncodeToString(extra) + "</success>")
}

func (c *fakeConn) iq(e codec.Element) {
	s := c.srv
	id := string(e.Attr("id"))
	typ := string(e.Attr("type"))
	result := "<iq type='result' id='" + id + "'/>"
	switch {
	case typ == "result" && id == "srvping":
		s.mu.Lock()
		s.pongs++
		s.mu.Unlock()
	case !e.Child("query", nsRegister).IsZero() && typ == "set":
		q := e.Child("query", nsRegister)
		user, pass := text(q.Child("username", nsRegister)), text(q.Child("password", nsRegister))
		s.mu.Lock()
		_, exists := s.users[user]
		if !exists {
			s.users[user] = pass
		}
		s.mu.Unlock()
		if exists {
			c.write("<iq type='error' id='" + id + "'><error type='cancel'><conflict xmlns='" + nsStanzas + "'/></error></iq>")
		} else {
			c.write(result)
		}
		if c.regs++; s.regPerConn > 0 && c.regs == s.regPerConn {
			c.write("<stream:error><connection-timeout xmlns='" + nsStreamEr + "'/></stream:error></stream:stream>")
			c.nc.Close()
		}
	case !e.Child("bind", nsBind).IsZero():
		res := "fake"
		if r := e.Child("bind", nsBind).Child("resource", nsBind); !r.IsZero() {
			res = string(r.Text())
		}
		c.jid = c.auth + "@" + s.domain + "/" + res
		s.mu.Lock()
		old := s.sessions[c.jid]
		s.sessions[c.jid] = c
		s.mu.Unlock()
		if old != nil {
			old.write("<stream:error><conflict xmlns='" + nsStreamEr + "'/></stream:error></stream:stream>")
			old.nc.Close()
		}
		c.write("<iq type='result' id='" + id + "'><bind xmlns='" + nsBind + "'><jid>" + c.jid + "</jid></bind></iq>")
		if s.pingOnBind {
			c.write("<iq type='get' id='srvping' from='" + s.domain + "'><ping xmlns='" + nsPing + "'/></iq>")
		}
		if s.kickOnBind != "" {
			c.write("<stream:error><" + s.kickOnBind + " xmlns='" + nsStreamEr + "'/></stream:error></stream:stream>")
		}
	case !e.Child("query", nsRoster).IsZero():
		var items strings.Builder
		if s.rosters != nil {
			for _, j := range s.rosters(c.auth) {
				items.WriteString("<item jid='" + j + "' subscription='both'/>")
			}
		}
		c.write("<iq type='result' id='" + id + "'><query xmlns='" + nsRoster + "'>" + items.String() + "</query></iq>")
	case !e.Child("ping", nsPing).IsZero():
		c.write(result)
	default:
		c.write("<iq type='error' id='" + id + "'><error type='cancel'><service-unavailable xmlns='" + nsStanzas + "'/></error></iq>")
	}
}

func (s *fakeServer) pongCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// testTLSConfig is a throwaway self-signed certificate.
func testTLSConfig(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "example.test"},
		DNSNames:     []string{"example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// testConfig is a Config for the fake server.
func testConfig(s *fakeServer) Config {
	c := Config{Server: s.addr(), Domain: s.domain, Timeout: 5 * time.Second}
	if s.direct {
		c.TLS = TLSDirect
	}
	c.EnsureDefaults()
	return c
}

func text(e codec.Element) string {
	if e.IsZero() {
		return ""
	}
	return string(e.Text())
}
