package jid

import "testing"

var benchSink JID

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"canonical", "alice@localhost/phone"},
		{"canonical-long", "alice.liddell@chat.wonderland.example.org/Gajim.Laptop-8f3a2c"},
		{"domain-only", "localhost"},
		{"ascii-upper", "Alice@LocalHost/phone"},
		{"canonical-unicode", "josé@bücher.example/телефон"},
		{"fullwidth-local", "ａｌｉｃｅ@localhost/phone"},
		{"a-label", "alice@xn--bcher-kva.example/phone"},
		{"ipv6", "alice@[2001:db8::1]/phone"},
		{"invalid", "alice@@localhost/phone"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				benchSink, _ = Parse(bc.in)
			}
		})
	}
}

func BenchmarkParseBytes(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"canonical", "alice@localhost/phone"},
		{"ascii-upper", "Alice@LocalHost/phone"},
		{"fullwidth-local", "ａｌｉｃｅ@localhost/phone"},
	} {
		in := []byte(bc.in)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				benchSink, _ = ParseBytes(in)
			}
		})
	}
}

func BenchmarkEqualBytes(b *testing.B) {
	j := MustParse("alice@localhost/phone")
	for _, bc := range []struct{ name, in string }{
		{"same", "alice@localhost/phone"},
		{"other-canonical", "alice@localhost/laptop"},
		{"same-after-folding", "Alice@localhost/phone"},
	} {
		in := []byte(bc.in)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if j.EqualBytes(in) != (bc.name != "other-canonical") {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchSink, _ = New("alice", "localhost", "phone")
	}
}

func BenchmarkWithResource(b *testing.B) {
	j := MustParse("alice@localhost")
	b.ReportAllocs()
	for b.Loop() {
		benchSink, _ = j.WithResource("phone")
	}
}
