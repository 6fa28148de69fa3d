// Package memstore is an in-memory storage.Store: maps behind one mutex.
// It is the fake other packages' tests run against, and it passes the same
// conformance suite (storage/storetest) as the Pebble store, so behaviour
// a test relies on here holds in production too. Nothing is durable.
package memstore

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"xmppd/storage"
)

// Store implements storage.Store in memory. The zero value is not usable;
// call New.
type Store struct {
	now func() time.Time

	mu     sync.RWMutex // guards the following fields
	closed bool
	users  map[string]*account
}

// account is everything one user owns, so that deleting the user is
// deleting one map entry.
type account struct {
	user      storage.User
	roster    map[string]storage.RosterItem
	rosterVer uint64
	offline   []storage.OfflineMessage
	nextSeq   uint64 // seq of the next append; seqs never repeat for a user
	vcard     []byte
	private   map[string][]byte
	blocked   map[string]struct{}
	last      storage.LastActivity
	hasLast   bool
}

var _ storage.Store = (*Store)(nil)

// New returns an empty store using the wall clock.
func New() *Store { return NewWithClock(nil) }

// NewWithClock returns an empty store whose clock (for Created and offline
// stamps) is now; nil means time.Now.
func NewWithClock(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, users: map[string]*account{}}
}

// Close makes every later call fail with storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	s.closed = true
	s.users = nil
	return nil
}

// read runs fn under the read lock on an open store.
func (s *Store) read(fn func() error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return fn()
}

// write runs fn under the write lock on an open store.
func (s *Store) write(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	return fn()
}

// writeUser runs fn on the account of user, or fails with ErrNotFound.
func (s *Store) writeUser(user string, fn func(a *account) error) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	return s.write(func() error {
		a := s.users[user]
		if a == nil {
			return notFound("user", user)
		}
		return fn(a)
	})
}

// readUser runs fn on the account of user; a is nil when it does not exist.
func (s *Store) readUser(user string, fn func(a *account) error) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	return s.read(func() error { return fn(s.users[user]) })
}

func notFound(what, name string) error {
	return fmt.Errorf("%w: %s %q", storage.ErrNotFound, what, name)
}

// Users.

func (s *Store) CreateUser(u storage.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	u = u.Clone()
	if u.Created.IsZero() {
		u.Created = s.now()
	}
	u.Created = storage.NormalizeTime(u.Created)
	return s.write(func() error {
		if s.users[u.Name] != nil {
			return fmt.Errorf("%w: %q", storage.ErrUserExists, u.Name)
		}
		s.users[u.Name] = &account{user: u, nextSeq: 1}
		return nil
	})
}

func (s *Store) User(name string) (storage.User, error) {
	var u storage.User
	err := s.readUser(name, func(a *account) error {
		if a == nil {
			return notFound("user", name)
		}
		u = a.user.Clone()
		return nil
	})
	return u, err
}

func (s *Store) SetCredentials(name string, sha1, sha256 storage.ScramKeys) error {
	if err := storage.ValidateCredentials(sha1, sha256); err != nil {
		return err
	}
	sha1, sha256 = sha1.Clone(), sha256.Clone()
	return s.writeUser(name, func(a *account) error {
		a.user.SHA1, a.user.SHA256 = sha1, sha256
		return nil
	})
}

func (s *Store) DeleteUser(name string) error {
	return s.writeUser(name, func(*account) error {
		delete(s.users, name)
		return nil
	})
}

func (s *Store) ListUsers(after string, limit int) ([]string, error) {
	var names []string
	err := s.read(func() error {
		for n := range s.users {
			if n > after {
				names = append(names, n)
			}
		}
		return nil
	})
	slices.Sort(names)
	if limit > 0 && len(names) > limit {
		names = names[:limit:limit]
	}
	return names, err
}

func (s *Store) CountUsers() (int, error) {
	var n int
	err := s.read(func() error { n = len(s.users); return nil })
	return n, err
}

// Rosters.

