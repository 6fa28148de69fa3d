package bench

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"xmppd/codec"
)

// fakeBOSH is just enough of a BOSH connection manager to drive the
// client: it answers set-up steps by what the request contains, pushes one
// message into the first held request, and records what comes back.
type fakeBOSH struct {
	t        *testing.T
	password string

	mu         sync.Mutex // guards the following fields
	rids       []string
	pushed     bool
	echo       string
	terminated bool
}

func (f *fakeBOSH) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req := string(b)
	f.mu.Lock()
	if i := strings.Index(req, "rid='"); i >= 0 {
		f.rids = append(f.rids, req[i+5:i+5+strings.IndexByte(req[i+5:], '\'')])
	}
	f.mu.Unlock()
	const open = "<body xmlns='" + nsHTTPBind + "' xmlns:stream='" + nsStreams + "'"
	reply := func(s string) { _, _ = io.WriteString(w, s) }
	switch {
	case !strings.Contains(req, "sid="):
		reply(open + " sid='s1' hold='1' requests='2'><stream:features><mechanisms xmlns='" + nsSASL + "'><mechanism>PLAIN</mechanism></mechanisms></stream:features></body>")
	case strings.Contains(req, "<auth"):
		if !strings.Contains(req, "AHUxAA==") && !strings.Contains(req, "AHUx") {
			reply(open + "><failure xmlns='" + nsSASL + "'><not-authorized/></failure></body>")
			return
		}
		reply(open + "/>") // the outcome comes with the next poll
	case strings.Contains(req, "xmpp:restart"):
		reply(open + "><stream:features><bind xmlns='" + nsBind + "'/></stream:features></body>")
	case strings.Contains(req, "<bind"):
		reply(open + "><iq xmlns='" + nsClient + "' type='result' id='bind1'><bind xmlns='" + nsBind + "'><jid>u1@example.test/xb</jid></bind></iq></body>")
	case strings.Contains(req, "type='terminate'"):
		f.mu.Lock()
		f.terminated = true
		f.mu.Unlock()
		reply(open + " type='terminate'/>")
	default:
		f.mu.Lock()
		if strings.Contains(req, "<message") {
			f.echo = req
		}
		auth := len(f.rids) == 3
		push := !auth && !f.pushed && f.echo == ""
		f.pushed = f.pushed || push
		f.mu.Unlock()
		switch {
		case auth:
			reply(open + "><success xmlns='" + nsSASL + "'/></body>")
		case push:
			reply(open + "><message xmlns='" + nsClient + "' from='t@example.test/r' type='chat' id='m1'><body>hi</body></message></body>")
		default:
			time.Sleep(20 * time.Millisecond) // a short 'wait'
			reply(open + "/>")
		}
	}
}

