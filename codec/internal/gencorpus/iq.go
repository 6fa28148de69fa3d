package main

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

func (g *gen) roster() {
	g.pretty = g.chance(30)
	g.iqHead("result", g.id(g.meClient.idStyle), g.either("", g.meBare), g.me)
	g.gt()
	g.nl(1)
	g.open("query")
	g.attr("xmlns", "jabber:iq:roster")
	g.rosterVer += g.between(1, 40)
	g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
	g.gt()
	n := g.between(50, 600)
	for _, i := range g.r.Perm(len(g.people))[:n] {
		p := g.people[i]
		g.nl(2)
		g.open("item")
		g.attr("jid", p.bare)
		if g.chance(88) {
			if g.chance(15) {
				g.attr("name", p.nick)
			} else {
				g.attr("name", p.display)
			}
		}
		sub := "both"
		switch x := g.r.IntN(100); {
		case x < 10:
			sub = "to"
		case x < 18:
			sub = "from"
		case x < 28:
			sub = "none"
		}
		g.attr("subscription", sub)
		if (sub == "none" || sub == "from") && g.chance(30) {
			g.attr("ask", "subscribe")
		}
		ng := 0
		switch x := g.r.IntN(100); {
		case x < 20:
		case x < 85:
			ng = 1
		case x < 97:
			ng = 2
		default:
			ng = 3
		}
		if ng == 0 {
			g.empty()
			continue
		}
		g.gt()
		// The first group is skewed to the common ones; further ones
		// differ from it and from each other.
		first := g.r.IntN(g.r.IntN(len(groups)) + 1)
		g.nl(3)
		g.leaf("group", groups[first])
		extra := ng - 1
		for _, gi := range g.r.Perm(len(groups)) {
			if extra == 0 {
				break
			}
			if gi == first {
				continue
			}
			extra--
			g.nl(3)
			g.leaf("group", groups[gi])
		}
		g.nl(2)
		g.end("item")
	}
	g.nl(1)
	g.end("query")
	g.nl(0)
	g.end("iq")
}

func (g *gen) either(a, b string) string {
	if g.chance(50) {
		return a
	}
	return b
}

// jpegLike returns n bytes that start and end like a baseline JFIF file;
// the middle is noise, as compressed image data is.
func (g *gen) jpegLike(n int) []byte {
	b := g.randBytes(n)
	head := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x01, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00}
	copy(b, head)
	b[n-2], b[n-1] = 0xFF, 0xD9
	return b
}

