package main

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func (g *gen) setup() {
	profiles := []client{
		{name: "Gajim", node: "https://gajim.org", resource: "gajim.", typ: "pc", os: "Linux", version: "1.9.5", idStyle: 0},
		{name: "Conversations", node: "http://conversations.im", resource: "Conversations.", typ: "phone", os: "Android", version: "2.17.2", idStyle: 1},
		{name: "Dino", node: "https://dino.im", resource: "dino.", typ: "pc", os: "Linux", version: "0.4.5", idStyle: 0},
		{name: "Monal", node: "http://monal-im.org", resource: "Monal-iOS.", typ: "phone", os: "iOS", version: "6.4.9", idStyle: 0},
		{name: "Psi+", node: "https://psi-plus.com", resource: "Psi+ ", typ: "pc", os: "Windows", version: "1.5.2072", idStyle: 4},
		{name: "Pidgin", node: "http://pidgin.im/", resource: "", typ: "pc", os: "Windows", version: "2.14.13", idStyle: 2},
		{name: "Profanity", node: "http://profanity-im.github.io", resource: "profanity.", typ: "console", os: "Linux", version: "0.14.0", idStyle: 3},
		{name: "Siskin IM", node: "https://siskin.im", resource: "Siskin.", typ: "phone", os: "iOS", version: "8.0", idStyle: 0},
		{name: "Converse", node: "https://conversejs.org", resource: "converse.js-", typ: "web", os: "Web", version: "11.0.0", idStyle: 1},
	}
	for i := range profiles {
		c := &profiles[i]
		c.ver = base64.StdEncoding.EncodeToString(g.randBytes(20))
		for _, f := range allFeatures {
			if g.chance(70) || f == "http://jabber.org/protocol/caps" || f == "http://jabber.org/protocol/disco#info" {
				c.features = append(c.features, f)
			}
		}
		g.clients = append(g.clients, c)
	}

	seen := map[string]bool{}
	for len(g.people) < 700 {
		p := g.newPerson(seen)
		g.people = append(g.people, p)
	}
	me := g.people[0]
	g.meBare = "alice@localhost"
	me.bare = g.meBare
	me.first, me.last, me.display, me.nick = "Alice", "Liddell", "Alice Liddell", "alice"
	me.lang = languages[0]
	me.cl = []*client{g.clients[1]}
	me.res = []string{"Conversations.Xk3P"}
	g.me = g.meBare + "/" + me.res[0]
	g.meClient = g.clients[1]
	g.mePerson = me
	g.people = g.people[1:]
}

func (g *gen) newPerson(seen map[string]bool) *person {
	total := 0
	for _, w := range languageWeights {
		total += w
	}
	x := g.r.IntN(total)
	li := 0
	for x >= languageWeights[li] {
		x -= languageWeights[li]
		li++
	}
	l := languages[li]
	first, last := pick(g.r, l.firsts), pick(g.r, l.lasts)
	if l.code == "ru" && strings.HasSuffix(first.ascii, "a") {
		last = name{last.display + "а", last.ascii + "a"} // Кузнецова
	}
	p := &person{lang: l, first: first.display, last: last.display}
	switch {
	case l.code == "zh" || l.code == "ja":
		p.display = last.display + first.display
	default:
		p.display = first.display + " " + last.display
	}
	if g.chance(5) {
		p.display = first.display + ` "` + pick(g.r, []string{"Bob", "Kat", "Max", "Sasha", "Jo", "Ace"}) + `" ` + last.display
	}
	p.nick = first.ascii
	domain := "localhost"
	if !g.chance(40) {
		domain = pick(g.r, l.domains)
	}
	for {
		var local string
		switch x := g.r.IntN(10); {
		case x < 4:
			local = first.ascii + "." + last.ascii
		case x < 6:
			local = first.ascii + strconv.Itoa(g.r.IntN(100))
		case x < 7:
			local = first.ascii[:1] + last.ascii
		case x < 8 && (l.code == "ru" || l.code == "de" || l.code == "fr"):
			// PRECIS allows non-ASCII localparts; some servers see them.
			local = strings.ToLower(first.display) + "." + strings.ToLower(last.display)
		case x < 9:
			local = last.ascii + "_" + first.ascii
		default:
			local = first.ascii + "." + last.ascii + strconv.Itoa(g.between(70, 99))
		}
		bare := local + "@" + domain
		if !seen[bare] {
			seen[bare] = true
			p.bare = bare
			break
		}
	}
	for range g.between(1, 2) {
		c := pick(g.r, g.clients)
		res := c.resource
		switch {
		case c.name == "Psi+":
			res += "(" + pick(g.r, []string{"laptop", "home", "work", "ноутбук"}) + ")"
		case c.resource == "":
			res = pick(g.r, []string{"home", "laptop", "work", "phone"})
		default:
			res += g.alnum(g.between(4, 8))
		}
		p.res = append(p.res, res)
		p.cl = append(p.cl, c)
	}
	return p
}

// bodyLen draws the length of a message body in characters, 5..400,
// skewed short like real chat.
func (g *gen) bodyLen() int {
	switch x := g.r.IntN(100); {
	case x < 50:
		return g.between(5, 40)
	case x < 80:
		return g.between(41, 120)
	case x < 95:
		return g.between(121, 250)
	default:
		return g.between(251, 400)
	}
}

// appendText appends escaped text in language l of about target
// characters (never more than limit) and returns how many it wrote.
func (g *gen) appendText(dst []byte, l *language, target, limit int) ([]byte, int) {
	n := 0
	start := true // at the start of a sentence
	for n < target {
		var piece string
		raw := false
		runes := 0
		switch x := g.r.IntN(1000); {
		case x < 30:
			piece = pick(g.r, emoji)
		case x < 42:
			piece = pick(g.r, specials)
		case x < 47:
			cr := pick(g.r, charRefs)
			piece, runes, raw = cr.ref, cr.runes, true
		case x < 52 && n > 0:
			piece, start = "\n", true
		default:
			piece = pick(g.r, l.words)
			if start && l.spaced {
				r, size := utf8.DecodeRuneInString(piece)
				piece = string(unicode.ToUpper(r)) + piece[size:]
			}
			start = false
		}
		if !raw {
			runes = utf8.RuneCountInString(piece)
		}
		sp := 0
		if n > 0 && l.spaced && dst[len(dst)-1] != '\n' && piece != "\n" {
			sp = 1
		}
		if n+sp+runes > limit {
			if n >= 5 {
				break
			}
			continue
		}
		if sp == 1 {
			dst = append(dst, ' ')
		}
		if raw {
			dst = append(dst, piece...)
		} else {
			dst = g.escape(dst, piece, false)
		}
		n += sp + runes
		if !start && n < target-3 && g.chance(12) {
			e := pick(g.r, l.ends)
			dst = g.escape(dst, e, false)
			n += utf8.RuneCountInString(e)
			start = true
		}
	}
	return dst, n
}

// ---------------------------------------------------------------------------
// Messages.
