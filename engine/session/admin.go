package session

import (
	"errors"
	"fmt"
	"sort"

	"xmppd/codec"
	"xmppd/engine/router"
	"xmppd/engine/sasl"
	"xmppd/internal/jid"
	"xmppd/storage"
)

// Operations for the administration API (the portal provisioning users and
// contact lists over HTTP). Each does what the users themselves would
// cause: roster changes are pushed to the online resources and their
// presence effects happen; a deleted account's streams end. They block on
// storage: call them from HTTP handler goroutines, never from an event loop.

// ErrNoUser is returned for an account that does not exist.
var ErrNoUser = errors.New("session: no such user")

// ErrInvalid wraps every refusal of bad input (a user name, a JID, a
// password, a subscription, a message type).
var ErrInvalid = errors.New("session: invalid input")

// Domain is the first hosted domain (the server's own address).
func (srv *Server) Domain() string { return srv.first.name }

// credentials validates a user name and derives the stored keys for a
// password.
func (srv *Server) credentials(user, password string) (storage.User, error) {
	j, err := srv.userJID(user)
	if err != nil {
		return storage.User{}, err
	}
	c1, c256, err := sasl.NewCredentials(password, srv.cfg.ScramIterations)
	if err != nil {
		return storage.User{}, fmt.Errorf("%w: password not acceptable: %v", ErrInvalid, err)
	}
	return storage.User{Name: j.Local(), SHA1: storage.ScramKeys(c1), SHA256: storage.ScramKeys(c256)}, nil
}

// CreateUser registers an account with a password.
func (srv *Server) CreateUser(user, password string) error {
	u, err := srv.credentials(user, password)
	if err != nil {
		return err
	}
	return srv.cfg.Store.CreateUser(u)
}

// SetPassword replaces an account's credentials.
func (srv *Server) SetPassword(user, password string) error {
	u, err := srv.credentials(user, password)
	if err != nil {
		return err
	}
	err = srv.cfg.Store.SetCredentials(u.Name, u.SHA1, u.SHA256)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNoUser
	}
	return err
}

// DeleteUser removes an account and everything it owns, and ends its
// streams with <not-authorized/>.
func (srv *Server) DeleteUser(user string) error {
	j, err := srv.userJID(user)
	if err != nil {
		return err
	}
	if err := srv.cfg.Store.DeleteUser(j.Local()); errors.Is(err, storage.ErrNotFound) {
		return ErrNoUser
	} else if err != nil {
		return err
	}
	srv.Kick(j.Local(), "", "not-authorized", "account removed")
	return nil
}

// userJID validates a localpart on the first hosted domain.
func (srv *Server) userJID(user string) (jid.JID, error) {
	j, err := jid.New(user, srv.first.name, "")
	if err != nil {
		return jid.JID{}, fmt.Errorf("%w: %q is not a valid user name: %v", ErrInvalid, user, err)
	}
	return j, nil
}

// SessionInfo describes one online resource.
type SessionInfo struct {
	JID       string `json:"jid"`
	Available bool   `json:"available"`
	Priority  int    `json:"priority"`
	Show      string `json:"show,omitempty"`
	Status    string `json:"status,omitempty"`
}

// Sessions lists the resources of user that are online, sorted by JID.
func (srv *Server) Sessions(user string) ([]SessionInfo, error) {
	j, err := srv.userJID(user)
	if err != nil {
		return nil, err
	}
	var out []SessionInfo
	for _, p := range srv.cfg.Router.AppendResources(nil, j) {
		info := SessionInfo{JID: p.JID().String()}
		ok, prio := p.Available()
		info.Available, info.Priority = ok, int(prio)
		if s, isSess := p.(*Session); isSess {
			if lp := s.lastPresence.Load(); lp != nil {
				info.Show, info.Status = presenceText(*lp)
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].JID < out[b].JID })
	return out, nil
}

