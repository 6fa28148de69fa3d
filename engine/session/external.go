package session

import (
	"errors"

	"xmppd/internal/jid"
)

// ErrNotNegotiating is returned by AuthenticateExternal on a stream that is
// not between its header and authentication.
var ErrNotNegotiating = errors.New("session: the stream is not waiting for authentication")

// AuthenticateExternal authenticates the stream as user without SASL, for a
// transport that vouches for the user itself: BOSH prebind, where a portal
// that already authenticated the user asks for a session on its behalf and
// hands the browser only the session id. user is a localpart of the stream's
// domain; whether the account exists is the caller's business.
//
// As after SASL success, the stream restarts: the transport is told to reset
// its parser (Transport.ResetStream) and the next header gets the
// post-authentication features (bind). Call it on the owner goroutine, after
// HandleHeader and before any SASL exchange.
func (s *Session) AuthenticateExternal(user string) error {
	if s.phase != phNegotiating || s.authUser != "" || s.mech != nil || s.busy {
		return ErrNotNegotiating
	}
	j, err := jid.New(user, s.dom.name, "")
	if err != nil || j.Local() == "" {
		return errors.New("session: not a valid localpart: " + user)
	}
	s.authUser = j.Local()
	s.srv.Stats.AuthOK.Add(1)
	s.srv.Stats.AuthMechanisms[MechExternal].Add(1)
	s.countState(StateAuthenticated)
	s.t.ResetStream()
	s.phase = phHeader
	return nil
}
