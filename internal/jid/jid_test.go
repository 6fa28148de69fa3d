package jid

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type parseCase struct {
	name  string
	in    string
	want  string // canonical form; "" when an error is expected
	local string
	dom   string
	res   string
	err   error // the sentinel the error must wrap
}

// parseCases are RFC 7622 section 3.5 examples plus edge cases of this
// implementation. Cases with err set must fail.
var parseCases = []parseCase{
	// RFC 7622 3.5.1, valid.
	{name: "rfc/bare", in: "juliet@example.com", want: "juliet@example.com", local: "juliet", dom: "example.com"},
	{name: "rfc/full", in: "juliet@example.com/foo", want: "juliet@example.com/foo", local: "juliet", dom: "example.com", res: "foo"},
	{name: "rfc/resource-space", in: "juliet@example.com/foo bar", want: "juliet@example.com/foo bar", local: "juliet", dom: "example.com", res: "foo bar"},
	{name: "rfc/resource-at", in: "juliet@example.com/foo@bar", want: "juliet@example.com/foo@bar", local: "juliet", dom: "example.com", res: "foo@bar"},
	{name: "rfc/escaped-local", in: `foo\20bar@example.com`, want: `foo\20bar@example.com`, local: `foo\20bar`, dom: "example.com"},
	{name: "rfc/fussball", in: "fussball@example.com", want: "fussball@example.com", local: "fussball", dom: "example.com"},
	{name: "rfc/sharp-s-kept", in: "fußball@example.com", want: "fußball@example.com", local: "fußball", dom: "example.com"},
	{name: "rfc/pi", in: "π@example.com", want: "π@example.com", local: "π", dom: "example.com"},
	{name: "rfc/capital-sigma-folds", in: "Σ@example.com/foo", want: "σ@example.com/foo", local: "σ", dom: "example.com", res: "foo"},
	{name: "rfc/small-sigma", in: "σ@example.com/foo", want: "σ@example.com/foo", local: "σ", dom: "example.com", res: "foo"},
	{name: "rfc/final-sigma-kept", in: "ς@example.com/foo", want: "ς@example.com/foo", local: "ς", dom: "example.com", res: "foo"},
	{name: "rfc/symbol-resource", in: "king@example.com/♚", want: "king@example.com/♚", local: "king", dom: "example.com", res: "♚"},
	{name: "rfc/domain-only", in: "example.com", want: "example.com", dom: "example.com"},
	{name: "rfc/domain-resource", in: "example.com/foobar", want: "example.com/foobar", dom: "example.com", res: "foobar"},
	{name: "rfc/resource-looks-like-jid", in: "a.example.com/b@example.net", want: "a.example.com/b@example.net", dom: "a.example.com", res: "b@example.net"},

	// RFC 7622 3.5.2, invalid.
	{name: "rfc/double-at", in: "juliet@@example.com", err: ErrInvalidDomain},
	{name: "rfc/empty-local-empty-resource", in: "@example.com/", err: ErrEmptyLocal},
	{name: "rfc/roman-numeral-local", in: "henryⅣ@example.com", err: ErrInvalidLocal},
	{name: "rfc/symbol-local", in: "♚@example.com", err: ErrInvalidLocal},
	{name: "rfc/empty-domain", in: "juliet@", err: ErrEmptyDomain},
	{name: "rfc/resource-only", in: "/foobar", err: ErrEmptyDomain},

	// Empty input and lone separators.
	{name: "empty/string", in: "", err: ErrEmptyDomain},
	{name: "empty/at", in: "@", err: ErrEmptyLocal},
	{name: "empty/slash", in: "/", err: ErrEmptyDomain},
	{name: "empty/at-slash", in: "@/", err: ErrEmptyLocal},
	{name: "empty/local", in: "@example.com", err: ErrEmptyLocal},
	{name: "empty/domain-after-at", in: "a@", err: ErrEmptyDomain},
	{name: "empty/domain-before-slash", in: "a@/r", err: ErrEmptyDomain},
	{name: "empty/resource", in: "a@b/", err: ErrEmptyResource},
	{name: "empty/resource-domain-only", in: "example.com/", err: ErrEmptyResource},
	{name: "empty/dot-only", in: ".", err: ErrEmptyDomain},

	// Case and width folding.
	{name: "fold/upper-ascii", in: "Juliet@Example.COM/Balcony", want: "juliet@example.com/Balcony", local: "juliet", dom: "example.com", res: "Balcony"},
	{name: "fold/fullwidth-local", in: "ｊｕｌｉｅｔ@example.com", want: "juliet@example.com", local: "juliet", dom: "example.com"},
	{name: "fold/fullwidth-domain", in: "juliet@ｅｘａｍｐｌｅ.com", want: "juliet@example.com", local: "juliet", dom: "example.com"},
	{name: "fold/fullwidth-resource-kept", in: "juliet@example.com/ｆｏｏ", want: "juliet@example.com/ｆｏｏ", local: "juliet", dom: "example.com", res: "ｆｏｏ"},
	{name: "fold/nfc-local", in: "jose\u0301@example.com", want: "josé@example.com", local: "josé", dom: "example.com"},
	{name: "fold/upper-unicode-local", in: "ÉLODIE@example.com", want: "élodie@example.com", local: "élodie", dom: "example.com"},

	// Localpart: RFC 7622's extra prohibited characters ('/' and '@' split
	// the address instead; New tests them).
	{name: "local/quote", in: `a"b@example.com`, err: ErrInvalidLocal},
	{name: "local/ampersand", in: "a&b@example.com", err: ErrInvalidLocal},
	{name: "local/apostrophe", in: "a'b@example.com", err: ErrInvalidLocal},
	{name: "local/colon", in: "a:b@example.com", err: ErrInvalidLocal},
	{name: "local/less", in: "a<b@example.com", err: ErrInvalidLocal},
	{name: "local/greater", in: "a>b@example.com", err: ErrInvalidLocal},
	{name: "local/fullwidth-at-folds-to-at", in: "a＠b@example.com", err: ErrInvalidLocal},
	{name: "local/fullwidth-colon-folds-to-colon", in: "a：b@example.com", err: ErrInvalidLocal},
	{name: "local/space", in: "a b@example.com", err: ErrInvalidLocal},
	{name: "local/control", in: "a\x00b@example.com", err: ErrInvalidLocal},
	{name: "local/bad-utf8", in: "a\xffb@example.com", err: ErrInvalidLocal},
	{name: "local/bidi-rule", in: "1\u0627@example.com", err: ErrInvalidLocal},
	{name: "local/slash-splits", in: "a/b@example.com", want: "a/b@example.com", dom: "a", res: "b@example.com"},
	{name: "local/punctuation-allowed", in: "a.b-c_d+e!#$%*=?^`{|}~@example.com", want: "a.b-c_d+e!#$%*=?^`{|}~@example.com", local: "a.b-c_d+e!#$%*=?^`{|}~", dom: "example.com"},

	// Domainpart.
	{name: "domain/idna-unicode-kept", in: "juliet@bücher.example/x", want: "juliet@bücher.example/x", local: "juliet", dom: "bücher.example", res: "x"},
	{name: "domain/idna-upper-unicode", in: "juliet@BÜCHER.example", want: "juliet@bücher.example", local: "juliet", dom: "bücher.example"},
	{name: "domain/a-label-decoded", in: "juliet@xn--bcher-kva.example", want: "juliet@bücher.example", local: "juliet", dom: "bücher.example"},
	{name: "domain/upper-a-label", in: "XN--BCHER-KVA.example", want: "bücher.example", dom: "bücher.example"},
	{name: "domain/trailing-dot", in: "juliet@example.com./r", want: "juliet@example.com/r", local: "juliet", dom: "example.com", res: "r"},
	{name: "domain/trailing-dot-only-domain", in: "example.com.", want: "example.com", dom: "example.com"},
	{name: "domain/trailing-ideographic-stop", in: "example.com。", want: "example.com", dom: "example.com"},
	{name: "domain/ideographic-stop-separator", in: "example。com", want: "example.com", dom: "example.com"},
	{name: "domain/two-trailing-dots", in: "example.com..", err: ErrInvalidDomain},
	{name: "domain/dot-and-ideographic-stop", in: "example.com。.", err: ErrInvalidDomain},
	{name: "domain/single-label", in: "localhost", want: "localhost", dom: "localhost"},
	{name: "domain/digits", in: "a@123/r", want: "a@123/r", local: "a", dom: "123", res: "r"},
	{name: "domain/empty-label", in: "a..b", err: ErrInvalidDomain},
	{name: "domain/leading-dot", in: ".a", err: ErrInvalidDomain},
	{name: "domain/leading-hyphen", in: "-a.com", err: ErrInvalidDomain},
	{name: "domain/trailing-hyphen", in: "a-.com", err: ErrInvalidDomain},
	{name: "domain/hyphens-3-4", in: "ab--c.com", err: ErrInvalidDomain},
	{name: "domain/inner-hyphens", in: "a-b-c.com", want: "a-b-c.com", dom: "a-b-c.com"},
	{name: "domain/empty-a-label", in: "xn--", err: ErrEmptyDomain},
	{name: "domain/empty-a-label-inner", in: "a.xn--.com", err: ErrInvalidDomain},
	{name: "domain/bad-punycode", in: "xn--a-ecp.ru", err: ErrInvalidDomain},
	{name: "domain/underscore", in: "ex_ample.com", err: ErrInvalidDomain},
	{name: "domain/space", in: "a@ex ample.com", err: ErrInvalidDomain},
	{name: "domain/bad-utf8", in: "a@\xff.com", err: ErrInvalidDomain},
	// UTS #46 lookup (not IDNA2008 registration) lets symbols through.
	{name: "domain/symbol-lookup-allows", in: "a@♚.com", want: "a@♚.com", local: "a", dom: "♚.com"},
	{name: "domain/disallowed-rune", in: "a@x y.com", err: ErrInvalidDomain},

	// IP literals.
	{name: "ip/v4", in: "juliet@192.0.2.1/r", want: "juliet@192.0.2.1/r", local: "juliet", dom: "192.0.2.1", res: "r"},
	{name: "ip/v4-trailing-dot", in: "192.0.2.1.", want: "192.0.2.1", dom: "192.0.2.1"},
	{name: "ip/v6", in: "juliet@[2001:db8::1]/r", want: "juliet@[2001:db8::1]/r", local: "juliet", dom: "[2001:db8::1]", res: "r"},
	{name: "ip/v6-canonicalised", in: "[2001:DB8:0:0:0:0:0:1]", want: "[2001:db8::1]", dom: "[2001:db8::1]"},
	{name: "ip/v6-mapped-v4", in: "[::ffff:192.0.2.1]", want: "[::ffff:192.0.2.1]", dom: "[::ffff:192.0.2.1]"},
	{name: "ip/v6-unterminated", in: "[::1", err: ErrInvalidDomain},
	{name: "ip/v6-garbage", in: "[::1x]", err: ErrInvalidDomain},
	{name: "ip/v6-empty", in: "[]", err: ErrInvalidDomain},
	{name: "ip/v4-in-brackets", in: "[192.0.2.1]", err: ErrInvalidDomain},
	{name: "ip/v6-zone", in: "[fe80::1%eth0]", err: ErrInvalidDomain},
	{name: "ip/v6-unbracketed", in: "2001:db8::1", err: ErrInvalidDomain},

	// Resourcepart: OpaqueString preserves case and width, maps spaces.
	{name: "res/leading-space", in: "juliet@example.com/ foo", want: "juliet@example.com/ foo", local: "juliet", dom: "example.com", res: " foo"},
	{name: "res/only-space", in: "juliet@example.com/ ", want: "juliet@example.com/ ", local: "juliet", dom: "example.com", res: " "},
	{name: "res/slashes", in: "a@b/c/d", want: "a@b/c/d", local: "a", dom: "b", res: "c/d"},
	{name: "res/unicode-kept", in: "a@b/Ωmega ☃ 電話", want: "a@b/Ωmega ☃ 電話", local: "a", dom: "b", res: "Ωmega ☃ 電話"},
	{name: "res/nbsp-to-space", in: "a@b/x\u00a0y", want: "a@b/x y", local: "a", dom: "b", res: "x y"},
	{name: "res/ideographic-space-to-space", in: "a@b/x\u3000y", want: "a@b/x y", local: "a", dom: "b", res: "x y"},
	{name: "res/nfc", in: "a@b/e\u0301", want: "a@b/é", local: "a", dom: "b", res: "é"},
	{name: "res/tab", in: "a@b/x\ty", err: ErrInvalidResource},
	{name: "res/del", in: "a@b/x\x7fy", err: ErrInvalidResource},
	{name: "res/bad-utf8", in: "a@b/\xff", err: ErrInvalidResource},

	// Lengths are counted after normalisation.
	{name: "len/local-1023", in: strings.Repeat("a", 1023) + "@b", want: strings.Repeat("a", 1023) + "@b", local: strings.Repeat("a", 1023), dom: "b"},
	{name: "len/local-1024", in: strings.Repeat("a", 1024) + "@b", err: ErrLocalTooLong},
	{name: "len/local-1024-upper", in: strings.Repeat("A", 1024) + "@b", err: ErrLocalTooLong},
	{name: "len/local-fullwidth-shrinks", in: strings.Repeat("ａ", 400) + "@b", want: strings.Repeat("a", 400) + "@b", local: strings.Repeat("a", 400), dom: "b"},
	{name: "len/local-unicode-1024", in: strings.Repeat("é", 512) + "@b", err: ErrLocalTooLong},
	{name: "len/local-raw-huge", in: strings.Repeat("ａ", 2000) + "@b", err: ErrLocalTooLong},
	{name: "len/domain-1023", in: strings.Repeat("a.", 511) + "a", want: strings.Repeat("a.", 511) + "a", dom: strings.Repeat("a.", 511) + "a"},
	{name: "len/domain-1024", in: strings.Repeat("a.", 511) + "ab", err: ErrDomainTooLong},
	{name: "len/domain-1024-with-trailing-dot", in: strings.Repeat("a.", 512), want: strings.Repeat("a.", 511) + "a", dom: strings.Repeat("a.", 511) + "a"},
	{name: "len/domain-unicode-1024", in: strings.Repeat("ü.", 341) + "a", err: ErrDomainTooLong},
	{name: "len/resource-1023", in: "a@b/" + strings.Repeat("r", 1023), want: "a@b/" + strings.Repeat("r", 1023), local: "a", dom: "b", res: strings.Repeat("r", 1023)},
	{name: "len/resource-1024", in: "a@b/" + strings.Repeat("r", 1024), err: ErrResourceTooLong},
	{name: "len/resource-unicode-1024", in: "a@b/" + strings.Repeat("ж", 512), err: ErrResourceTooLong},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, how := range []struct {
				name  string
				parse func(string) (JID, error)
			}{
				{"Parse", Parse},
				{"ParseBytes", func(s string) (JID, error) { return ParseBytes([]byte(s)) }},
				{"parseSlow", parseSlow},
			} {
				j, err := how.parse(tc.in)
				if tc.err != nil {
					if !errors.Is(err, tc.err) {
						t.Fatalf("%s(%q) = %q, %v; want error %v", how.name, tc.in, j.String(), err, tc.err)
					}
					if !strings.HasPrefix(err.Error(), "jid: ") {
						t.Errorf("%s(%q): error %q lacks the package prefix", how.name, tc.in, err)
					}
					if !j.IsZero() {
						t.Errorf("%s(%q) returned non-zero JID %q with an error", how.name, tc.in, j)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s(%q): %v", how.name, tc.in, err)
				}
				if j.String() != tc.want || j.Local() != tc.local || j.Domain() != tc.dom || j.Resource() != tc.res {
					t.Errorf("%s(%q) = %q (local %q, domain %q, resource %q); want %q (%q, %q, %q)",
						how.name, tc.in, j, j.Local(), j.Domain(), j.Resource(), tc.want, tc.local, tc.dom, tc.res)
				}
				if j.IsBare() != (tc.res == "") {
					t.Errorf("%s(%q).IsBare() = %v", how.name, tc.in, j.IsBare())
				}
				again, err := Parse(j.String())
				if err != nil || again != j {
					t.Errorf("Parse(%q) = %q, %v; not a fixed point", j, again, err)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name             string
		local, dom, res  string
		want             string
		err              error
		wantLocal, wantR string
	}{
		{name: "full", local: "juliet", dom: "example.com", res: "balcony", want: "juliet@example.com/balcony"},
		{name: "domain-only", dom: "example.com", want: "example.com"},
		{name: "domain-resource", dom: "example.com", res: "r", want: "example.com/r"},
		{name: "normalises-each-part", local: "ＪＵＬＩＥＴ", dom: "Example.COM.", res: "x\u00a0y", want: "juliet@example.com/x y"},
		{name: "resource-slash-and-at", local: "a", dom: "b", res: "c/d@e", want: "a@b/c/d@e"},
		{name: "local-slash", local: "a/b", dom: "example.com", err: ErrInvalidLocal},
		{name: "local-at", local: "a@b", dom: "example.com", err: ErrInvalidLocal},
		{name: "domain-slash", local: "a", dom: "example.com/x", err: ErrInvalidDomain},
		{name: "domain-at", dom: "a@example.com", err: ErrInvalidDomain},
		{name: "empty-domain", local: "a", err: ErrEmptyDomain},
		{name: "local-too-long", local: strings.Repeat("a", 1024), dom: "b", err: ErrLocalTooLong},
		{name: "bad-resource", local: "a", dom: "b", res: "\x00", err: ErrInvalidResource},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := New(tc.local, tc.dom, tc.res)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("New = %q, %v; want %v", j, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.String() != tc.want {
				t.Fatalf("New = %q; want %q", j, tc.want)
			}
			if p := MustParse(tc.want); p != j {
				t.Errorf("New gives %#v, Parse gives %#v", j, p)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	full := MustParse("juliet@example.com/balcony")
	domRes := MustParse("example.com/r")

	t.Run("Bare", func(t *testing.T) {
		if got := full.Bare(); got != MustParse("juliet@example.com") || !got.IsBare() {
			t.Errorf("Bare = %#v", got)
		}
		if got := domRes.Bare(); got != MustParse("example.com") {
			t.Errorf("Bare = %#v", got)
		}
		if got := (JID{}).Bare(); !got.IsZero() {
			t.Errorf("zero.Bare = %#v", got)
		}
	})
	t.Run("DomainJID", func(t *testing.T) {
		if got := full.DomainJID(); got != MustParse("example.com") {
			t.Errorf("DomainJID = %#v", got)
		}
		if got := domRes.DomainJID(); got != MustParse("example.com") {
			t.Errorf("DomainJID = %#v", got)
		}
	})
	t.Run("WithResource", func(t *testing.T) {
		got, err := full.WithResource("Ｐhone\u00a02")
		if err != nil || got != MustParse("juliet@example.com/Ｐhone 2") {
			t.Errorf("WithResource = %#v, %v", got, err)
		}
		got, err = full.WithResource("")
		if err != nil || got != full.Bare() {
			t.Errorf("WithResource(\"\") = %#v, %v", got, err)
		}
		if _, err := full.WithResource("\t"); !errors.Is(err, ErrInvalidResource) {
			t.Errorf("WithResource(tab) err = %v", err)
		}
		if _, err := (JID{}).WithResource("r"); !errors.Is(err, ErrEmptyDomain) {
			t.Errorf("zero.WithResource err = %v", err)
		}
	})
	t.Run("Zero", func(t *testing.T) {
		var z JID
		if !z.IsZero() || z.String() != "" || z.Local() != "" || z.Domain() != "" || z.Resource() != "" || !z.IsBare() {
			t.Errorf("zero JID accessors: %#v", z)
		}
		if z.EqualBytes(nil) || z.EqualBytes([]byte("")) {
			t.Error("zero JID EqualBytes empty = true")
		}
		if full.IsZero() {
			t.Error("IsZero on a full JID")
		}
	})
	t.Run("Equal", func(t *testing.T) {
		if !full.Equal(MustParse("Juliet@EXAMPLE.com/balcony")) {
			t.Error("case-folded JIDs not Equal")
		}
		if full.Equal(MustParse("juliet@example.com/Balcony")) {
			t.Error("resources differing in case are Equal")
		}
		if full.Equal(full.Bare()) {
			t.Error("full and bare Equal")
		}
	})
	t.Run("EqualBytes", func(t *testing.T) {
		for _, tc := range []struct {
			in   string
			want bool
		}{
			{"juliet@example.com/balcony", true},
			{"JULIET@example.com/balcony", true},
			{"juliet@example.com./balcony", true},
			{"juliet@example.com/Balcony", false},
			{"juliet@example.com", false},
			{"romeo@example.com/balcony", false},
			{"juliet@@example.com/balcony", false},
			{"", false},
		} {
			if got := full.EqualBytes([]byte(tc.in)); got != tc.want {
				t.Errorf("EqualBytes(%q) = %v", tc.in, got)
			}
		}
	})
	t.Run("AppendTo", func(t *testing.T) {
		if got := string(full.AppendTo([]byte("to='"))); got != "to='juliet@example.com/balcony" {
			t.Errorf("AppendTo = %q", got)
		}
	})
	t.Run("MapKey", func(t *testing.T) {
		m := map[JID]int{full.Bare(): 1}
		if m[MustParse("JULIET@example.com")] != 1 {
			t.Error("bare JID from a different spelling misses the map key")
		}
	})
	t.Run("Clone", func(t *testing.T) {
		if c := full.Clone(); c != full {
			t.Errorf("Clone = %#v", c)
		}
	})
	t.Run("Text", func(t *testing.T) {
		type doc struct {
			A JID `json:"a"`
			B JID `json:"b"`
		}
		out, err := json.Marshal(doc{A: full})
		if err != nil || string(out) != `{"a":"juliet@example.com/balcony","b":""}` {
			t.Fatalf("Marshal = %s, %v", out, err)
		}
		var d doc
		if err := json.Unmarshal([]byte(`{"a":"Juliet@Example.com/balcony","b":""}`), &d); err != nil || d.A != full || !d.B.IsZero() {
			t.Fatalf("Unmarshal = %#v, %v", d, err)
		}
		if err := json.Unmarshal([]byte(`{"a":"@x"}`), &d); !errors.Is(err, ErrEmptyLocal) {
			t.Fatalf("Unmarshal bad JID err = %v", err)
		}
	})
	t.Run("MustParsePanics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("MustParse did not panic")
			}
		}()
		MustParse("@")
	})
}
