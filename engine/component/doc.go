// Package component serves external components (XEP-0114, the
// jabber:component:accept protocol): legacy-network gateways and other
// trusted services that connect to the server over TCP, authenticate with a
// shared secret, and then exchange stanzas for a whole domain.
//
// # The model
//
// A Router holds the configured component domains and, for each, the
// connections currently serving it. The c2s side sees it as a
// session.ComponentRouter: Serves says whether a domain is a component's,
// Deliver hands a stanza for it to one of its connections. A Listener, the
// c2s engine serving component streams, accepts them and attaches each one
// whose handshake succeeds to the Router; stanzas the component sends go
// to the server's RouteExternal, which delivers them to users.
//
// # The stream
//
//	component: <stream:stream xmlns='jabber:component:accept' to='gw.example'>
//	server:    <stream:stream xmlns='jabber:component:accept' from='gw.example' id='ID'>
//	component: <handshake>hex(SHA-1(ID + secret))</handshake>
//	server:    <handshake/>
//
// An unknown 'to' ends the stream with host-unknown, a wrong digest with
// not-authorized, a handshake not done within Config.AuthTimeout with
// connection-timeout. There is no TLS, SASL or stream restart: XEP-0114
// predates them, and components normally connect over loopback or a
// private network.
//
// After the handshake, stanzas flow both ways. From the component:
//   - 'from' must be the component's domain or a JID at it; another domain,
//     subdomains of the component's included, is the stream error
//     invalid-from (the component authenticated for exactly one domain,
//     and the server would route answers to any other elsewhere). A missing
//     'from' is stamped with the component's domain.
//   - a missing 'to' bounces with the stanza error bad-request rather than
//     the s2s stream error improper-addressing, so that one bad stanza does
//     not cut off every user of a gateway.
//   - what RouteExternal refuses bounces with the condition it returns;
//     errors are never answered with errors.
//   - stanzas are in jabber:component:accept (jabber:client is accepted
//     too, as components configured for it send). Clients must never see
//     the component namespace: when a stanza declares it, the declaration
//     on the stanza itself is dropped (the stanza then inherits its
//     receiver's jabber:client) and any nested one becomes jabber:client.
//
// To the component, a stanza whose own start tag declares
// xmlns='jabber:client' (BOSH clients send them so) loses the declaration,
// so that it inherits the component stream's namespace.
//
// # Several connections per domain
//
// Any number of connections may authenticate for one domain: instances of
// a gateway sharing its load. Each stanza for the domain goes to the one
// connection that rendezvous (highest random weight) hashing picks for the
// stanza's key (Balance): by default the bare sender JID, so that each
// user's traffic sticks to one instance, as a gateway's per-user
// legacy-network sessions require. Every live connection scores the key,
// and the highest score wins; so a new connection takes over only the keys
// it now wins (about 1/n of them) and a departing one gives up only its
// own, each to its next-highest scorer, while every other user stays where
// it was. A connection that refuses a stanza (closing, over its outbound
// cap) passes it to the key's next choice, which is where the key will
// live once that connection is gone. Stanzas still queued for a connection
// when it closes are handed to the others the same way. A stanza no
// connection takes is refused (Deliver returns false): the c2s side then
// bounces it with service-unavailable, and the stream bounces queued
// ones it cannot hand over the same way.
//
// # The reactor
//
// There is no reactor here: the Listener is the c2s engine (engine.Start)
// serving this package's stream, an engine.Stream on a session.Transport,
// instead of client sessions. So components get what clients get: one
// goroutine per event loop and none per connection; routed stanzas queued
// from any goroutine (Transport.Enqueue) and written by the loop; that
// queue and gnet's outbound buffer each capped (Config.MaxOutbound), past
// which the component is closed with a policy-violation stream error and
// its users rehash to the other instances; the handshake timeout
// (Config.AuthTimeout, through engine.Authenticated); MaxConns through an
// engine.Admission; a panic while serving one connection closes that
// connection only; Shutdown ends every stream with system-shutdown.
//
// What the engine's queue still held when a connection closed or
// overflowed comes back to the stream (engine.UnsentHandler), which hands
// it to the domain's other connections or bounces it, as above.
//
// Keepalive is TCP's (Config.KeepAlive, engine.Config.TCPKeepAlive), not
// XEP-0199: XEP-0114 has no ping a component must answer, and a
// whitespace keepalive from the server would find a dead gateway only when
// TCP gave up retransmitting it, much later than keepalive probes do.
package component
