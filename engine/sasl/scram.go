package sasl

import (
	"unicode/utf8"

	"github.com/xdg-go/scram"
)

// scramMech is SCRAM-SHA-1/256 and their -PLUS variants. Message parsing,
// the GS2 channel-binding policy, nonce and proof checks are the library's
// ServerConversation; this type chooses the conversation's binding policy,
// resolves users (with fake credentials for unknown ones), checks the
// authzid and maps outcomes to RFC 6120 conditions.
type scramMech struct {
	s    *Server
	name string
	hash Hash
	plus bool
	conv *scram.ServerConversation

	step     uint8 // 0: client-first, 1: client-final, 2: ended
	user     string
	known    bool  // real credentials are in use
	missing  error // why not, for logs
	stopErr  error // a lookup failure the library only saw as "unknown user"
	username string
}

func (s *Server) newScram(name string, h Hash, plus bool, ch Channel) *scramMech {
	m := &scramMech{s: s, name: name, hash: h, plus: plus}
	srv, _ := h.gen().NewServer(m.lookup) // never fails
	if s.nonce != nil {
		srv.WithNonceGenerator(s.nonce)
	}
	cb := scram.ChannelBinding{Type: scram.ChannelBindingTLSExporter, Data: append([]byte(nil), ch.Exporter...)}
	switch {
	case plus:
		// A -PLUS mechanism must bind: "n" and "y" are refused.
		m.conv = srv.NewConversationWithChannelBindingRequired(cb)
	case ch.binding():
		// -PLUS was advertised: "y" is a downgrade and is refused; "n"
		// (a client without binding support) is fine. A "p" with a
		// non-PLUS name is caught in Step, the library cannot see names.
		m.conv = srv.NewConversationWithChannelBinding(cb)
	default:
		// Nothing to bind to: "n" and "y" are fine, "p" is refused.
		m.conv = srv.NewConversation()
	}
	return m
}

func (m *scramMech) Name() string     { return m.name }
func (m *scramMech) Username() string { return m.username }

// lookup is the library's credential callback, called once from the
// client-first step with the decoded username.
func (m *scramMech) lookup(raw string) (scram.StoredCredentials, error) {
	r, err := m.s.lookup(raw)
	if err != nil {
		m.stopErr = err
		return scram.StoredCredentials{}, err
	}
	c, known := m.s.credentials(r, m.hash)
	m.user, m.known, m.missing = r.user, known, r.missing()
	return c.stored(), nil
}

func (m *scramMech) Step(in []byte) ([]byte, bool, error) {
	step := m.step
	m.step = 2 // any failure ends the attempt
	switch step {
	case 0:
		if err := m.checkInput(in); err != nil {
			return nil, false, err
		}
		if !m.plus && len(in) > 0 && in[0] == 'p' {
			return nil, false, fail(MalformedRequest, "channel binding requested with a non-PLUS mechanism", nil)
		}
		out, err := m.conv.Step(string(in))
		if err != nil {
			return nil, false, m.firstError(out, err)
		}
		m.step = 1
		return []byte(out), false, nil
	case 1:
		if err := m.checkInput(in); err != nil {
			return nil, false, err
		}
		out, err := m.conv.Step(string(in))
		if err != nil {
			return nil, false, m.finalError(out, err)
		}
		if !m.known || !m.conv.Valid() {
			// Unreachable in practice: fake keys match no proof.
			return nil, false, fail(NotAuthorized, "", m.missing)
		}
		if err := m.s.authorize(m.user, m.conv.AuthzID()); err != nil {
			return nil, false, err
		}
		m.username = m.user
		return []byte(out), true, nil
	}
	return nil, false, fail(MalformedRequest, "", errFinished)
}

// checkInput holds a SCRAM message to the size limit and to RFC 5802's
// character set: UTF-8 without NUL.
func (m *scramMech) checkInput(in []byte) error {
	if err := m.s.checkInput(in); err != nil {
		return err
	}
	if !utf8.Valid(in) {
		return fail(MalformedRequest, "SCRAM message is not UTF-8", nil)
	}
	for _, b := range in {
		if b == 0 {
			return fail(MalformedRequest, "NUL in SCRAM message", nil)
		}
	}
	return nil
}

// firstError maps a failed client-first step. The library tells its cases
// apart by the RFC 5802 server-error value it returns; an empty one is a
// syntax error.
func (m *scramMech) firstError(serverErr string, err error) error {
	if m.stopErr != nil {
		return m.stopErr
	}
	switch serverErr {
	case scram.ErrServerDoesSupportChannelBinding,
		scram.ErrChannelBindingNotSupported,
		scram.ErrUnsupportedChannelBindingType:
		return fail(NotAuthorized, serverErr[len("e="):], err)
	}
	return fail(MalformedRequest, "", err)
}

// finalError maps a failed client-final step. Syntax errors are
// malformed-request; everything else (binding, nonce, proof) is
// not-authorized. Whether the user exists never changes the outcome: an
// unknown user's fake keys fail at the proof, like a wrong password.
func (m *scramMech) finalError(serverErr string, err error) error {
	switch serverErr {
	case "":
		return fail(MalformedRequest, "", err)
	case scram.ErrChannelBindingsDontMatch:
		return fail(NotAuthorized, "channel-bindings-dont-match", err)
	case scram.ErrInvalidProof:
		if !m.known {
			err = m.missing
		}
	}
	return fail(NotAuthorized, "", err)
}