func TestBOSHSession(t *testing.T) {
	f := &fakeBOSH{t: t}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cl := NewBOSHClient(srv.URL, "example.test", 4)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if _, err := cl.BOSHLogin(ctx, "u2", "pw", "xb"); Reason(err) != "auth:not-authorized" {
		t.Fatalf("bad password: %v (%s)", err, Reason(err))
	}
	f.mu.Lock()
	f.rids = nil
	f.mu.Unlock()
	s, err := cl.BOSHLogin(ctx, "u1", "pw", "xb")
	if err != nil {
		t.Fatal(err)
	}
	if s.JID != "u1@example.test/xb" {
		t.Fatalf("jid %q", s.JID)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Hold(ctx, func(e codec.Element, out []byte) []byte {
			if string(e.Name()) == "message" {
				out = append(out, "<message xmlns='jabber:client' to='t@example.test/r' id='m1'><body>echo</body></message>"...)
			}
			return out
		})
	}()
	for {
		f.mu.Lock()
		echo := f.echo
		f.mu.Unlock()
		if echo != "" {
			if !strings.Contains(echo, "<body>echo</body>") || !strings.Contains(echo, "sid='s1'") {
				t.Fatalf("echo request: %s", echo)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("no echo request within the test's 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Hold after Close: %v", err)
	}
	// Request ids go up by one, from the first.
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.terminated || len(f.rids) < 6 {
		t.Fatalf("terminated %v, rids %v", f.terminated, f.rids)
	}
	seen := map[string]bool{}
	for _, r := range f.rids {
		if seen[r] {
			t.Fatalf("rid %s sent twice: %v", r, f.rids)
		}
		seen[r] = true
	}
}

// fakeSCRAMBOSH answers a BOSH login's set-up with SCRAM: the offered
// mechanisms, then a server conversation of xdg-go/scram for the
// password, whose last message can be forged or sent as a challenge. It
// takes PLAIN too, and then answers success with "=" (empty data).
type fakeSCRAMBOSH struct {
	offer            string // mechanism names, space-separated
	password         string
	forge            bool // a wrong server signature
	finalAsChallenge bool // the signature as a last challenge, success empty

	mu   sync.Mutex // guards the following fields
	conv *scram.ServerConversation
	auth string // the mechanism of the <auth/> received
}

func (f *fakeSCRAMBOSH) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	req := string(b)
	const open = "<body xmlns='" + nsHTTPBind + "' xmlns:stream='" + nsStreams + "'"
	reply := func(s string) { _, _ = io.WriteString(w, s) }
	sasl := func(name, data string) {
		reply(open + "><" + name + " xmlns='" + nsSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(data)) + "</" + name + "></body>")
	}
	failure := func() { reply(open + "><failure xmlns='" + nsSASL + "'><not-authorized/></failure></body>") }
	text := func(tag string) string { // the base64 text of <tag ...>...</tag>
		s := req[strings.Index(req, "<"+tag):]
		s = s[strings.IndexByte(s, '>')+1 : strings.Index(s, "</"+tag+">")]
		d, _ := base64.StdEncoding.DecodeString(s)
		return string(d)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case !strings.Contains(req, "sid="):
		var mechs string
		for m := range strings.FieldsSeq(f.offer) {
			mechs += "<mechanism>" + m + "</mechanism>"
		}
		reply(open + " sid='s1' hold='1' requests='2'><stream:features><mechanisms xmlns='" + nsSASL + "'>" + mechs + "</mechanisms></stream:features></body>")
	case strings.Contains(req, "<auth"):
		f.auth = req[strings.Index(req, "mechanism='")+11:]
		f.auth = f.auth[:strings.IndexByte(f.auth, '\'')]
		if f.auth == string(MechPLAIN) {
			if text("auth") != "\x00u1\x00"+f.password {
				failure()
				return
			}
			reply(open + "><success xmlns='" + nsSASL + "'>=</success></body>")
			return
		}
		h := scram.SHA1
		if f.auth == string(MechSCRAMSHA256) {
			h = scram.SHA256
		}
		sv, err := h.NewServer(func(user string) (scram.StoredCredentials, error) {
			cl, err := h.NewClient(user, f.password, "")
			if err != nil {
				return scram.StoredCredentials{}, err
			}
			return cl.GetStoredCredentials(scram.KeyFactors{Salt: "fake-salt", Iters: 4096}), nil
		})
		if err != nil {
			failure()
			return
		}
		f.conv = sv.NewConversation()
		out, err := f.conv.Step(text("auth"))
		if err != nil {
			failure()
			return
		}
		sasl("challenge", out)
	case strings.Contains(req, "<response"):
		if f.conv.Done() { // the answer to a last challenge
			reply(open + "><success xmlns='" + nsSASL + "'/></body>")
			return
		}
		out, err := f.conv.Step(text("response"))
		switch {
		case err != nil:
			failure()
		case f.forge:
			sasl("success", "v="+base64.StdEncoding.EncodeToString([]byte("not the signature")))
		case f.finalAsChallenge:
			sasl("challenge", out)
		default:
			sasl("success", out)
		}
	case strings.Contains(req, "xmpp:restart"):
		reply(open + "><stream:features><bind xmlns='" + nsBind + "'/></stream:features></body>")
	case strings.Contains(req, "<bind"):
		reply(open + "><iq xmlns='" + nsClient + "' type='result' id='bind1'><bind xmlns='" + nsBind + "'><jid>u1@example.test/xb</jid></bind></iq></body>")
	default:
		reply(open + "/>")
	}
}

func TestBOSHLoginSASL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mech   Mech
		fake   *fakeSCRAMBOSH
		reason string // "" for a bound session
	}{
		{name: "scram-sha-1", mech: MechSCRAMSHA1, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1 PLAIN", password: "pw"}},
		{name: "scram-sha-256", mech: MechSCRAMSHA256, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-256 SCRAM-SHA-1", password: "pw"}},
		{name: "signature as a last challenge", mech: MechSCRAMSHA1, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1", password: "pw", finalAsChallenge: true}},
		{name: "bad password", mech: MechSCRAMSHA1, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1", password: "other"}, reason: "auth:not-authorized"},
		{name: "forged signature", mech: MechSCRAMSHA1, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1", password: "pw", forge: true}, reason: "auth:server-signature"},
		{name: "not offered", mech: MechSCRAMSHA256, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1 PLAIN", password: "pw"}, reason: "auth:no-mechanism"},
		{name: "plain, success with =", mech: MechPLAIN, fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1 PLAIN", password: "pw"}},
		{name: "plain not offered", mech: "", fake: &fakeSCRAMBOSH{offer: "SCRAM-SHA-1", password: "pw"}, reason: "auth:no-mechanism"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.fake)
			defer srv.Close()
			cl := NewBOSHClient(srv.URL, "example.test", 2)
			defer cl.HTTP.CloseIdleConnections()
			cl.Mech = tc.mech
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s, err := cl.BOSHLogin(ctx, "u1", "pw", "xb")
			if got := Reason(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
			if tc.reason != "" {
				return
			}
			if s.JID != "u1@example.test/xb" {
				t.Fatalf("jid %q", s.JID)
			}
			if tc.fake.auth != string(tc.mech) {
				t.Fatalf("authenticated with %q, want %q", tc.fake.auth, tc.mech)
			}
		})
	}
}
