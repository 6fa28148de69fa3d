package jid

import "testing"

// TestZeroAllocs guards the paths that must not allocate: parsing a
// canonical string, the accessors, and comparing raw canonical bytes.
func TestZeroAllocs(t *testing.T) {
	const s = "alice@localhost/phone"
	b := []byte(s)
	other := []byte("bob@localhost/phone")
	j := MustParse(s)
	buf := make([]byte, 0, 64)
	var sink JID
	var ok bool
	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Parse/canonical", 0, func() { sink, _ = Parse(s) }},
		{"Parse/domain-only", 0, func() { sink, _ = Parse("localhost") }},
		{"ParseBytes/canonical", 1, func() { sink, _ = ParseBytes(b) }},
		{"Bare", 0, func() { sink = j.Bare() }},
		{"DomainJID", 0, func() { sink = j.DomainJID() }},
		{"Parts", 0, func() { ok = j.Local() == "" || j.Domain() == "" || j.Resource() == "" || j.IsBare() }},
		{"Equal", 0, func() { ok = j.Equal(sink) }},
		{"EqualBytes/same", 0, func() { ok = j.EqualBytes(b) }},
		{"EqualBytes/other-canonical", 0, func() { ok = j.EqualBytes(other) }},
		{"AppendTo", 0, func() { buf = j.AppendTo(buf[:0]) }},
		{"WithResource/empty", 0, func() { sink, _ = j.WithResource("") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tc.fn); got > tc.max {
				t.Errorf("%v allocs per run; want at most %v", got, tc.max)
			}
		})
	}
	_ = ok
}
