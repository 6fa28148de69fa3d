package session

import (
	"errors"
	"testing"
)

func TestAuthenticateExternal(t *testing.T) {
	srv := newTestServer(t, nil)
	t.Run("binds without SASL", func(t *testing.T) {
		c := srv.testClient(t)
		c.send(openStream)
		c.expect("<mechanisms")
		if err := c.s.AuthenticateExternal("Alice"); err != nil {
			t.Fatal(err)
		}
		if !c.ft.reset {
			t.Fatal("the transport was not told to restart the stream")
		}
		c.ft.reset = false
		c.dec.Reset()
		c.send(openStream)
		c.expect("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>")
		c.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>")
		c.expect("<jid>alice@localhost/web</jid>")
		if !c.s.Bound() || c.s.JID().String() != "alice@localhost/web" {
			t.Fatalf("bound=%v jid=%q", c.s.Bound(), c.s.JID())
		}
	})
	t.Run("refused before the header", func(t *testing.T) {
		c := srv.testClient(t)
		if err := c.s.AuthenticateExternal("alice"); !errors.Is(err, ErrNotNegotiating) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("refused twice", func(t *testing.T) {
		c := srv.testClient(t)
		c.send(openStream)
		c.expect("<stream:features>")
		if err := c.s.AuthenticateExternal("bob"); err != nil {
			t.Fatal(err)
		}
		if err := c.s.AuthenticateExternal("bob"); !errors.Is(err, ErrNotNegotiating) {
			t.Fatalf("second call: err = %v", err)
		}
	})
	t.Run("bad localpart", func(t *testing.T) {
		c := srv.testClient(t)
		c.send(openStream)
		c.expect("<stream:features>")
		if err := c.s.AuthenticateExternal("a@b"); err == nil {
			t.Fatal("a localpart with '@' was accepted")
		}
		if err := c.s.AuthenticateExternal(""); err == nil {
			t.Fatal("an empty localpart was accepted")
		}
	})
}
