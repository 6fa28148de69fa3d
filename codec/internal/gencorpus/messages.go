package main

import (
	"encoding/base64"
	"strconv"
)

// chat writes a chat message, sometimes wrapped as a carbon copy or a MAM
// result the way the server delivers them.
func (g *gen) chat() {
	p := g.contact()
	switch x := g.r.IntN(100); {
	case x < 3:
		// XEP-0280: a copy of a message another of alice's clients sent.
		g.open("message")
		g.attr("from", g.meBare)
		g.attr("to", g.me)
		g.attr("type", "chat")
		g.gt()
		g.open("sent")
		g.attr("xmlns", "urn:xmpp:carbons:2")
		g.gt()
		g.open("forwarded")
		g.attr("xmlns", "urn:xmpp:forward:0")
		g.gt()
		g.chatMessage(p, true, g.meBare+"/"+"gajim."+g.alnum(6))
		g.end("forwarded")
		g.end("sent")
		g.end("message")
	case x < 7:
		// XEP-0313: an archived message replayed to alice.
		g.open("message")
		g.attr("to", g.me)
		g.attr("id", g.alnum(10))
		g.gt()
		g.open("result")
		g.attr("xmlns", "urn:xmpp:mam:2")
		g.attr("queryid", "f27"+g.hex(3))
		g.attr("id", g.alnum(16))
		g.gt()
		g.open("forwarded")
		g.attr("xmlns", "urn:xmpp:forward:0")
		g.gt()
		g.open("delay")
		g.attr("xmlns", "urn:xmpp:delay")
		g.attr("stamp", g.stamp(g.past(24*30)))
		g.empty()
		g.chatMessage(p, true, "")
		g.end("forwarded")
		g.end("result")
		g.end("message")
	default:
		g.pretty = g.chance(4)
		g.chatMessage(p, false, "")
	}
}

