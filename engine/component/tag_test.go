package component

import "testing"

func TestTagAttr(t *testing.T) {
	for _, tc := range []struct {
		name, in, attr, want string
		ok                   bool
	}{
		{"single quotes", `<message from='a@b/c' to='d'>`, "from", "a@b/c", true},
		{"double quotes", `<message to="d" from="x@y">`, "from", "x@y", true},
		{"spaces around =", "<iq\n type = 'get' from\t=\t'u@h'/>", "from", "u@h", true},
		{"> in a value", `<message id='a>b' from='u@h'/>`, "from", "u@h", true},
		{"prefixed is another name", `<message xml:from='no' from='u@h'/>`, "from", "u@h", true},
		{"absent", `<message to='d'><from>x</from></message>`, "from", "", false},
		{"only the first tag", `<message><x from='no'/></message>`, "from", "", false},
		{"empty value", `<message from=''/>`, "from", "", true},
		{"unterminated", `<message from='u@h`, "from", "", false},
		{"not a tag", `hello`, "from", "", false},
		{"empty", ``, "from", "", false},
		{"garbage", `<a b c='d'>`, "c", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tagAttr([]byte(tc.in), tc.attr)
			if ok != tc.ok || string(got) != tc.want {
				t.Fatalf("tagAttr(%q, %q) = %q, %v; want %q, %v", tc.in, tc.attr, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestDropDefaultNS(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"dropped", `<message xmlns='jabber:client' to='a'><body>x</body></message>`, `<message to='a'><body>x</body></message>`},
		{"dropped last", `<presence from='u@h' xmlns="jabber:client"/>`, `<presence from='u@h'/>`},
		{"other namespace kept", `<message xmlns='urn:x'/>`, `<message xmlns='urn:x'/>`},
		{"prefixed kept", `<message xmlns:c='jabber:client'/>`, `<message xmlns:c='jabber:client'/>`},
		{"nested kept", `<message><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/></forwarded></message>`,
			`<message><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client'/></forwarded></message>`},
		{"none", `<iq type='get' id='1'/>`, `<iq type='get' id='1'/>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(dropDefaultNS([]byte(tc.in), nsClient)); got != tc.want {
				t.Fatalf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestUnescapeAttr(t *testing.T) {
	for in, want := range map[string]string{
		"plain":               "plain",
		"o&apos;brien@h":      "o'brien@h",
		"&lt;&gt;&amp;&quot;": `<>&"`,
		"&#65;&#x42;":         "AB",
		"&bogus;&#xZZ;&":      "&bogus;&#xZZ;&",
	} {
		if got := string(unescapeAttr([]byte(in))); got != want {
			t.Errorf("unescapeAttr(%q) = %q, want %q", in, got, want)
		}
	}
}
