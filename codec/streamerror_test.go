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