func (g *gen) vcard() {
	p := g.contact()
	g.pretty = g.chance(60)
	g.iqHead("result", g.id(g.meClient.idStyle), p.bare, g.me)
	g.gt()
	g.nl(1)
	g.open("vCard")
	g.attr("xmlns", "vcard-temp")
	g.gt()
	g.nl(2)
	g.leaf("FN", p.display)
	g.nl(2)
	g.s("<N>")
	g.nl(3)
	g.leaf("FAMILY", p.last)
	g.nl(3)
	g.leaf("GIVEN", p.first)
	g.nl(3)
	g.leaf("MIDDLE", "")
	g.nl(2)
	g.s("</N>")
	g.nl(2)
	g.leaf("NICKNAME", p.nick)
	if g.chance(50) {
		g.nl(2)
		g.leaf("URL", "https://"+strings.SplitN(p.bare, "@", 2)[1]+"/~"+p.nick+"?lang="+p.lang.code+"&ref=vcard")
	}
	if g.chance(50) {
		g.nl(2)
		g.leaf("BDAY", fmt.Sprintf("%04d-%02d-%02d", g.between(1950, 2008), g.between(1, 12), g.between(1, 28)))
	}
	if g.chance(60) {
		g.nl(2)
		g.s("<ORG>")
		g.nl(3)
		g.leaf("ORGNAME", pick(g.r, []string{"Example Corp.", "Smith & Sons Ltd", "ООО «Ромашка»", "株式会社サンプル", "Müller GmbH & Co. KG"}))
		g.nl(3)
		g.leaf("ORGUNIT", pick(g.r, []string{"R&D", "Sales", "IT <Ops>", "Support"}))
		g.nl(2)
		g.s("</ORG>")
		g.nl(2)
		g.leaf("TITLE", pick(g.r, []string{"Engineer", "Senior Developer", "Head of \"Things\"", "Менеджер", "CEO"}))
	}
	for i := range g.between(1, 3) {
		g.nl(2)
		g.s("<TEL>")
		g.nl(3)
		g.s(pick(g.r, []string{"<HOME/>", "<WORK/>", "<CELL/>"}))
		g.nl(3)
		g.s(pick(g.r, []string{"<VOICE/>", "<VOICE/>", "<FAX/>", "<MSG/>"}))
		if i == 0 {
			g.nl(3)
			g.s("<PREF/>")
		}
		g.nl(3)
		g.leaf("NUMBER", fmt.Sprintf("+%d %03d %03d-%04d", pick(g.r, []int{1, 7, 33, 44, 49, 81, 86}), g.r.IntN(1000), g.r.IntN(1000), g.r.IntN(10000)))
		g.nl(2)
		g.s("</TEL>")
	}
	if g.chance(70) {
		g.nl(2)
		g.s("<ADR>")
		g.nl(3)
		g.s(pick(g.r, []string{"<HOME/>", "<WORK/>"}))
		g.nl(3)
		g.leaf("STREET", pick(g.r, []string{"221B Baker Street", "ул. Ленина, д. 5, кв. 12", "Hauptstraße 1", "12 rue de l'Église", "1-2-3 Shibuya"}))
		g.nl(3)
		g.leaf("LOCALITY", pick(g.r, []string{"London", "Москва", "München", "Paris", "東京", "Springfield"}))
		g.nl(3)
		g.leaf("REGION", "")
		g.nl(3)
		g.leaf("PCODE", fmt.Sprintf("%05d", g.r.IntN(100000)))
		g.nl(3)
		g.leaf("CTRY", pick(g.r, []string{"UK", "Russia", "Deutschland", "France", "日本", "USA"}))
		g.nl(2)
		g.s("</ADR>")
	}
	g.nl(2)
	g.s("<EMAIL>")
	g.nl(3)
	g.s("<INTERNET/>")
	g.nl(3)
	g.s("<PREF/>")
	g.nl(3)
	g.leaf("USERID", p.nick+"@mail."+strings.SplitN(p.bare, "@", 2)[1])
	g.nl(2)
	g.s("</EMAIL>")
	g.nl(2)
	g.leaf("JABBERID", p.bare)
	if g.chance(70) {
		g.nl(2)
		g.s("<DESC>")
		g.b, _ = g.appendText(g.b, p.lang, g.between(20, 600), 800)
		g.s("</DESC>")
	}

	// PHOTO: 8..64 KiB of base64, wrapped at 76 columns.
	enc := g.between(8<<10, 64<<10) / 4 * 4
	raw := g.jpegLike(enc / 4 * 3)
	b64 := base64.StdEncoding.EncodeToString(raw)
	eol := "\n"
	if g.chance(15) {
		eol = "\r\n"
	}
	g.nl(2)
	g.s("<PHOTO>")
	g.nl(3)
	g.leaf("TYPE", "image/jpeg")
	g.nl(3)
	g.s("<BINVAL>")
	if g.pretty {
		g.s(eol)
	}
	for len(b64) > 0 {
		n := min(76, len(b64))
		g.s(b64[:n])
		b64 = b64[n:]
		if len(b64) > 0 || g.pretty {
			g.s(eol)
		}
	}
	g.s("</BINVAL>")
	g.nl(2)
	g.s("</PHOTO>")
	g.nl(1)
	g.end("vCard")
	g.nl(0)
	g.end("iq")
}

