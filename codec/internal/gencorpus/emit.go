package main

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// style picks how the next stanza is serialised, as different client
// libraries do: quote character, escape forms, indentation.
func (g *gen) style() {
	g.q = '\''
	if g.r.IntN(10) < 3 {
		g.q = '"'
	}
	g.mixQ = g.r.IntN(50) == 0
	g.apos, g.quot = "&apos;", "&quot;"
	if g.r.IntN(4) == 0 {
		g.apos, g.quot = "&#39;", "&#34;"
	}
	g.pretty = false
}

func (g *gen) sep() {
	switch x := g.r.IntN(100); {
	case x < 55:
	case x < 90:
		g.s("\n")
	case x < 97:
		g.s(" ")
	default:
		g.s("\n\n")
	}
}

// ---------------------------------------------------------------------------
// Serialisation helpers.

func (g *gen) s(str string) { g.b = append(g.b, str...) }

func (g *gen) open(name string) {
	g.b = append(g.b, '<')
	g.b = append(g.b, name...)
}

func (g *gen) gt()    { g.b = append(g.b, '>') }
func (g *gen) empty() { g.b = append(g.b, "/>"...) }

func (g *gen) end(name string) {
	g.b = append(g.b, "</"...)
	g.b = append(g.b, name...)
	g.b = append(g.b, '>')
}

func (g *gen) attr(name, val string) {
	q := g.q
	if g.mixQ && g.r.IntN(2) == 0 {
		q = '\'' + '"' - q
	}
	g.b = append(g.b, ' ')
	g.b = append(g.b, name...)
	g.b = append(g.b, '=', q)
	g.b = g.escape(g.b, val, true)
	g.b = append(g.b, q)
}

// text appends escaped character data.
func (g *gen) text(s string) { g.b = g.escape(g.b, s, false) }

// leaf writes <name>text</name>, or <name/> for empty text.
func (g *gen) leaf(name, text string) {
	g.open(name)
	if text == "" {
		g.empty()
		return
	}
	g.gt()
	g.text(text)
	g.end(name)
}

// nl indents the next child when the stanza is pretty-printed.
func (g *gen) nl(depth int) {
	if !g.pretty {
		return
	}
	g.b = append(g.b, '\n')
	for range depth {
		g.b = append(g.b, ' ', ' ')
	}
}

// escape appends s with the five predefined entities escaped (RFC 6120
// §11.1 asks for all five, in text and in attribute values). In attribute
// values it also writes whitespace other than the space as character
// references, which attribute-value normalisation would otherwise fold; in
// text it protects a carriage return from end-of-line normalisation.
func (g *gen) escape(dst []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\'':
			dst = append(dst, g.apos...)
		case '"':
			dst = append(dst, g.quot...)
		case '\r':
			dst = append(dst, "&#13;"...)
		case '\n':
			if inAttr {
				dst = append(dst, "&#10;"...)
			} else {
				dst = append(dst, '\n')
			}
		case '\t':
			if inAttr {
				dst = append(dst, "&#9;"...)
			} else {
				dst = append(dst, '\t')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// ---------------------------------------------------------------------------
// Random helpers.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g *gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func (g *gen) alnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.r.IntN(len(alnum))]
	}
	return string(b)
}

func (g *gen) hex(nbytes int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*nbytes)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := g.r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

func (g *gen) uuid() string {
	h := g.hex(16)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[g.r.IntN(4)]) + h[17:20] + "-" + h[20:]
}

// id returns a stanza id in the style of a client library.
func (g *gen) id(style int) string {
	switch style {
	case 0:
		return g.uuid()
	case 1:
		return g.alnum(12)
	case 2:
		return "purple" + g.hex(4)
	case 3:
		return g.hex(16)
	default:
		return g.alnum(5) + "-" + strconv.Itoa(g.r.IntN(100000))
	}
}

func (g *gen) stamp(t time.Time) string {
	if g.chance(20) {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}

func (g *gen) past(maxHours int) time.Time {
	return g.now.Add(-time.Duration(g.r.IntN(maxHours*3600)+1) * time.Second)
}

// contact picks a contact, the first ones (the people one talks to most)
// far more often than the rest.
func (g *gen) contact() *person {
	return g.people[g.r.IntN(g.r.IntN(len(g.people))+1)]
}

func (g *gen) fullJID(p *person) string {
	return p.bare + "/" + pick(g.r, p.res)
}

func (g *gen) clientOf(p *person, res string) *client {
	for i, r := range p.res {
		if r == res {
			return p.cl[i]
		}
	}
	return p.cl[0]
}

// ---------------------------------------------------------------------------
// People, clients and text.
