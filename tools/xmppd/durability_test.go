package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// client is a minimal line-less XMPP client for process-level tests.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	buf  strings.Builder
}

func connect(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) until(want string) string {
	c.t.Helper()
	tmp := make([]byte, 8192)
	for !strings.Contains(c.buf.String(), want) {
		n, err := c.r.Read(tmp)
		c.buf.Write(tmp[:n])
		if err != nil {
			c.t.Fatalf("waiting for %q: %v (got %q)", want, err, c.buf.String())
		}
	}
	s := c.buf.String()
	i := strings.Index(s, want) + len(want)
	c.buf.Reset()
	c.buf.WriteString(s[i:])
	return s[:i]
}

const streamHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"

func (c *client) login(user, pass string, register bool) {
	c.t.Helper()
	c.send(streamHeader)
	c.until("</stream:features>")
	if register {
		c.send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" + user + "</username><password>" + pass + "</password></query></iq>")
		c.until("id='reg'")
	}
	c.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pass)) + "</auth>")
	c.until("<success")
	c.send(streamHeader)
	c.until("</stream:features>")
	c.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
	c.until("</iq>")
}

// TestRosterSurvivesKill9: every roster change the server acknowledged is
// there after the process is killed with SIGKILL and started again
// (group-committed, synced writes; ../shared/DESIGN.md "Durability").
func TestRosterSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/xmppd.yaml"
	yaml := fmt.Sprintf("domain: localhost\ndata_dir: %s/data\nlisten: {c2s: \"127.0.0.1:0\", c2s_tls: \"\", http: \"\", admin: \"\", component: \"\"}\nauth: {plain_in_clear: true}\n", dir)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, addrs, logs := startProcess(t, "-config", cfg)
	c := connect(t, addrs["c2s"])
	c.login("durable", "pw", true)
	const n = 40
	// Pipeline the sets; each result is the server's acknowledgement.
	for i := range n {
		c.send(fmt.Sprintf("<iq type='set' id='s%d'><query xmlns='jabber:iq:roster'><item jid='friend%d@localhost' name='Friend %d'><group>G</group></item></query></iq>", i, i, i))
	}
	acked := 0
	for i := range n {
		out := c.until(fmt.Sprintf("id='s%d'", i))
		if strings.Contains(out[strings.LastIndex(out, "<iq"):], "type='result'") {
			acked++
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if acked != n {
		t.Fatalf("only %d of %d sets acknowledged before the kill;\n%s", acked, n, logs.String())
	}

	_, addrs, _ = startProcess(t, "-config", cfg)
	d := connect(t, addrs["c2s"])
	d.login("durable", "pw", false)
	d.send("<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>")
	roster := d.until("</iq>")
	for i := range n {
		if !strings.Contains(roster, fmt.Sprintf("jid='friend%d@localhost'", i)) {
			t.Fatalf("acknowledged item friend%d lost after kill -9:\n%s", i, roster)
		}
	}
}