func (g *gen) iqGet() {
	p := g.contact()
	id := g.id(g.meClient.idStyle)
	switch x := g.r.IntN(100); {
	case x < 45:
		// XEP-0199 client-to-server ping.
		g.iqHead("get", id, g.me, "localhost")
		g.gt()
		g.s("<ping xmlns='urn:xmpp:ping'/>")
		g.pushIQ(id, "localhost")
	case x < 60:
		// The server pinging alice (s2c), or a peer pinging her.
		peer := g.either("localhost", g.fullJID(p))
		g.iqHead("get", g.id(1), peer, g.me)
		g.gt()
		g.s("<ping xmlns='urn:xmpp:ping'/>")
	case x < 72:
		g.iqHead("get", id, g.me, p.bare)
		g.gt()
		g.open("vCard")
		g.attr("xmlns", "vcard-temp")
		g.empty()
		g.pushIQ(id, p.bare)
	case x < 86:
		res := pick(g.r, p.res)
		cl := g.clientOf(p, res)
		g.iqHead("get", id, g.me, p.bare+"/"+res)
		g.gt()
		g.open("query")
		g.attr("xmlns", "http://jabber.org/protocol/disco#info")
		g.attr("node", cl.node+"#"+cl.ver)
		g.empty()
		g.pushIQ(id, p.bare+"/"+res)
	case x < 93:
		g.iqHead("get", id, g.me, "")
		g.gt()
		g.open("query")
		g.attr("xmlns", "jabber:iq:roster")
		g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
		g.empty()
	default:
		g.iqHead("get", g.id(0), g.fullJID(p), g.me)
		g.gt()
		g.s("<query xmlns='jabber:iq:version'/>")
	}
	g.end("iq")
}

func (g *gen) pushIQ(id, peer string) {
	if len(g.pendingIQ) < 32 {
		g.pendingIQ = append(g.pendingIQ, iqRef{id, peer})
	}
}

func (g *gen) iqResult() {
	if n := len(g.pendingIQ); n > 0 && g.chance(80) {
		// The answer to one of alice's requests.
		ref := g.pendingIQ[0]
		g.pendingIQ = g.pendingIQ[1:]
		g.iqHead("result", ref.id, ref.peer, g.me)
	} else {
		// alice answering the server's ping.
		g.iqHead("result", g.id(1), g.me, "localhost")
	}
	g.empty()
}

func (g *gen) iqSet() {
	id := g.id(g.meClient.idStyle)
	g.pretty = g.chance(20)
	if g.counts.N[kIQSet] == 0 {
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.s("<enable xmlns='urn:xmpp:carbons:2'/>")
		g.end("iq")
		return
	}
	p := g.contact()
	switch x := g.r.IntN(100); {
	case x < 25:
		// A roster push from the server.
		g.iqHead("set", g.id(1), g.either("", g.meBare), g.me)
		g.gt()
		g.nl(1)
		g.open("query")
		g.attr("xmlns", "jabber:iq:roster")
		g.rosterVer++
		g.attr("ver", "ver"+strconv.Itoa(g.rosterVer))
		g.gt()
		g.nl(2)
		g.open("item")
		g.attr("jid", p.bare)
		if g.chance(30) {
			g.attr("subscription", "remove")
			g.empty()
		} else {
			g.attr("name", p.display)
			g.attr("subscription", pick(g.r, []string{"both", "to", "none"}))
			g.gt()
			g.leaf("group", pick(g.r, groups))
			g.end("item")
		}
		g.nl(1)
		g.end("query")
	case x < 40:
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.open("block")
		g.attr("xmlns", "urn:xmpp:blocking")
		g.gt()
		for range g.between(1, 3) {
			g.nl(2)
			g.open("item")
			g.attr("jid", "spam"+strconv.Itoa(g.r.IntN(10000))+"@"+pick(g.r, []string{"example.net", "spam.example", "example.org"}))
			g.empty()
		}
		g.nl(1)
		g.end("block")
	case x < 75:
		// XEP-0313 query with a data form and RSM.
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.open("query")
		g.attr("xmlns", "urn:xmpp:mam:2")
		g.attr("queryid", "f27"+g.hex(3))
		g.gt()
		g.nl(2)
		g.open("x")
		g.attr("xmlns", "jabber:x:data")
		g.attr("type", "submit")
		g.gt()
		g.nl(3)
		g.s("<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>")
		g.nl(3)
		g.open("field")
		g.attr("var", "with")
		g.gt()
		g.leaf("value", p.bare)
		g.end("field")
		g.nl(3)
		g.open("field")
		g.attr("var", "start")
		g.gt()
		g.leaf("value", g.stamp(g.past(24*7)))
		g.end("field")
		g.nl(2)
		g.end("x")
		g.nl(2)
		g.s("<set xmlns='http://jabber.org/protocol/rsm'>")
		g.leaf("max", strconv.Itoa(pick(g.r, []int{20, 50, 100})))
		g.s("<before/></set>")
		g.nl(1)
		g.end("query")
	default:
		// XEP-0084 avatar metadata publish.
		sha := g.hex(20)
		g.iqHead("set", id, g.me, "")
		g.gt()
		g.nl(1)
		g.s("<pubsub xmlns='http://jabber.org/protocol/pubsub'>")
		g.nl(2)
		g.s("<publish node='urn:xmpp:avatar:metadata'>")
		g.nl(3)
		g.open("item")
		g.attr("id", sha)
		g.gt()
		g.nl(4)
		g.s("<metadata xmlns='urn:xmpp:avatar:metadata'>")
		g.nl(5)
		g.open("info")
		g.attr("bytes", strconv.Itoa(g.between(4000, 60000)))
		g.attr("height", "96")
		g.attr("width", "96")
		g.attr("id", sha)
		g.attr("type", "image/png")
		g.empty()
		g.nl(4)
		g.s("</metadata>")
		g.nl(3)
		g.end("item")
		g.nl(2)
		g.s("</publish>")
		g.nl(1)
		g.s("</pubsub>")
	}
	g.nl(0)
	g.end("iq")
}

