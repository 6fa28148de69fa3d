package codec

import "testing"

func TestAppendStreamError(t *testing.T) {
	for _, tc := range []struct{ name, cond, text, want string }{
		{"bare", "host-unknown", "",
			"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"},
		{"text", "policy-violation", "a<b",
			"<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" +
				"<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>a&lt;b</text></stream:error></stream:stream>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendStreamError([]byte("x"), tc.cond, tc.text)); got != "x"+tc.want {
				t.Errorf("got  %s\nwant x%s", got, tc.want)
			}
		})
	}
}

func TestAppendStanzaError(t *testing.T) {
	const ns = "urn:ietf:params:xml:ns:xmpp-stanzas"
	for _, tc := range []struct{ name, typ, cond, text, extra, want string }{
		{"bare", "cancel", "item-not-found", "", "",
			"<error type='cancel'><item-not-found xmlns='" + ns + "'/></error>"},
		{"text and extra", "modify", "not-acceptable", "a&b", "<blocked xmlns='urn:xmpp:blocking:errors'/>",
			"<error type='modify'><not-acceptable xmlns='" + ns + "'/><text xmlns='" + ns + "' xml:lang='en'>a&amp;b</text>" +
				"<blocked xmlns='urn:xmpp:blocking:errors'/></error>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendStanzaError(nil, tc.typ, tc.cond, tc.text, tc.extra)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
