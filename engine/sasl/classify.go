package sasl

// ChannelBindingRefused reports whether e refused the exchange's channel
// binding (RFC 5802 §6, RFC 9266) rather than its credentials: an unknown
// binding type, "y" while -PLUS was offered, or bindings that do not match.
// Clients that know only tls-unique fall back through these on TLS 1.3
// (Debian 12's slixmpp does), so a server should treat them as negotiation,
// not as password guesses to throttle.
func (e *Error) ChannelBindingRefused() bool {
	return e.Condition == NotAuthorized && e.Text != ""
}