func (g *gen) disco() {
	g.pretty = g.chance(25)
	if g.chance(20) {
		// The server's own disco#info.
		g.iqHead("result", g.id(g.meClient.idStyle), "localhost", g.me)
		g.gt()
		g.nl(1)
		g.s(`<query xmlns="http://jabber.org/protocol/disco#info">`)
		g.nl(2)
		g.s("<identity category='server' type='im' name='xmppd'/>")
		g.nl(2)
		g.s("<identity category='pubsub' type='pep'/>")
		for _, f := range serverFeatures {
			g.nl(2)
			g.open("feature")
			g.attr("var", f)
			g.empty()
		}
		g.nl(2)
		g.s("<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/network/serverinfo</value></field>")
		g.s("<field var='abuse-addresses'><value>mailto:abuse@localhost</value><value>xmpp:abuse@localhost</value></field></x>")
		g.nl(1)
		g.s("</query>")
		g.nl(0)
		g.end("iq")
		return
	}
	p := g.contact()
	res := pick(g.r, p.res)
	cl := g.clientOf(p, res)
	g.iqHead("result", g.id(g.meClient.idStyle), p.bare+"/"+res, g.me)
	g.gt()
	g.nl(1)
	g.open("query")
	g.attr("xmlns", "http://jabber.org/protocol/disco#info")
	g.attr("node", cl.node+"#"+cl.ver)
	g.gt()
	g.nl(2)
	g.open("identity")
	g.attr("category", "client")
	g.attr("type", cl.typ)
	g.attr("name", cl.name)
	g.empty()
	if g.chance(20) {
		g.nl(2)
		g.open("identity")
		g.attr("category", "client")
		g.attr("type", cl.typ)
		g.attr("name", cl.name+" (русский)")
		g.attr("xml:lang", "ru")
		g.empty()
	}
	for _, f := range cl.features {
		g.nl(2)
		g.open("feature")
		g.attr("var", f)
		g.empty()
	}
	if g.chance(50) {
		g.nl(2)
		g.s("<x xmlns='jabber:x:data' type='result'>")
		g.s("<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>")
		for _, kv := range [][2]string{{"os", cl.os}, {"os_version", pick(g.r, []string{"6.8", "14", "17.2", "11"})}, {"software", cl.name}, {"software_version", cl.version}} {
			g.open("field")
			g.attr("var", kv[0])
			g.gt()
			g.leaf("value", kv[1])
			g.end("field")
		}
		g.s("</x>")
	}
	g.nl(1)
	g.end("query")
	g.nl(0)
	g.end("iq")
}
