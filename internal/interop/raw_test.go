package interop

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

const (
	nsStream       = "http://etherx.jabber.org/streams"
	nsStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
	streamHeader   = "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' " +
		"xmlns='jabber:client' xmlns:stream='" + nsStream + "'>"
	rawTimeout = 10 * time.Second // upper bound for the server to answer and close
)

// TestMalformedXML sends XML no client library would send. RFC 6120
// §4.9.1.1: the server answers with a stream error, <not-well-formed/>
// (§4.9.3.13) or, for XML that XMPP forbids, <restricted-xml/> (§11.1),
// closes the stream and the TCP connection; and it goes on serving
// everybody else.
func TestMalformedXML(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct{ name, send, want string }{
		{"mismatched-end-tag", streamHeader + "<message to='x@localhost'><body>hi</message>", "not-well-formed"},
		{"unquoted-attribute", streamHeader + "<presence type=unavailable/>", "not-well-formed"},
		{"undeclared-prefix", streamHeader + "<foo:message/>", "not-well-formed"},
		// §4.9.1.2: an error before the client's header still gets the
		// server's header first, so the error arrives inside a stream.
		{"garbage-instead-of-header", "<<<not xml>>>", "not-well-formed"},
		// §11.1: entity references other than the five predefined ones.
		{"entity-reference", streamHeader + "<message to='x@localhost'><body>&bogus;</body></message>", "restricted-xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, closed := exchange(t, s.c2s, tc.send)
			cond, streamClosed := streamError(reply)
			if cond != tc.want {
				t.Errorf("stream error %q, want %s; server sent:\n%s", cond, tc.want, reply)
			}
			if !streamClosed {
				t.Errorf("no </stream:stream> after the error; server sent:\n%s", reply)
			}
			if !closed {
				t.Errorf("connection still open %v after the error", rawTimeout)
			}
		})
	}

	t.Run("still-serves-slixmpp", func(t *testing.T) {
		var r loginResult
		s.runScript(t, &r, "login.py", "--mech", "PLAIN")
		if !r.Authenticated || r.TLS == "" {
			t.Errorf("login after the malformed streams: %+v", r)
		}
	})
}

// exchange writes send to a new connection to addr and reads until the
// server closes it or rawTimeout passes. closed reports the server closed it.
func exchange(t *testing.T, addr, send string) (reply []byte, closed bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, rawTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(rawTimeout)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	reply, err = io.ReadAll(c)
	switch {
	case err == nil:
		return reply, true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return reply, false
	default:
		t.Fatalf("reading the reply: %v (got %q)", err, reply)
		return nil, false
	}
}

// streamError returns the condition of the first stream error in reply
// and whether the stream was closed after it. It stops at the first thing
// that is not XML, returning what it found so far.
func streamError(reply []byte) (condition string, closed bool) {
	dec := xml.NewDecoder(bytes.NewReader(reply))
	depth, inError, sawError := 0, false, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return condition, false
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 2 && el.Name == xml.Name{Space: nsStream, Local: "error"}:
				inError, sawError = true, true
			case inError && depth == 3 && el.Name.Space == nsStreamErrors && condition == "":
				condition = el.Name.Local
			}
		case xml.EndElement:
			if depth == 2 {
				inError = false
			}
			depth--
			if depth == 0 {
				return condition, sawError
			}
		}
	}
}
