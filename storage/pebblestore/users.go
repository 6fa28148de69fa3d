package pebblestore

import (
	"errors"
	"fmt"

	"xmppd/storage"
)

func (s *Store) CreateUser(u storage.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.Created.IsZero() {
		u.Created = s.now()
	}
	u.Created = storage.NormalizeTime(u.Created)
	key := appendKey(nil, tagUser, u.Name)
	val := appendUser(nil, &u)
	return s.submit(func(tx *txn) error {
		exists, err := tx.has(key)
		if err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("%w: %q", storage.ErrUserExists, u.Name)
		}
		n, err := tx.counter(keyUserCount)
		if err != nil {
			return err
		}
		if err := tx.set(key, val); err != nil {
			return err
		}
		return tx.setCounter(keyUserCount, n+1)
	})
}

func (s *Store) User(name string) (storage.User, error) {
	var u storage.User
	if err := storage.ValidateName(name); err != nil {
		return u, err
	}
	found, err := s.get(appendKey(nil, tagUser, name), func(v []byte) (err error) {
		u, err = decodeUser(name, v)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: user %q", storage.ErrNotFound, name)
	}
	return u, err
}

func (s *Store) SetCredentials(name string, sha1, sha256 storage.ScramKeys) error {
	if err := storage.ValidateName(name); err != nil {
		return err
	}
	if err := storage.ValidateCredentials(sha1, sha256); err != nil {
		return err
	}
	key := appendKey(nil, tagUser, name)
	return s.submit(func(tx *txn) error {
		var u storage.User
		found, err := tx.get(key, func(v []byte) (err error) {
			u, err = decodeUser(name, v)
			return err
		})
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: user %q", storage.ErrNotFound, name)
		}
		u.SHA1, u.SHA256 = sha1, sha256
		tx.val = appendUser(tx.val[:0], &u)
		return tx.set(key, tx.val)
	})
}

// DeleteUser removes the user record and every key under the user's name:
// point deletes for single records, range deletes for collections, all in
// the one batch.
func (s *Store) DeleteUser(name string) error {
	if err := storage.ValidateName(name); err != nil {
		return err
	}
	return s.submit(func(tx *txn) error {
		if err := tx.requireUser(name); err != nil {
			return err
		}
		n, err := tx.counter(keyUserCount)
		if err != nil {
			return err
		}
		for _, tag := range userPointTags {
			tx.key = appendKey(tx.key[:0], tag, name)
			if err := tx.delete(tx.key); err != nil {
				return err
			}
		}
		for _, tag := range userPrefixTags {
			if err := tx.deleteRange(prefixBounds(tag, name)); err != nil {
				return err
			}
		}
		return tx.setCounter(keyUserCount, n-min(n, 1))
	})
}

func (s *Store) ListUsers(after string, limit int) ([]string, error) {
	var names []string
	prefix := len(tagUser) + 1
	err := s.scan(userListLower(after), userListUpper, func(k, _ []byte) error {
		if limit > 0 && len(names) == limit {
			return errStopScan
		}
		names = append(names, string(k[prefix:]))
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	return names, err
}

func (s *Store) CountUsers() (int, error) {
	var n uint64
	_, err := s.get(keyUserCount, func(v []byte) (err error) {
		n, err = decodeCounter(v)
		return err
	})
	return int(n), err
}

// errStopScan ends a scan early; it never leaves the package.
var errStopScan = errors.New("pebblestore: stop scan")
