package pebblestore

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
)

// RosterItems reads the roster with one prefix scan, then the version with
// the same iterator re-bounded: an iterator keeps its view across SetBounds,
// so items and version are consistent.
func (s *Store) RosterItems(user string) ([]storage.RosterItem, uint64, error) {
	if err := storage.ValidateName(user); err != nil {
		return nil, 0, err
	}
	lower, upper := prefixBounds(tagRoster, user)
	var (
		items []storage.RosterItem
		ver   uint64
		rd    rosterDecoder
	)
	err := s.view(func(db *pebble.DB) error {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return fmt.Errorf("pebblestore: roster scan: %w", err)
		}
		err = iterate(it, func(k, v []byte) error {
			items = append(items, storage.RosterItem{})
			return rd.decode(user, k[len(lower):], v, &items[len(items)-1])
		})
		if err == nil {
			err = it.Error()
		}
		if err == nil {
			vk := appendKey(nil, tagRosterVer, user)
			it.SetBounds(vk, append(vk[:len(vk):len(vk)], 0))
			if it.First() {
				var v []byte
				if v, err = it.ValueAndErr(); err == nil {
					ver, err = decodeCounter(v)
				}
			}
		}
		return closeIter(it, err)
	})
	if err != nil {
		return nil, 0, err
	}
	return items, ver, nil
}

func (s *Store) RosterItem(user, contact string) (storage.RosterItem, error) {
	var item storage.RosterItem
	if err := storage.ValidateName(user); err != nil {
		return item, err
	}
	if err := storage.ValidateJID(contact); err != nil {
		return item, err
	}
	var rd rosterDecoder
	found, err := s.get(appendSubKey(nil, tagRoster, user, contact), func(v []byte) error {
		return rd.decode(user, []byte(contact), v, &item)
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: roster item %q of %q", storage.ErrNotFound, contact, user)
	}
	return item, err
}

func (s *Store) PutRosterItem(item storage.RosterItem) (uint64, error) {
	if err := storage.ValidateName(item.Owner); err != nil {
		return 0, err
	}
	if err := item.Validate(); err != nil {
		return 0, err
	}
	key := appendSubKey(nil, tagRoster, item.Owner, item.Contact)
	val := appendRosterItem(nil, &item)
	verKey := appendKey(nil, tagRosterVer, item.Owner)
	var ver uint64
	err := s.submit(func(tx *txn) error {
		if err := tx.requireUser(item.Owner); err != nil {
			return err
		}
		v, err := tx.counter(verKey)
		if err != nil {
			return err
		}
		if err := tx.set(key, val); err != nil {
			return err
		}
		ver = v + 1
		return tx.setCounter(verKey, ver)
	})
	return ver, err
}

func (s *Store) DeleteRosterItem(user, contact string) (uint64, error) {
	if err := storage.ValidateName(user); err != nil {
		return 0, err
	}
	if err := storage.ValidateJID(contact); err != nil {
		return 0, err
	}
	key := appendSubKey(nil, tagRoster, user, contact)
	verKey := appendKey(nil, tagRosterVer, user)
	var ver uint64
	err := s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		found, err := tx.has(key)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: roster item %q of %q", storage.ErrNotFound, contact, user)
		}
		v, err := tx.counter(verKey)
		if err != nil {
			return err
		}
		if err := tx.delete(key); err != nil {
			return err
		}
		ver = v + 1
		return tx.setCounter(verKey, ver)
	})
	return ver, err
}

// ReplaceRoster encodes every item on the caller's goroutine; the writer only
// range-deletes the old roster and copies the new one into the batch.
// Later sets in a batch shadow an earlier range delete.
func (s *Store) ReplaceRoster(user string, items []storage.RosterItem) (uint64, error) {
	if err := storage.ValidateName(user); err != nil {
		return 0, err
	}
	var buf []byte
	offs := make([][2]int, 0, len(items)) // end of key, end of value in buf
	for i := range items {
		it := &items[i]
		if it.Owner != "" && it.Owner != user {
			return 0, fmt.Errorf("%w: item of %q in roster of %q", storage.ErrInvalid, it.Owner, user)
		}
		if err := it.Validate(); err != nil {
			return 0, err
		}
		buf = appendSubKey(buf, tagRoster, user, it.Contact)
		ke := len(buf)
		buf = appendRosterItem(buf, it)
		offs = append(offs, [2]int{ke, len(buf)})
	}
	lower, upper := prefixBounds(tagRoster, user)
	verKey := appendKey(nil, tagRosterVer, user)
	var ver uint64
	err := s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		v, err := tx.counter(verKey)
		if err != nil {
			return err
		}
		if err := tx.deleteRange(lower, upper); err != nil {
			return err
		}
		start := 0
		for _, o := range offs {
			if err := tx.set(buf[start:o[0]], buf[o[0]:o[1]]); err != nil {
				return err
			}
			start = o[1]
		}
		ver = v + 1
		return tx.setCounter(verKey, ver)
	})
	return ver, err
}

func (s *Store) RosterVersion(user string) (uint64, error) {
	if err := storage.ValidateName(user); err != nil {
		return 0, err
	}
	var ver uint64
	_, err := s.get(appendKey(nil, tagRosterVer, user), func(v []byte) (err error) {
		ver, err = decodeCounter(v)
		return err
	})
	return ver, err
}