func (s *Store) RosterItems(user string) ([]storage.RosterItem, uint64, error) {
	var (
		items []storage.RosterItem
		ver   uint64
	)
	err := s.readUser(user, func(a *account) error {
		if a == nil {
			return nil
		}
		ver = a.rosterVer
		items = make([]storage.RosterItem, 0, len(a.roster))
		for _, it := range a.roster {
			items = append(items, it.Clone())
		}
		return nil
	})
	slices.SortFunc(items, func(x, y storage.RosterItem) int { return strings.Compare(x.Contact, y.Contact) })
	return items, ver, err
}

func (s *Store) RosterItem(user, contact string) (storage.RosterItem, error) {
	var it storage.RosterItem
	if err := storage.ValidateJID(contact); err != nil {
		return it, err
	}
	err := s.readUser(user, func(a *account) error {
		got, ok := storage.RosterItem{}, false
		if a != nil {
			got, ok = a.roster[contact]
		}
		if !ok {
			return notFound("roster item", contact)
		}
		it = got.Clone()
		return nil
	})
	return it, err
}

func (s *Store) PutRosterItem(item storage.RosterItem) (uint64, error) {
	if err := storage.ValidateName(item.Owner); err != nil {
		return 0, err
	}
	if err := item.Validate(); err != nil {
		return 0, err
	}
	item = item.Clone()
	var ver uint64
	err := s.writeUser(item.Owner, func(a *account) error {
		if a.roster == nil {
			a.roster = map[string]storage.RosterItem{}
		}
		a.roster[item.Contact] = item
		a.rosterVer++
		ver = a.rosterVer
		return nil
	})
	return ver, err
}

func (s *Store) DeleteRosterItem(user, contact string) (uint64, error) {
	if err := storage.ValidateJID(contact); err != nil {
		return 0, err
	}
	var ver uint64
	err := s.writeUser(user, func(a *account) error {
		if _, ok := a.roster[contact]; !ok {
			return notFound("roster item", contact)
		}
		delete(a.roster, contact)
		a.rosterVer++
		ver = a.rosterVer
		return nil
	})
	return ver, err
}

func (s *Store) ReplaceRoster(user string, items []storage.RosterItem) (uint64, error) {
	roster := make(map[string]storage.RosterItem, len(items))
	for _, it := range items {
		if it.Owner != "" && it.Owner != user {
			return 0, fmt.Errorf("%w: item of %q in roster of %q", storage.ErrInvalid, it.Owner, user)
		}
		if err := it.Validate(); err != nil {
			return 0, err
		}
		it = it.Clone()
		it.Owner = user
		roster[it.Contact] = it
	}
	var ver uint64
	err := s.writeUser(user, func(a *account) error {
		a.roster = roster
		a.rosterVer++
		ver = a.rosterVer
		return nil
	})
	return ver, err
}

func (s *Store) RosterVersion(user string) (uint64, error) {
	var ver uint64
	err := s.readUser(user, func(a *account) error {
		if a != nil {
			ver = a.rosterVer
		}
		return nil
	})
	return ver, err
}

// Offline queue.

func (s *Store) AppendOffline(user string, raw []byte, limit int) (uint64, error) {
	msg := storage.OfflineMessage{Stamp: storage.NormalizeTime(s.now()), Raw: bytes.Clone(raw)}
	err := s.writeUser(user, func(a *account) error {
		if limit > 0 && len(a.offline) >= limit {
			return fmt.Errorf("%w: %q holds %d", storage.ErrOfflineFull, user, len(a.offline))
		}
		msg.Seq = a.nextSeq
		a.nextSeq++
		a.offline = append(a.offline, msg)
		return nil
	})
	return msg.Seq, err
}

func (s *Store) OfflineMessages(user string) ([]storage.OfflineMessage, error) {
	var msgs []storage.OfflineMessage
	err := s.readUser(user, func(a *account) error {
		if a == nil {
			return nil
		}
		msgs = make([]storage.OfflineMessage, len(a.offline))
		for i, m := range a.offline {
			m.Raw = bytes.Clone(m.Raw)
			msgs[i] = m
		}
		return nil
	})
	return msgs, err
}

