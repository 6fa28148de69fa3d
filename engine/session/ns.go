package session

// Namespaces the session speaks.
const (
	NSClient     = "jabber:client"
	nsStreams    = "http://etherx.jabber.org/streams"
	nsTLS        = "urn:ietf:params:xml:ns:xmpp-tls"
	nsSASL       = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind       = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession    = "urn:ietf:params:xml:ns:xmpp-session"
	nsDiscoInfo  = "http://jabber.org/protocol/disco#info"
	nsDiscoItems = "http://jabber.org/protocol/disco#items"
	nsPing       = "urn:xmpp:ping"
	nsVersion    = "jabber:iq:version"
	nsRegister   = "jabber:iq:register"
	nsRegFeature = "http://jabber.org/features/iq-register"
	nsXML        = "http://www.w3.org/XML/1998/namespace"
)

// Namespaces of the IM features (RFC 6121 and XEPs).
const (
	nsRoster    = "jabber:iq:roster"
	nsRosterVer = "urn:xmpp:features:rosterver"
	nsDelay     = "urn:xmpp:delay"
	nsHints     = "urn:xmpp:hints"
)

const (
	nsVCard   = "vcard-temp"
	nsPrivate = "jabber:iq:private"
	nsLast    = "jabber:iq:last"
)

const (
	nsBlocking    = "urn:xmpp:blocking"
	nsBlockingErr = "urn:xmpp:blocking:errors"
	nsCarbons     = "urn:xmpp:carbons:2"
	nsForward     = "urn:xmpp:forward:0"
	nsCSI         = "urn:xmpp:csi:0"
)
