package session

import (
	"errors"
	"strconv"
	"time"

	"xmppd/codec"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Iqs the server answers on behalf of an account: vCards (XEP-0054),
// private XML storage (XEP-0049) and last activity (XEP-0012). Own-account
// requests come with no 'to' or the user's bare JID; vCard and last
// activity may also target another user's bare JID.

// userIQ answers a get or set addressed to the bare JID of another user of
// ours (target) or of the user itself; false when nothing here handles it.
func (s *Session) userIQ(r reply, child codec.Element, target jid.JID) bool {
	own := target == s.full.Bare()
	switch {
	case child.Is("vCard", nsVCard):
		s.vcardIQ(r, child, target, own)
	case child.Is("query", nsLast) && r.typ == "get":
		s.lastIQ(r, target, own)
	case child.Is("query", nsPrivate):
		if !own {
			s.sendError(r, errCancel, "forbidden", "private storage is for your own account only")
			return true
		}
		s.privateIQ(r, child)
	default:
		return false
	}
	return true
}

func (s *Session) vcardIQ(r reply, child codec.Element, target jid.JID, own bool) {
	store := s.srv.cfg.Store
	user := target.Local()
	switch r.typ {
	case "get":
		s.work(func() func() {
			raw, err := store.VCard(user)
			if errors.Is(err, storage.ErrNotFound) {
				if _, uerr := store.User(user); uerr == nil {
					raw, err = []byte("<vCard xmlns='"+nsVCard+"'/>"), nil
				}
			}
			return func() {
				switch {
				case errors.Is(err, storage.ErrNotFound):
					s.sendError(r, errCancel, "service-unavailable", "")
				case err != nil:
					s.sendError(r, errWait, "internal-server-error", "")
				default:
					s.sendResult(r, raw)
				}
			}
		}, r)
	case "set":
		if !own {
			s.sendError(r, errCancel, "forbidden", "you may only publish your own vCard")
			return
		}
		raw := child.Copy()
		s.work(func() func() {
			err := store.SetVCard(user, raw)
			return func() {
				if err != nil {
					s.sendError(r, errWait, "internal-server-error", "")
					return
				}
				s.sendResult(r, nil)
			}
		}, r)
	}
}

func (s *Session) privateIQ(r reply, child codec.Element) {
	store := s.srv.cfg.Store
	user := s.full.Local()
	var elems [][]byte
	var nss []string
	for c := range child.Children() {
		ns := string(c.NS())
		if ns == "" || ns == NSClient || ns == "jabber:server" || ns == nsPrivate {
			s.sendError(r, errModify, "not-acceptable", "private data needs a namespace of its own")
			return
		}
		nss = append(nss, ns)
		elems = append(elems, c.Copy())
	}
	if len(nss) == 0 || (r.typ == "get" && len(nss) != 1) {
		s.sendError(r, errModify, "bad-request", "name exactly one namespace to get, at least one to set")
		return
	}
	localName := string(child.FirstChild().QName())
	s.work(func() func() {
		var out []byte
		var err error
		if r.typ == "get" {
			out, err = store.PrivateXML(user, nss[0])
			if errors.Is(err, storage.ErrNotFound) {
				out = codec.AppendEmpty(nil, localName, "xmlns", nss[0])
				err = nil
			}
		} else {
			for i, ns := range nss {
				if err = store.SetPrivateXML(user, ns, elems[i]); err != nil {
					break
				}
			}
		}
		return func() {
			if err != nil {
				s.sendError(r, errWait, "internal-server-error", "")
				return
			}
			if r.typ == "get" {
				b := append([]byte("<query xmlns='"+nsPrivate+"'>"), out...)
				s.sendResult(r, append(b, "</query>"...))
				return
			}
			s.sendResult(r, nil)
		}
	}, r)
}

// lastIQ answers XEP-0012 for a user: 0 seconds while any resource is
// available, else the time since the last one left, to the user and to
// contacts subscribed to the user's presence only.
func (s *Session) lastIQ(r reply, target jid.JID, own bool) {
	store := s.srv.cfg.Store
	asker := s.full.Bare().String()
	srv := s.srv
	s.work(func() func() {
		allowed := own
		if !allowed {
			it, err := store.RosterItem(target.Local(), asker)
			allowed = err == nil && it.Subscription.From()
		}
		if !allowed {
			return func() { s.sendError(r, errAuth, "forbidden", "") }
		}
		if srv.anyAvailable(target) {
			return func() { s.sendResult(r, []byte("<query xmlns='"+nsLast+"' seconds='0'/>")) }
		}
		la, err := store.LastActivity(target.Local())
		return func() {
			if err != nil {
				s.sendError(r, errCancel, "service-unavailable", "")
				return
			}
			secs := int64(srv.cfg.Clock().Sub(la.Time) / time.Second)
			b := []byte("<query xmlns='" + nsLast + "'")
			b = codec.AppendAttr(b, "seconds", strconv.FormatInt(max(secs, 0), 10))
			if la.Status == "" {
				s.sendResult(r, append(b, "/>"...))
				return
			}
			b = append(b, '>')
			b = codec.AppendText(b, la.Status)
			s.sendResult(r, append(b, "</query>"...))
		}
	}, r)
}
