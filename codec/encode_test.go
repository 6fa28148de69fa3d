package codec

import (
	"strings"
	"testing"
)

func TestEscaping(t *testing.T) {
	tests := []struct {
		name, in, text, attr string
	}{
		{"plain", "hello", "hello", "hello"},
		{"markup", "<a & b>", "&lt;a &amp; b&gt;", "&lt;a &amp; b&gt;"},
		{"quotes", `"it's"`, `"it's"`, "&quot;it&apos;s&quot;"},
		{"cdata end", "]]>", "]]&gt;", "]]&gt;"},
		{"whitespace", "a\tb\nc\rd", "a\tb\nc&#xD;d", "a&#x9;b&#xA;c&#xD;d"},
		{"unicode", "Привет 😀", "Привет 😀", "Привет 😀"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendText(nil, tc.in)); got != tc.text {
				t.Errorf("AppendText = %q, want %q", got, tc.text)
			}
			if got := string(AppendText(nil, []byte(tc.in))); got != tc.text {
				t.Errorf("AppendText([]byte) = %q, want %q", got, tc.text)
			}
			if got := string(AppendAttrValue(nil, tc.in)); got != tc.attr {
				t.Errorf("AppendAttrValue = %q, want %q", got, tc.attr)
			}
			// Whatever is escaped decodes back to the input.
			el := AppendAttr(AppendStart(nil, "e"), "v", tc.in)
			el = append(el, '>')
			el = AppendText(el, tc.in)
			el = AppendEnd(el, "e")
			d := NewFragmentDecoder(Limits{}, "")
			if ev, _, err := d.Next(el); err != nil || ev != EventElement {
				t.Fatalf("%s: %v", el, err)
			}
			e := d.Element()
			if string(e.Attr("v")) != tc.in || string(e.Text()) != tc.in {
				t.Fatalf("decoded attr %q text %q, want %q", e.Attr("v"), e.Text(), tc.in)
			}
		})
	}
}

func TestAppendAddressed(t *testing.T) {
	tests := []struct {
		name, in string
		from, to string
		setFrom  bool
		setTo    bool
		want     string
	}{
		{"stamp from", "<message to='b@x' from='spoof@y' type='chat'><body>hi</body></message>", "a@x/r", "", true, false,
			"<message to='b@x' type='chat' from='a@x/r'><body>hi</body></message>"},
		{"add from", `<iq type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`, "a@x/r", "", true, false,
			`<iq type="get" id="1" from='a@x/r'><ping xmlns="urn:xmpp:ping"/></iq>`},
		{"both on empty element", "<presence/>", "a@x/r", "b@x", true, true,
			"<presence from='a@x/r' to='b@x'/>"},
		{"keep", "<presence to='b@x'/>", "", "", false, false, "<presence to='b@x'/>"},
		{"escape", "<message/>", "a'b@x", "", true, false, "<message from='a&apos;b@x'/>"},
		{"children untouched", "<message from='x'><body from='keep'>&amp;</body></message>", "y", "", true, false,
			"<message from='y'><body from='keep'>&amp;</body></message>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewFragmentDecoder(Limits{}, "jabber:client")
			if _, _, err := d.Next([]byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			var from, to []byte
			if tc.setFrom {
				from = []byte(tc.from)
			}
			if tc.setTo {
				to = []byte(tc.to)
			}
			if got := string(AppendAddressed(nil, d.Element(), from, to)); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestStreamHeaderRoundTrip(t *testing.T) {
	b := AppendStreamHeader(nil, StreamHeader{NS: "jabber:client", From: "localhost", ID: "abc'1", Version: "1.0", Lang: "en"})
	d := NewDecoder(Limits{})
	ev, n, err := d.Next(b)
	if err != nil || ev != EventStreamStart || n != len(b) {
		t.Fatalf("%s: ev %v n %d err %v", b, ev, n, err)
	}
	h := d.Header()
	if string(h.ContentNS()) != "jabber:client" || string(h.From()) != "localhost" || string(h.ID()) != "abc'1" ||
		string(h.Version()) != "1.0" || string(h.Lang()) != "en" || h.To() != nil {
		t.Fatalf("header decoded wrong: %s", h.Raw())
	}
	if _, _, err := d.Next(AppendStreamEnd(nil)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkEncode(b *testing.B) {
	b.Run("build-message", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf = AppendStart(buf[:0], "message", "to", "juliet@example.com/balcony", "from", "romeo@example.net/orchard", "type", "chat", "id", "ktx72v49")
			buf = append(buf, '>')
			buf = AppendTextElement(buf, "body", "Art thou not Romeo, and a Montague? <Neither> fair saint & more")
			buf = AppendEnd(buf, "message")
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("rewrite-from", func(b *testing.B) {
		b.ReportAllocs()
		in := []byte("<message to='juliet@example.com' type='chat' id='ktx72v49'><body>" + strings.Repeat("Art thou not Romeo? ", 5) + "</body></message>")
		d := NewFragmentDecoder(Limits{}, "jabber:client")
		from := []byte("romeo@example.net/orchard")
		buf := make([]byte, 0, 512)
		for b.Loop() {
			d.Reset()
			if _, _, err := d.Next(in); err != nil {
				b.Fatal(err)
			}
			buf = AppendAddressed(buf[:0], d.Element(), from, nil)
		}
		b.SetBytes(int64(len(in)))
	})
}