// presenceText extracts show and status from a presence stanza.
func presenceText(raw []byte) (show, status string) {
	d := codec.NewFragmentDecoder(codec.Limits{}, NSClient)
	if ev, _, err := d.Next(raw); err != nil || ev != codec.EventElement {
		return "", ""
	}
	e := d.Element()
	return string(childText(e, "show", NSClient)), string(childText(e, "status", NSClient))
}

// Kick ends the streams of user (one resource, or all when resource is
// empty) with the given stream error; it returns how many it ended.
func (srv *Server) Kick(user, resource, cond, text string) int {
	j, err := srv.userJID(user)
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range srv.cfg.Router.AppendResources(nil, j) {
		s, ok := p.(*Session)
		if !ok || (resource != "" && s.full.Resource() != resource) {
			continue
		}
		s.Kick(cond, text)
		n++
	}
	return n
}

// OnlineCount is the number of bound sessions.
func (srv *Server) OnlineCount() int { return srv.cfg.Router.Count() }

// SendMessage delivers a message from any address (a portal notification,
// say) to a user of ours or a component, as a stanza arriving from outside
// would be: to the resources online, else to offline storage.
func (srv *Server) SendMessage(from, to, typ, subject, body string) error {
	f, err := jid.Parse(from)
	if err != nil {
		return fmt.Errorf("%w: bad from: %v", ErrInvalid, err)
	}
	t, err := jid.Parse(to)
	if err != nil {
		return fmt.Errorf("%w: bad to: %v", ErrInvalid, err)
	}
	switch typ {
	case "", "normal", "chat", "headline":
	default:
		return fmt.Errorf("%w: message type %q is not one of normal, chat, headline", ErrInvalid, typ)
	}
	b := messageStanza(f, t, typ, subject, body)
	d := codec.NewFragmentDecoder(codec.Limits{}, NSClient)
	if _, _, err := d.Next(b); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if cond := srv.RouteExternal(d.Element()); cond != "" {
		return fmt.Errorf("%w: not delivered: %s", ErrInvalid, cond)
	}
	return nil
}

func messageStanza(from, to jid.JID, typ, subject, body string) []byte {
	b := []byte("<message")
	b = codec.AppendAttr(b, "from", from.String())
	b = codec.AppendAttr(b, "to", to.String())
	if typ != "" {
		b = codec.AppendAttr(b, "type", typ)
	}
	b = codec.AppendAttr(b, "id", "api-"+randomID()[:12])
	b = append(b, '>')
	if subject != "" {
		b = codec.AppendTextElement(b, "subject", subject)
	}
	if body != "" {
		b = codec.AppendTextElement(b, "body", body)
	}
	return append(b, "</message>"...)
}

// Broadcast sends a message to every online session; it returns how many
// took it.
func (srv *Server) Broadcast(from, typ, subject, body string) (int, error) {
	f, err := jid.Parse(from)
	if err != nil {
		return 0, fmt.Errorf("%w: bad from: %v", ErrInvalid, err)
	}
	if typ == "" {
		typ = "headline"
	}
	n := 0
	srv.cfg.Router.Each(func(p router.Session) bool {
		if p.Deliver(messageStanza(f, p.JID(), typ, subject, body)) {
			n++
		}
		return true
	})
	return n, nil
}

// RosterItem is a roster entry as the administration API sees it.
type RosterItem struct {
	JID          string   `json:"jid"`
	Name         string   `json:"name,omitempty"`
	Groups       []string `json:"groups,omitempty"`
	Subscription string   `json:"subscription"`
}

// Roster returns a user's roster and its version.
func (srv *Server) Roster(user string) ([]RosterItem, uint64, error) {
	j, err := srv.userJID(user)
	if err != nil {
		return nil, 0, err
	}
	if _, err := srv.cfg.Store.User(j.Local()); errors.Is(err, storage.ErrNotFound) {
		return nil, 0, ErrNoUser
	}
	items, ver, err := srv.cfg.Store.RosterItems(j.Local())
	if err != nil {
		return nil, 0, err
	}
	out := make([]RosterItem, 0, len(items))
	for i := range items {
		if items[i].Hidden {
			continue
		}
		out = append(out, RosterItem{JID: items[i].Contact, Name: items[i].Name, Groups: items[i].Groups, Subscription: items[i].Subscription.String()})
	}
	return out, ver, nil
}

