package pebblestore

import (
	"fmt"

	"xmppd/storage"
)

// vCards and private XML: one raw value per key; an empty value deletes.

func (s *Store) VCard(user string) ([]byte, error) {
	if err := storage.ValidateName(user); err != nil {
		return nil, err
	}
	return s.getRaw(appendKey(nil, tagVCard, user), "vCard", user)
}

func (s *Store) SetVCard(user string, raw []byte) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	return s.setRaw(user, appendKey(nil, tagVCard, user), raw)
}

func (s *Store) PrivateXML(user, ns string) ([]byte, error) {
	if err := storage.ValidateName(user); err != nil {
		return nil, err
	}
	if err := storage.ValidateNamespace(ns); err != nil {
		return nil, err
	}
	return s.getRaw(appendSubKey(nil, tagPrivate, user, ns), "private XML "+ns, user)
}

func (s *Store) SetPrivateXML(user, ns string, raw []byte) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	if err := storage.ValidateNamespace(ns); err != nil {
		return err
	}
	return s.setRaw(user, appendSubKey(nil, tagPrivate, user, ns), raw)
}

func (s *Store) getRaw(key []byte, what, user string) ([]byte, error) {
	var out []byte
	found, err := s.get(key, func(v []byte) error {
		raw, err := decodeRaw(v)
		out = append([]byte(nil), raw...)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: %s of %q", storage.ErrNotFound, what, user)
	}
	return out, err
}

func (s *Store) setRaw(user string, key, raw []byte) error {
	var val []byte
	if len(raw) > 0 {
		val = appendRaw(nil, raw)
	}
	return s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		if val == nil {
			return tx.delete(key)
		}
		return tx.set(key, val)
	})
}

// Block lists: one key per blocked JID; the JID is the key's last component.

var blockedValue = []byte{formatV1}

func (s *Store) BlockList(user string) ([]string, error) {
	if err := storage.ValidateName(user); err != nil {
		return nil, err
	}
	lower, upper := prefixBounds(tagBlock, user)
	var jids []string
	err := s.scan(lower, upper, func(k, _ []byte) error {
		jids = append(jids, string(k[len(lower):]))
		return nil
	})
	return jids, err
}

func (s *Store) IsBlocked(user, jid string) (bool, error) {
	if err := storage.ValidateName(user); err != nil {
		return false, err
	}
	if err := storage.ValidateJID(jid); err != nil {
		return false, err
	}
	return s.get(appendSubKey(nil, tagBlock, user, jid), func([]byte) error { return nil })
}

func (s *Store) Block(user string, jids ...string) error {
	return s.blockOp(user, jids, func(tx *txn, key []byte) error { return tx.set(key, blockedValue) })
}

func (s *Store) Unblock(user string, jids ...string) error {
	return s.blockOp(user, jids, func(tx *txn, key []byte) error { return tx.delete(key) })
}

func (s *Store) blockOp(user string, jids []string, apply func(tx *txn, key []byte) error) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	for _, j := range jids {
		if err := storage.ValidateJID(j); err != nil {
			return err
		}
	}
	jids = append([]string(nil), jids...) // the caller may reuse its slice
	return s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		for _, j := range jids {
			tx.key = appendSubKey(tx.key[:0], tagBlock, user, j)
			if err := apply(tx, tx.key); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) UnblockAll(user string) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	lower, upper := prefixBounds(tagBlock, user)
	return s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		return tx.deleteRange(lower, upper)
	})
}

// Last activity.

func (s *Store) LastActivity(user string) (storage.LastActivity, error) {
	var la storage.LastActivity
	if err := storage.ValidateName(user); err != nil {
		return la, err
	}
	found, err := s.get(appendKey(nil, tagLastActivity, user), func(v []byte) (err error) {
		la, err = decodeLastActivity(v)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: last activity of %q", storage.ErrNotFound, user)
	}
	return la, err
}

func (s *Store) SetLastActivity(user string, la storage.LastActivity) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	la.Time = storage.NormalizeTime(la.Time)
	key := appendKey(nil, tagLastActivity, user)
	val := appendLastActivity(nil, &la)
	// Lazy: a crash may lose the latest last-activity time, which costs an
	// approximate answer to XEP-0012; an fsync at every logout would cost
	// a login storm a quarter of its CPU.
	return s.submitLazy(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		return tx.set(key, val)
	})
}