func (s *Store) OfflineCount(user string) (int, error) {
	var n int
	err := s.readUser(user, func(a *account) error {
		if a != nil {
			n = len(a.offline)
		}
		return nil
	})
	return n, err
}

func (s *Store) DeleteOfflineUpTo(user string, seq uint64) error {
	return s.writeUser(user, func(a *account) error {
		i := 0
		for i < len(a.offline) && a.offline[i].Seq <= seq {
			i++
		}
		a.offline = slices.Delete(a.offline, 0, i)
		return nil
	})
}

// vCards and private XML.

func (s *Store) VCard(user string) ([]byte, error) {
	var raw []byte
	err := s.readUser(user, func(a *account) error {
		if a == nil || a.vcard == nil {
			return notFound("vCard of", user)
		}
		raw = bytes.Clone(a.vcard)
		return nil
	})
	return raw, err
}

func (s *Store) SetVCard(user string, raw []byte) error {
	raw = cloneOrNil(raw)
	return s.writeUser(user, func(a *account) error {
		a.vcard = raw
		return nil
	})
}

func (s *Store) PrivateXML(user, ns string) ([]byte, error) {
	if err := storage.ValidateNamespace(ns); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.readUser(user, func(a *account) error {
		var ok bool
		if a != nil {
			raw, ok = a.private[ns]
		}
		if !ok {
			return notFound("private XML", ns)
		}
		raw = bytes.Clone(raw)
		return nil
	})
	return raw, err
}

func (s *Store) SetPrivateXML(user, ns string, raw []byte) error {
	if err := storage.ValidateNamespace(ns); err != nil {
		return err
	}
	raw = cloneOrNil(raw)
	return s.writeUser(user, func(a *account) error {
		if raw == nil {
			delete(a.private, ns)
			return nil
		}
		if a.private == nil {
			a.private = map[string][]byte{}
		}
		a.private[ns] = raw
		return nil
	})
}

// Block lists.

func (s *Store) BlockList(user string) ([]string, error) {
	var jids []string
	err := s.readUser(user, func(a *account) error {
		if a == nil {
			return nil
		}
		for j := range a.blocked {
			jids = append(jids, j)
		}
		return nil
	})
	slices.Sort(jids)
	return jids, err
}

func (s *Store) IsBlocked(user, jid string) (bool, error) {
	if err := storage.ValidateJID(jid); err != nil {
		return false, err
	}
	var ok bool
	err := s.readUser(user, func(a *account) error {
		if a != nil {
			_, ok = a.blocked[jid]
		}
		return nil
	})
	return ok, err
}

func (s *Store) Block(user string, jids ...string) error {
	if err := validateJIDs(jids); err != nil {
		return err
	}
	return s.writeUser(user, func(a *account) error {
		if a.blocked == nil {
			a.blocked = map[string]struct{}{}
		}
		for _, j := range jids {
			a.blocked[j] = struct{}{}
		}
		return nil
	})
}

func (s *Store) Unblock(user string, jids ...string) error {
	if err := validateJIDs(jids); err != nil {
		return err
	}
	return s.writeUser(user, func(a *account) error {
		for _, j := range jids {
			delete(a.blocked, j)
		}
		return nil
	})
}

func (s *Store) UnblockAll(user string) error {
	return s.writeUser(user, func(a *account) error {
		a.blocked = nil
		return nil
	})
}

// Last activity.

func (s *Store) LastActivity(user string) (storage.LastActivity, error) {
	var la storage.LastActivity
	err := s.readUser(user, func(a *account) error {
		if a == nil || !a.hasLast {
			return notFound("last activity of", user)
		}
		la = a.last
		return nil
	})
	return la, err
}

func (s *Store) SetLastActivity(user string, la storage.LastActivity) error {
	la.Time = storage.NormalizeTime(la.Time)
	return s.writeUser(user, func(a *account) error {
		a.last, a.hasLast = la, true
		return nil
	})
}

func validateJIDs(jids []string) error {
	for _, j := range jids {
		if err := storage.ValidateJID(j); err != nil {
			return err
		}
	}
	return nil
}

func cloneOrNil(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}