// mirror gives the subscription the contact holds for a user's
// subscription: to and from swap.
func mirror(s storage.Subscription) storage.Subscription {
	switch s {
	case storage.SubscriptionTo:
		return storage.SubscriptionFrom
	case storage.SubscriptionFrom:
		return storage.SubscriptionTo
	}
	return s
}

func (srv *Server) parseItem(it RosterItem) (jid.JID, storage.Subscription, error) {
	c, err := jid.Parse(it.JID)
	if err != nil || c.Resource() != "" {
		return jid.JID{}, 0, fmt.Errorf("%w: %q is not a bare JID", ErrInvalid, it.JID)
	}
	sub := storage.SubscriptionNone
	if it.Subscription != "" {
		if sub, err = storage.ParseSubscription(it.Subscription); err != nil {
			return jid.JID{}, 0, fmt.Errorf("%w: subscription %q is not none, to, from or both", ErrInvalid, it.Subscription)
		}
	}
	for _, g := range it.Groups {
		if g == "" || len(g) > maxGroupLen {
			return jid.JID{}, 0, fmt.Errorf("%w: group names are 1 to %d bytes", ErrInvalid, maxGroupLen)
		}
	}
	return c, sub, nil
}

// SetRosterItem adds or updates one item of user's roster, as if the user
// had done it and the contact had answered: when the contact is a user of
// ours, the contact's item for user gets the mirrored subscription; both
// sides' online resources get pushes, and presence flows where the new
// subscriptions allow it.
func (srv *Server) SetRosterItem(user string, it RosterItem) error {
	u, err := srv.userJID(user)
	if err != nil {
		return err
	}
	c, sub, err := srv.parseItem(it)
	if err != nil {
		return err
	}
	if _, err := srv.cfg.Store.User(u.Local()); errors.Is(err, storage.ErrNotFound) {
		return ErrNoUser
	}
	if err := srv.putItem(u, storage.RosterItem{Owner: u.Local(), Contact: c.String(), Name: it.Name, Groups: it.Groups, Subscription: sub}); err != nil {
		return err
	}
	if srv.Serves(c.Domain()) && c.Local() != "" {
		if _, err := srv.cfg.Store.User(c.Local()); err == nil {
			other, err := srv.cfg.Store.RosterItem(c.Local(), u.String())
			if errors.Is(err, storage.ErrNotFound) {
				other = storage.RosterItem{Owner: c.Local(), Contact: u.String()}
			} else if err != nil {
				return err
			}
			other.Subscription, other.Ask, other.PendingIn, other.Hidden = mirror(sub), false, false, false
			other.PendingInStanza = nil
			if err := srv.putItem(c, other); err != nil {
				return err
			}
		}
	}
	srv.exchangePresence(u, c, sub)
	return nil
}

// putItem writes an item and pushes it.
func (srv *Server) putItem(owner jid.JID, item storage.RosterItem) error {
	unlock := srv.rosterLock(owner.Local())
	ver, err := srv.cfg.Store.PutRosterItem(item)
	unlock()
	if err != nil {
		return err
	}
	srv.pushRoster(owner, &item, false, ver)
	return nil
}

// exchangePresence sends the current presence across a new subscription:
// the contact's to the user when the user is subscribed to it (to, both),
// the user's to the contact when the contact is subscribed (from, both).
func (srv *Server) exchangePresence(user, contact jid.JID, sub storage.Subscription) {
	if sub.From() {
		srv.presenceOfOwner(user, contact, true)
	}
	if sub.To() && srv.Serves(contact.Domain()) {
		srv.presenceOfOwner(contact, user, true)
	}
}

