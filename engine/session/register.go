package session

import (
	"errors"

	"xmppd/codec"
	"xmppd/engine/sasl"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// registrationAllowed reports whether this connection may create accounts.
func (s *Session) registrationAllowed() bool {
	switch s.srv.cfg.Registration {
	case RegisterOpen:
		return true
	case RegisterLoopback:
		return s.t.Info().Remote.IsLoopback()
	}
	return false
}

// registerPreAuth is XEP-0077 in-band registration before authentication.
func (s *Session) registerPreAuth(e codec.Element) {
	r := replyOf(e)
	r.from = "" // no addresses on a stream that is not authenticated
	child, ok := s.iqPayload(e, r)
	if !ok {
		return
	}
	if s.srv.cfg.TLS == TLSRequired && !s.t.Info().Secure {
		s.sendError(r, errCancel, "not-allowed", "registration requires TLS")
		return
	}
	if !s.registrationAllowed() {
		s.sendError(r, errCancel, "not-allowed", "in-band registration is disabled")
		return
	}
	switch r.typ {
	case "get":
		s.sendResult(r, []byte("<query xmlns='"+nsRegister+"'><instructions>Choose a username and password.</instructions><username/><password/></query>"))
	case "set":
		if !child.Child("remove", nsRegister).IsZero() {
			s.sendError(r, errAuth, "not-authorized", "authenticate to remove an account")
			return
		}
		user := string(childText(child, "username", nsRegister))
		pass := string(childText(child, "password", nsRegister))
		if user == "" || pass == "" {
			s.sendError(r, errModify, "not-acceptable", "username and password are required")
			return
		}
		j, err := jid.New(user, s.dom.name, "")
		if err != nil {
			s.sendError(r, errModify, "jid-malformed", "the username is not a valid localpart")
			return
		}
		remote := s.t.Info().Remote
		if s.srv.regLim.exceeded(remote) {
			s.sendError(r, errWait, "resource-constraint", "too many registrations from your address; try again later")
			return
		}
		s.runStore(r, func() (string, string, string) {
			c1, c256, err := sasl.NewCredentials(pass, s.srv.cfg.ScramIterations)
			if err != nil {
				return errModify, "not-acceptable", "the password is not acceptable"
			}
			err = s.srv.cfg.Store.CreateUser(storage.User{Name: j.Local(), SHA1: storage.ScramKeys(c1), SHA256: storage.ScramKeys(c256)})
			switch {
			case errors.Is(err, storage.ErrUserExists):
				return errCancel, "conflict", "the username is taken"
			case err != nil:
				return errWait, "internal-server-error", ""
			}
			s.srv.regLim.add(remote)
			s.srv.Stats.Registrations.Add(1)
			return "", "", ""
		})
	default:
		s.sendError(r, errCancel, "bad-request", "")
	}
}

// registerPostAuth is XEP-0077 for an authenticated user: see the
// registration, change the password, or remove the account.
func (s *Session) registerPostAuth(r reply, child codec.Element) {
	user := s.full.Local()
	switch r.typ {
	case "get":
		b := []byte("<query xmlns='" + nsRegister + "'><registered/>")
		b = codec.AppendTextElement(b, "username", user)
		b = append(b, "</query>"...)
		s.sendResult(r, b)
	case "set":
		if !child.Child("remove", nsRegister).IsZero() {
			s.runStore(r, func() (string, string, string) {
				if err := s.srv.cfg.Store.DeleteUser(user); err != nil && !errors.Is(err, storage.ErrNotFound) {
					return errWait, "internal-server-error", ""
				}
				return "", "", ""
			}, func() {
				// Every stream of the removed account ends (XEP-0077 §3.2).
				var list []*Session
				for _, p := range s.srv.cfg.Router.AppendResources(nil, s.full.Bare()) {
					if o, ok := p.(*Session); ok && o != s {
						list = append(list, o)
					}
				}
				for _, o := range list {
					o.Kick("not-authorized", "account removed")
				}
				s.StreamError("not-authorized", "account removed")
			})
			return
		}
		name := string(childText(child, "username", nsRegister))
		pass := string(childText(child, "password", nsRegister))
		if pass == "" || (name != "" && name != user) {
			s.sendError(r, errModify, "bad-request", "give your own username and a new password")
			return
		}
		s.runStore(r, func() (string, string, string) {
			c1, c256, err := sasl.NewCredentials(pass, s.srv.cfg.ScramIterations)
			if err != nil {
				return errModify, "not-acceptable", "the password is not acceptable"
			}
			if err := s.srv.cfg.Store.SetCredentials(user, storage.ScramKeys(c1), storage.ScramKeys(c256)); err != nil {
				return errWait, "internal-server-error", ""
			}
			return "", "", ""
		})
	default:
		s.sendError(r, errCancel, "bad-request", "")
	}
}

// runStore runs a storage task on a worker while input pauses, then answers
// the iq with a result (and runs after, if any) or with the error the task
// returned.
func (s *Session) runStore(r reply, task func() (errType, cond, text string), after ...func()) {
	s.busy = true
	ok := s.srv.goWork(func() {
		et, cond, text := task()
		s.t.Post(func() {
			s.busy = false
			defer s.t.Resume()
			if cond != "" {
				s.sendError(r, et, cond, text)
				return
			}
			s.sendResult(r, nil)
			for _, fn := range after {
				fn()
			}
		})
	})
	if !ok {
		s.busy = false
		s.sendError(r, errWait, "resource-constraint", "server busy")
	}
}
