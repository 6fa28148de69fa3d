package bosh

import (
	"bytes"
	stdgzip "compress/gzip"
	"compress/zlib"
	"io"
	"strings"
	"testing"
	"time"

	"xmppd/codec"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		rid, last uint64
		requests  int
		want      ridClass
	}{
		{100, 100, 2, ridOld},
		{99, 100, 2, ridOld},
		{101, 100, 2, ridNext},
		{102, 100, 2, ridFuture},
		{103, 100, 2, ridBeyond},
		{101, 100, 1, ridNext},
		{102, 100, 1, ridBeyond},
		{1 << 52, 100, 2, ridBeyond},
	} {
		if got := classify(tc.rid, tc.last, tc.requests); got != tc.want {
			t.Errorf("classify(%d, last %d, window %d) = %d, want %d", tc.rid, tc.last, tc.requests, got, tc.want)
		}
	}
}

func TestRespCache(t *testing.T) {
	c := newRespCache(2)
	t0 := time.Unix(1000, 0)
	c.put(1, []byte("one"), t0)
	c.put(2, emptyBody, t0.Add(time.Second))
	if b, ok := c.get(1); !ok || string(b) != "one" {
		t.Fatal("rid 1 missing")
	}
	c.put(3, []byte("three"), t0.Add(2*time.Second))
	if _, ok := c.get(1); ok {
		t.Fatal("rid 1 not evicted")
	}
	if b, ok := c.get(2); !ok || &b[0] != &emptyBody[0] {
		t.Fatal("the shared empty body was not kept as is")
	}
	if c.highest() != 3 {
		t.Fatalf("highest %d", c.highest())
	}
	if at, ok := c.sentAt(3); !ok || !at.Equal(t0.Add(2*time.Second)) {
		t.Fatal("sentAt")
	}
	c.ack(2)
	if _, ok := c.get(2); ok {
		t.Fatal("acknowledged response kept")
	}
	if _, ok := c.get(3); !ok {
		t.Fatal("unacknowledged response dropped")
	}
	var zero respCache
	zero.put(1, []byte("x"), t0) // no capacity: no panic, nothing kept
	if _, ok := zero.get(1); ok {
		t.Fatal("zero cache kept an entry")
	}
}

func parseBody(t *testing.T, s string) (request, bool) {
	t.Helper()
	dec := codec.NewFragmentDecoder(codec.Limits{}, "")
	body, ok := decodeBody(dec, []byte(s))
	if !ok {
		t.Fatalf("not a body: %s", s)
	}
	var r request
	return r, parseRequest(body, &r)
}

func TestParseRequest(t *testing.T) {
	const w = "<body xmlns='" + nsHTTPBind + "' xmlns:xmpp='" + nsXBOSH + "' "
	for _, tc := range []struct {
		name, body string
		ok         bool
		check      func(r request) bool
	}{
		{"creation", w + "rid='42' to='localhost' wait='60' hold='1' ver='1.6' xml:lang='en' xmpp:version='1.0' ack='1' content='text/xml; charset=utf-8'/>", true, func(r request) bool {
			return r.rid == 42 && string(r.to) == "localhost" && r.wait == 60 && r.hold == 1 && r.hasVer && r.verMajor == 1 &&
				r.verMinor == 6 && string(r.xmppVersion) == "1.0" && r.wantAcks && r.ack == 0 && string(r.lang) == "en"
		}},
		{"minor as integer", w + "rid='1' to='x' ver='1.11'/>", true, func(r request) bool { return r.verMinor == 11 }},
		{"no ver", w + "rid='1' to='x'/>", true, func(r request) bool { return !r.hasVer && r.wait == -1 && r.hold == -1 }},
		{"session request", w + "rid='7' sid='abc' ack='6' pause='30'/>", true, func(r request) bool {
			return string(r.sid) == "abc" && r.ack == 6 && r.pause == 30 && r.empty() == false
		}},
		{"restart", w + "rid='7' sid='abc' xmpp:restart='true'/>", true, func(r request) bool { return r.restart }},
		{"terminate", w + "rid='7' sid='abc' type='terminate'/>", true, func(r request) bool { return r.term }},
		{"empty", w + "rid='7' sid='abc'/>", true, func(r request) bool { return r.empty() }},
		{"payload", w + "rid='7' sid='abc'><presence xmlns='jabber:client'/></body>", true, func(r request) bool { return !r.empty() }},
		{"no rid", w + "sid='abc'/>", false, nil},
		{"rid zero", w + "rid='0' sid='abc'/>", false, nil},
		{"rid sign", w + "rid='+1' sid='abc'/>", false, nil},
		{"rid over 2^53", w + "rid='9007199254740992' sid='abc'/>", false, nil},
		{"rid max", w + "rid='9007199254740991' sid='abc'/>", true, nil},
		{"bad type", w + "rid='1' sid='abc' type='error'/>", false, nil},
		{"bad pause", w + "rid='1' sid='abc' pause='-1'/>", false, nil},
		{"bad restart", w + "rid='1' sid='abc' xmpp:restart='yes'/>", false, nil},
		{"bad wait", w + "rid='1' to='x' wait='1e3'/>", false, nil},
		{"bad ver", w + "rid='1' to='x' ver='1'/>", false, nil},
		{"bad content", w + "rid='1' to='x' content='\u00e9'/>", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := parseBody(t, tc.body)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && tc.check != nil && !tc.check(r) {
				t.Fatalf("parsed wrongly: %+v", r)
			}
		})
	}
}