// chatMessage writes <message type='chat'> between alice and p. inner
// messages (inside <forwarded/>) redeclare jabber:client as clients do. A
// non-empty from makes it a message alice sent from that other resource
// (a carbon copy).
func (g *gen) chatMessage(p *person, inner bool, from string) {
	out := from != "" || g.chance(45) // alice -> p, else p -> alice
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	sender, to := p.bare+"/"+res, g.me
	if out {
		sender, to = g.me, p.bare+"/"+res
		if g.chance(30) {
			to = p.bare
		}
		cl = g.meClient
	}
	if from != "" {
		sender = from
	}
	l := p.lang
	if g.chance(30) {
		l = languages[0]
	}
	id := g.id(cl.idStyle)
	variant := g.r.IntN(1000)
	// The second body of a two-body message is in the contact's language,
	// or Russian for English speakers; the first inherits 'en' from the
	// stream, so no two bodies share an xml:lang.
	second := p.lang
	if second.code == "en" {
		second = languages[1]
	}

	g.open("message")
	if inner {
		g.attr("xmlns", "jabber:client")
	}
	// Attribute order varies by library.
	if g.chance(50) {
		g.attr("id", id)
		g.attr("to", to)
		g.attr("from", sender)
		g.attr("type", "chat")
	} else {
		g.attr("type", "chat")
		g.attr("to", to)
		g.attr("from", sender)
		g.attr("id", id)
	}
	if variant >= 30 && variant < 45 {
		if g.chance(30) {
			g.attr("xml:lang", "en")
		}
	} else if g.chance(20) {
		g.attr("xml:lang", l.code)
	}
	g.gt()

	g.nl(1)
	switch x := variant; {
	case x < 6:
		// A CDATA section, alone or between text.
		g.s("<body>")
		mixed := g.chance(50)
		if mixed {
			g.text("Check this: ")
		}
		g.s("<![CDATA[" + pick(g.r, cdataSnippets) + "]]>")
		if mixed {
			g.text(" – does it compile?")
		}
		g.s("</body>")
	case x < 30:
		// XEP-0066 file share: the URL is the body.
		url := "https://upload.example.com/" + g.alnum(22) + "/" + pick(g.r, []string{"IMG_20261122_0327.jpg", "photo.png", "Отчёт.pdf", "voice message.m4a", "video&sound.mp4"})
		g.leaf("body", url)
		g.nl(1)
		g.open("x")
		g.attr("xmlns", "jabber:x:oob")
		g.gt()
		g.leaf("url", url)
		g.end("x")
	case x < 45:
		// Two bodies in different languages (RFC 6121 §5.2.3).
		g.open("body")
		g.gt()
		g.b, _ = g.appendText(g.b, languages[0], g.between(5, 60), 400)
		g.end("body")
		g.nl(1)
		g.open("body")
		g.attr("xml:lang", second.code)
		g.gt()
		g.b, _ = g.appendText(g.b, second, g.between(5, 60), 400)
		g.end("body")
	case x < 75:
		// XEP-0071 XHTML-IM with the plain body alongside.
		parts := make([][]byte, g.between(2, 4))
		for i := range parts {
			parts[i], _ = g.appendText(nil, l, g.between(3, 30), 100)
		}
		g.s("<body>")
		for i, part := range parts {
			if i > 0 {
				g.s(" ")
			}
			g.b = append(g.b, part...)
		}
		g.s("</body>")
		g.nl(1)
		g.open("html")
		g.attr("xmlns", "http://jabber.org/protocol/xhtml-im")
		g.gt()
		g.open("body")
		g.attr("xmlns", "http://www.w3.org/1999/xhtml")
		g.gt()
		g.s("<p>")
		for i, part := range parts {
			if i > 0 {
				g.s(" ")
			}
			switch i {
			case 1:
				g.s("<strong>")
				g.b = append(g.b, part...)
				g.s("</strong>")
			case 2:
				g.open("span")
				g.attr("style", "font-style: italic; color: #"+g.hex(3))
				g.gt()
				g.b = append(g.b, part...)
				g.s("</span><br/>")
			case 3:
				g.open("a")
				g.attr("href", "https://example.com/?a=1&b="+g.alnum(4))
				g.gt()
				g.b = append(g.b, part...)
				g.end("a")
			default:
				g.b = append(g.b, part...)
			}
		}
		g.s("</p></body></html>")
	default:
		g.s("<body>")
		g.b, _ = g.appendText(g.b, l, g.bodyLen(), 400)
		g.s("</body>")
	}

	if g.chance(15) {
		g.nl(1)
		g.open("thread")
		if g.chance(10) {
			g.attr("parent", g.uuid())
		}
		g.gt()
		g.text(g.uuid())
		g.end("thread")
	}
	if g.chance(85) {
		g.nl(1)
		g.s("<active xmlns='http://jabber.org/protocol/chatstates'/>")
	}
	if g.chance(40) {
		g.nl(1)
		g.open("request")
		g.attr("xmlns", "urn:xmpp:receipts")
		g.empty()
		if len(g.pendingReceipts) < 64 {
			g.pendingReceipts = append(g.pendingReceipts, id)
		}
	}
	if g.chance(25) {
		g.nl(1)
		g.open("markable")
		g.attr("xmlns", "urn:xmpp:chat-markers:0")
		g.empty()
	}
	if g.chance(30) {
		g.nl(1)
		g.open("origin-id")
		g.attr("xmlns", "urn:xmpp:sid:0")
		g.attr("id", id)
		g.empty()
	}
	if !out && g.chance(40) {
		g.nl(1)
		g.open("stanza-id")
		g.attr("xmlns", "urn:xmpp:sid:0")
		g.attr("by", g.meBare)
		g.attr("id", g.alnum(16))
		g.empty()
	}
	if g.chance(5) {
		g.nl(1)
		g.s("<store xmlns='urn:xmpp:hints'/>")
	}
	if g.pretty {
		g.s("\n")
	}
	g.end("message")
}