// DeleteRosterItem removes contact from user's roster, and user from the
// contact's when the contact is a user of ours, with pushes and
// unavailable presence where a subscription ends.
func (srv *Server) DeleteRosterItem(user, contact string) error {
	u, err := srv.userJID(user)
	if err != nil {
		return err
	}
	c, err := jid.Parse(contact)
	if err != nil || c.Resource() != "" {
		return fmt.Errorf("%w: %q is not a bare JID", ErrInvalid, contact)
	}
	it, err := srv.cfg.Store.RosterItem(u.Local(), c.String())
	if errors.Is(err, storage.ErrNotFound) {
		return storage.ErrNotFound
	} else if err != nil {
		return err
	}
	if err := srv.deleteItem(u, c); err != nil {
		return err
	}
	if it.Subscription.From() {
		srv.presenceOfOwner(u, c, false)
	}
	if srv.Serves(c.Domain()) && c.Local() != "" {
		if _, err := srv.cfg.Store.RosterItem(c.Local(), u.String()); err == nil {
			if err := srv.deleteItem(c, u); err != nil {
				return err
			}
			if it.Subscription.To() {
				srv.presenceOfOwner(c, u, false)
			}
		}
	}
	return nil
}

func (srv *Server) deleteItem(owner, contact jid.JID) error {
	unlock := srv.rosterLock(owner.Local())
	ver, err := srv.cfg.Store.DeleteRosterItem(owner.Local(), contact.String())
	unlock()
	if err != nil {
		return err
	}
	srv.pushRoster(owner, &storage.RosterItem{Contact: contact.String()}, true, ver)
	return nil
}

// ReplaceRoster replaces user's whole roster in one write (the portal's
// bulk import). Contacts' rosters are not touched: a portal importing a
// friendship graph imports both sides. Online resources get one push per
// item added or changed and one per item removed.
func (srv *Server) ReplaceRoster(user string, items []RosterItem) (uint64, error) {
	u, err := srv.userJID(user)
	if err != nil {
		return 0, err
	}
	if _, err := srv.cfg.Store.User(u.Local()); errors.Is(err, storage.ErrNotFound) {
		return 0, ErrNoUser
	}
	list := make([]storage.RosterItem, 0, len(items))
	for _, it := range items {
		c, sub, err := srv.parseItem(it)
		if err != nil {
			return 0, err
		}
		list = append(list, storage.RosterItem{Owner: u.Local(), Contact: c.String(), Name: it.Name, Groups: it.Groups, Subscription: sub})
	}
	unlock := srv.rosterLock(u.Local())
	old, _, err := srv.cfg.Store.RosterItems(u.Local())
	var ver uint64
	if err == nil {
		ver, err = srv.cfg.Store.ReplaceRoster(u.Local(), list)
	}
	unlock()
	if err != nil {
		return 0, err
	}
	if !srv.cfg.Router.Online(u) {
		return ver, nil
	}
	kept := make(map[string]bool, len(list))
	for i := range list {
		kept[list[i].Contact] = true
		srv.pushRoster(u, &list[i], false, ver)
	}
	for i := range old {
		if !kept[old[i].Contact] && !old[i].Hidden {
			srv.pushRoster(u, &old[i], true, ver)
		}
	}
	return ver, nil
}

// Stats is a snapshot for the API's /stats.
func (srv *Server) StatsSnapshot() map[string]int64 {
	st := &srv.Stats
	return map[string]int64{
		"online_sessions": int64(srv.OnlineCount()),
		"streams_opened":  st.Streams.Load(),
		"auth_ok":         st.AuthOK.Load(),
		"auth_failed":     st.AuthFailed.Load(),
		"registrations":   st.Registrations.Load(),
		"stanzas_in":      st.StanzaTotal(DirIn),
		"stanzas_out":     st.StanzaTotal(DirOut),
		"stanzas_routed":  st.StanzaTotal(DirRouted),
		"stream_errors":   st.StreamErrors.Load(),
	}
}
