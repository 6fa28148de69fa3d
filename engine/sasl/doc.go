// Package sasl is the server side of SASL for XMPP (RFC 6120 §6): PLAIN
// (RFC 4616), SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677), and their
// -PLUS variants bound to the TLS connection with tls-exporter (RFC 9266).
//
// # Model
//
// The package knows bytes, not streams. The session layer decodes the base64
// of <auth/> and <response/>, hands the raw octets to Mechanism.Step, and
// wraps what comes back in <challenge/>, <success/> or <failure/>. It never
// sees a socket, an XML element or base64.
//
// A Server is built once per hosted domain from a Config and is safe for
// concurrent use. Each authentication attempt gets its own Mechanism from
// Server.Start; a Mechanism is used by one goroutine at a time and thrown
// away when the attempt ends, whatever the outcome. Step returns done=true
// exactly once, on success; out then holds the additional data for <success/>
// (the SCRAM server signature, nothing for PLAIN), and Username reports the
// authenticated, PRECIS-normalised localpart. Any error ends the attempt: it
// is an *Error carrying the RFC 6120 §6.5 condition for <failure/>; its Text
// is safe to send, its cause (errors.Unwrap) is for the server's logs only.
//
// Every mechanism here is client-first. When <auth/> carries no initial
// response the session answers with an empty <challenge/> and passes the
// client's <response/> to the first Step; an initial response of "=" is an
// empty message and is passed as such (PLAIN rejects it as malformed).
//
// # Failures
//
// Anything syntactically wrong, including a "p" flag sent with a non-PLUS
// mechanism name, is malformed-request; syntax never depends on whether the
// user exists. A wrong password, an unknown user, a user without
// credentials for the chosen hash, a bad proof or nonce and the other
// channel-binding violations are not-authorized (the binding cases carry the
// RFC 5802 error name as text). An authzid other than the user's
// own is invalid-authzid, checked only after the password. A mechanism not
// offered on the channel is invalid-mechanism, PLAIN in the clear is
// encryption-required, and a storage failure is temporary-auth-failure.
//
// # Where Step runs
//
// Step is slow by design: it calls CredentialLookup (storage), and PLAIN
// runs PBKDF2 over the stored salt (4096 iterations by default, about a
// millisecond of CPU). Server.Start is cheap, but Step must run on a worker
// goroutine and post its result back to the connection's event loop, never
// on the loop itself.
//
// # Credentials
//
// Passwords are never stored. Derive and NewCredentials turn a password,
// prepared with the PRECIS OpaqueString profile (RFC 8265), into the SCRAM
// StoredKey and ServerKey for each hash; PLAIN is verified by deriving from
// the stored salt and comparing StoredKey in constant time, so one record
// serves every mechanism. Usernames are prepared with UsernameCaseMapped
// before lookup.
//
// # No user enumeration
//
// An unknown user fails exactly like a wrong password: not-authorized with
// the same text, after the same work. SCRAM carries on with fake credentials
// whose salt is an HMAC of the username under a server secret, so repeated
// probes for a name see a stable salt and the usual iteration count, and the
// exchange fails only at the proof. PLAIN runs the same PBKDF2 over a fake
// salt. Set Config.FakeSaltKey on every node of a deployment, or fake salts
// change across restarts while real ones do not.
//
// # Channel binding
//
// The caller describes the transport with a Channel: whether it is TLS, and
// the 32-byte tls-exporter value when the TLS version is 1.3 (TLSChannel
// builds it from a tls.ConnectionState). The same Channel must be passed to Mechanisms, which decides
// what is advertised, and to Start, which enforces it: with a binding
// available the -PLUS variants come first, a -PLUS attempt must send the "p"
// flag with matching binding data, and a plain SCRAM attempt whose GS2 header
// says "y" (client supports binding but saw no -PLUS offer) is a downgrade
// and is refused (RFC 5802 §6). SCRAM parsing, the GS2 flag policy and the
// binding comparison are github.com/xdg-go/scram's; this package checks only
// what that library cannot know, the mechanism name the client picked.
package sasl