func (g *gen) chatState() {
	p := g.contact()
	g.open("message")
	if g.chance(50) {
		g.attr("from", g.fullJID(p))
		g.attr("to", g.me)
	} else {
		g.attr("from", g.me)
		g.attr("to", g.fullJID(p))
	}
	g.attr("type", "chat")
	if g.chance(60) {
		g.attr("id", g.id(g.r.IntN(4)))
	}
	g.gt()
	g.open(pick(g.r, []string{"composing", "composing", "composing", "paused", "active", "inactive", "gone"}))
	g.attr("xmlns", "http://jabber.org/protocol/chatstates")
	g.empty()
	if g.chance(50) {
		g.s("<no-store xmlns='urn:xmpp:hints'/>")
	}
	g.end("message")
}

func (g *gen) receipt() {
	p := g.contact()
	var id string
	if n := len(g.pendingReceipts); n > 0 {
		i := g.r.IntN(n)
		id = g.pendingReceipts[i]
		g.pendingReceipts = append(g.pendingReceipts[:i], g.pendingReceipts[i+1:]...)
	} else {
		id = g.uuid()
	}
	g.open("message")
	g.attr("from", g.fullJID(p))
	g.attr("to", g.me)
	if g.chance(50) {
		g.attr("type", "chat")
	}
	g.attr("id", g.id(g.r.IntN(4)))
	g.gt()
	g.open("received")
	g.attr("xmlns", "urn:xmpp:receipts")
	g.attr("id", id)
	g.empty()
	if g.chance(30) {
		g.open("displayed")
		g.attr("xmlns", "urn:xmpp:chat-markers:0")
		g.attr("id", id)
		g.empty()
	}
	g.end("message")
}

// ---------------------------------------------------------------------------
// Presence.

func (g *gen) presence() {
	p := g.contact()
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	from, to := p.bare+"/"+res, g.me
	if g.counts.N[kPresence] == 0 || g.chance(5) {
		// alice's own broadcast (no 'to').
		from, to, cl, p = g.me, "", g.meClient, g.mePerson
	}
	switch x := g.r.IntN(100); {
	case x < 8:
		g.open("presence")
		g.attr("from", from)
		if to != "" {
			g.attr("to", to)
		}
		g.attr("type", "unavailable")
		if g.chance(30) {
			g.gt()
			g.leaf("status", pick(g.r, []string{"Logged out", "Disconnected: connection reset by peer", "Replaced by new connection", "Bye 👋"}))
			g.end("presence")
		} else {
			g.empty()
		}
		return
	case x < 10:
		g.open("presence")
		g.attr("from", p.bare)
		g.attr("to", g.meBare)
		g.attr("type", pick(g.r, []string{"subscribe", "subscribed", "unsubscribe"}))
		g.attr("id", g.id(cl.idStyle))
		g.gt()
		g.open("nick")
		g.attr("xmlns", "http://jabber.org/protocol/nick")
		g.gt()
		g.text(p.display)
		g.end("nick")
		g.end("presence")
		return
	case x < 20:
		g.mucPresence(p)
		return
	}

	g.pretty = g.chance(5)
	g.open("presence")
	if g.chance(50) {
		g.attr("from", from)
		if to != "" {
			g.attr("to", to)
		}
	} else {
		if to != "" {
			g.attr("to", to)
		}
		g.attr("from", from)
	}
	if g.chance(40) {
		g.attr("id", g.id(cl.idStyle))
	}
	if g.chance(10) {
		g.attr("xml:lang", p.lang.code)
	}
	g.gt()
	if g.chance(50) {
		g.nl(1)
		g.leaf("show", pick(g.r, []string{"away", "away", "xa", "dnd", "chat"}))
	}
	if g.chance(50) {
		g.nl(1)
		if g.chance(15) {
			g.open("status")
			g.attr("xml:lang", p.lang.code)
			g.gt()
			g.text(pick(g.r, p.lang.status))
			g.end("status")
		} else {
			g.leaf("status", pick(g.r, pick(g.r, languages[:2]).status))
		}
	}
	if g.chance(60) {
		g.nl(1)
		g.leaf("priority", strconv.Itoa(pick(g.r, []int{0, 0, 1, 1, 5, 10, 24, 50, 127, -1})))
	}
	if g.chance(90) {
		g.nl(1)
		prefixed := g.chance(8)
		if prefixed {
			g.open("caps:c")
			g.attr("xmlns:caps", "http://jabber.org/protocol/caps")
		} else {
			g.open("c")
			g.attr("xmlns", "http://jabber.org/protocol/caps")
		}
		g.attr("hash", "sha-1")
		g.attr("node", cl.node)
		g.attr("ver", cl.ver)
		g.empty()
	}
	if g.chance(40) {
		g.nl(1)
		photo := g.hex(20)
		if g.chance(10) {
			photo = ""
		}
		if g.chance(40) {
			g.open("x:x")
			g.attr("xmlns:x", "vcard-temp:x:update")
			g.gt()
			g.leaf("x:photo", photo)
			g.end("x:x")
		} else {
			g.open("x")
			g.attr("xmlns", "vcard-temp:x:update")
			g.gt()
			g.leaf("photo", photo)
			g.end("x")
		}
	}
	if g.chance(15) {
		g.nl(1)
		g.open("delay")
		g.attr("xmlns", "urn:xmpp:delay")
		g.attr("from", pick(g.r, []string{"localhost", p.bare}))
		g.attr("stamp", g.stamp(g.past(72)))
		if g.chance(20) {
			g.gt()
			g.text("Offline Storage")
			g.end("delay")
		} else {
			g.empty()
		}
	}
	if g.chance(5) {
		g.nl(1)
		g.open("idle")
		g.attr("xmlns", "urn:xmpp:idle:1")
		g.attr("since", g.stamp(g.past(8)))
		g.empty()
	}
	if g.pretty {
		g.s("\n")
	}
	g.end("presence")
}

