package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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