func TestResponseBody(t *testing.T) {
	if b := responseBody(&bodyAttrs{}, nil); &b[0] != &emptyBody[0] {
		t.Fatal("an empty response allocated")
	}
	got := string(responseBody(&bodyAttrs{terminate: true, condition: "item-not-found", ack: 5, streamNS: true}, []byte("<stream:error/>")))
	want := "<body xmlns='" + nsHTTPBind + "' xmlns:stream='" + nsStreams + "' type='terminate' condition='item-not-found' ack='5'><stream:error/></body>"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(responseBody(&bodyAttrs{report: 9, time: 1500}, nil)); !strings.Contains(got, " report='9' time='1500'/>") {
		t.Fatal(got)
	}
	if n := testing.AllocsPerRun(100, func() { responseBody(&bodyAttrs{}, nil) }); n != 0 {
		t.Fatalf("empty response: %v allocs", n)
	}
}

func TestAppendPayload(t *testing.T) {
	const xc = " xmlns='jabber:client'"
	for _, tc := range []struct {
		name, in, out string
		flags         frameFlags
		id            string
	}{
		{"header and features",
			"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='abc123' version='1.0' xml:lang='en'><stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
			"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>", frHeader | frStreamNS, "abc123"},
		{"stanza gets the namespace", "<message to='a@b'><body>x</body></message>", "<message" + xc + " to='a@b'><body>x</body></message>", 0, ""},
		{"empty stanza", "<presence/>", "<presence" + xc + "/>", 0, ""},
		{"own namespace kept", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", 0, ""},
		{"xmlns in a value is not a declaration", "<message id=\" xmlns='x'\"/>", "<message" + xc + " id=\" xmlns='x'\"/>", 0, ""},
		{"prefixed declaration is not the default", "<iq xmlns:x='y' type='get'/>", "<iq" + xc + " xmlns:x='y' type='get'/>", 0, ""},
		{"several, with CDATA and '>' in values", "<message a='1>2'><body><![CDATA[<not></a>]]></body></message><iq><query xmlns='q'><item/></query></iq>",
			"<message" + xc + " a='1>2'><body><![CDATA[<not></a>]]></body></message><iq" + xc + "><query xmlns='q'><item/></query></iq>", 0, ""},
		{"nested same name", "<message><message/><message>t</message></message><presence/>", "<message" + xc + "><message/><message>t</message></message><presence" + xc + "/>", 0, ""},
		{"stream error and trailer",
			"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='e1'><stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
			"<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", frHeader | frStreamNS | frStreamErr | frStreamEnd, "e1"},
		{"trailer alone", "</stream:stream>", "", frStreamEnd, ""},
		{"white space between", "  <presence/>\n<presence/> ", "<presence" + xc + "/><presence" + xc + "/>", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, fl, id := appendPayload([]byte("keep"), []byte(tc.in))
			if string(out) != "keep"+tc.out || fl != tc.flags || string(id) != tc.id {
				t.Fatalf("got %q flags %b id %q\nwant %q flags %b id %q", out, fl, id, "keep"+tc.out, tc.flags, tc.id)
			}
		})
	}
}

// FuzzAppendPayload: framing never panics, and a stanza that decodes on
// a jabber:client stream still decodes, in jabber:client, once framed.
func FuzzAppendPayload(f *testing.F) {
	for _, s := range []string{
		"<message to='a'><body>x</body></message>",
		"<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>",
		"<presence a=\"'>\"><![CDATA[<]]></presence>",
		"<stream:stream><stream:features/>",
		"<message", "<a b='", "<![CDATA[", "</", "<?x", "<message><x></message>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _, _ := appendPayload(nil, in)
		dec := codec.NewFragmentDecoder(codec.Limits{}, nsClient)
		ev, n, err := dec.Next(in)
		if err != nil || ev != codec.EventElement || n != len(in) || len(dec.Element().Prefix()) > 0 {
			return
		}
		d2 := codec.NewFragmentDecoder(codec.Limits{}, "")
		ev, _, err = d2.Next(out)
		if err != nil || ev != codec.EventElement || string(d2.Element().NS()) != string(dec.Element().NS()) {
			t.Fatalf("%q framed as %q: %v %v", in, out, ev, err)
		}
	})
}

func TestAcceptedEncoding(t *testing.T) {
	for h, want := range map[string]encoding{
		"":                          encIdentity,
		"gzip, deflate":             encGzip,
		"deflate":                   encDeflate,
		"gzip;q=0, deflate":         encDeflate,
		"GZIP;q=0.5":                encGzip,
		"br":                        encIdentity,
		"*":                         encGzip,
		"gzip; q=0.000, identity":   encIdentity,
		"identity, deflate;q=0.001": encDeflate,
	} {
		if got := acceptedEncoding([]byte(h)); got != want {
			t.Errorf("%q: %d, want %d", h, got, want)
		}
	}
}

func TestCompressionRoundTrip(t *testing.T) {
	in := []byte(strings.Repeat("<item jid='contact@example.org' subscription='both'/>", 200))
	var gz, zl bytes.Buffer
	appendGzip(&gz, in)
	appendZlib(&zl, in)
	r, err := stdgzip.NewReader(&gz)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("gzip round trip: %v", err)
	}
	zr, err := zlib.NewReader(&zl)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("zlib round trip: %v", err)
	}
	if gz.Len() > len(in)/5 {
		t.Fatalf("gzip: %d of %d bytes", gz.Len(), len(in))
	}
}