func (g *gen) mucPresence(p *person) {
	room := pick(g.r, []string{"lounge", "xsf", "prosody", "devs", "кухня", "family", "release-2026"}) + "@conference." + pick(g.r, []string{"localhost", "example.com", "example.ru"})
	g.open("presence")
	g.attr("from", room+"/"+p.display)
	g.attr("to", g.me)
	g.attr("id", g.id(1))
	g.gt()
	if g.chance(40) {
		g.leaf("show", pick(g.r, []string{"away", "xa", "dnd"}))
	}
	g.open("c")
	g.attr("xmlns", "http://jabber.org/protocol/caps")
	cl := pick(g.r, p.cl)
	g.attr("hash", "sha-1")
	g.attr("node", cl.node)
	g.attr("ver", cl.ver)
	g.empty()
	g.open("x")
	g.attr("xmlns", "http://jabber.org/protocol/muc#user")
	g.gt()
	g.open("item")
	g.attr("affiliation", pick(g.r, []string{"none", "member", "member", "admin", "owner"}))
	g.attr("role", pick(g.r, []string{"participant", "participant", "moderator", "visitor"}))
	if g.chance(50) {
		g.attr("jid", g.fullJID(p))
	}
	g.empty()
	if g.chance(10) {
		g.s("<status code='110'/>")
	}
	g.end("x")
	g.open("occupant-id")
	g.attr("xmlns", "urn:xmpp:occupant-id:0")
	g.attr("id", base64.StdEncoding.EncodeToString(g.randBytes(24)))
	g.empty()
	g.end("presence")
}

// ---------------------------------------------------------------------------
// IQs.

func (g *gen) iqHead(typ, id, from, to string) {
	g.open("iq")
	if g.chance(50) {
		g.attr("type", typ)
		g.attr("id", id)
	} else {
		g.attr("id", id)
		g.attr("type", typ)
	}
	if from != "" {
		g.attr("from", from)
	}
	if to != "" {
		g.attr("to", to)
	}
}
