package pebblestore

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
)

// The offline queue of a user holds exactly the seqs [head, next), recorded
// in its meta key: appends take next, DeleteOfflineUpTo advances head. So the
// count is next-head without a scan, and a scan starts at head, stepping over
// none of the tombstones that draining leaves behind (the classic
// queue-in-an-LSM pitfall). Seqs never repeat for a user while it exists.

const firstSeq = 1

// offlineMeta reads the queue bounds through the batch.
func (t *txn) offlineMeta(key []byte) (head, next uint64, err error) {
	head, next = firstSeq, firstSeq
	_, err = t.get(key, func(v []byte) (err error) {
		head, next, err = decodeOfflineMeta(v)
		return err
	})
	return head, next, err
}

func (s *Store) AppendOffline(user string, raw []byte, limit int) (uint64, error) {
	if err := storage.ValidateName(user); err != nil {
		return 0, err
	}
	val := appendOfflineMessage(nil, storage.NormalizeTime(s.now()), raw)
	metaKey := appendKey(nil, tagOfflineMeta, user)
	var seq uint64
	err := s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		head, next, err := tx.offlineMeta(metaKey)
		if err != nil {
			return err
		}
		if limit > 0 && next-head >= uint64(limit) {
			return fmt.Errorf("%w: %q holds %d", storage.ErrOfflineFull, user, next-head)
		}
		tx.key = appendOfflineKey(tx.key[:0], user, next)
		if err := tx.set(tx.key, val); err != nil {
			return err
		}
		seq = next
		tx.val = appendOfflineMeta(tx.val[:0], head, next+1)
		return tx.set(metaKey, tx.val)
	})
	return seq, err
}

// OfflineMessages reads the bounds, then re-bounds the same iterator (same
// view) to [head, next).
func (s *Store) OfflineMessages(user string) ([]storage.OfflineMessage, error) {
	if err := storage.ValidateName(user); err != nil {
		return nil, err
	}
	metaKey := appendKey(nil, tagOfflineMeta, user)
	var msgs []storage.OfflineMessage
	err := s.view(func(db *pebble.DB) error {
		it, err := db.NewIter(&pebble.IterOptions{LowerBound: metaKey, UpperBound: append(metaKey[:len(metaKey):len(metaKey)], 0)})
		if err != nil {
			return fmt.Errorf("pebblestore: offline scan: %w", err)
		}
		if !it.First() {
			return closeIter(it, nil) // no queue, or an iterator error
		}
		v, err := it.ValueAndErr()
		var head, next uint64
		if err == nil {
			head, next, err = decodeOfflineMeta(v)
		}
		if err != nil || head == next {
			return closeIter(it, err)
		}
		_, upper := prefixBounds(tagOffline, user)
		it.SetBounds(appendOfflineKey(nil, user, head), upper)
		prefix := len(upper)
		msgs = make([]storage.OfflineMessage, 0, next-head)
		err = iterate(it, func(k, v []byte) error {
			if len(k) != prefix+8 {
				return fmt.Errorf("%w: offline key %q", storage.ErrCorrupt, k)
			}
			stamp, raw, err := decodeOfflineMessage(v)
			if err != nil {
				return fmt.Errorf("offline message of %q: %w", user, err)
			}
			msgs = append(msgs, storage.OfflineMessage{
				Seq:   binary.BigEndian.Uint64(k[prefix:]),
				Stamp: stamp,
				Raw:   append([]byte(nil), raw...),
			})
			return nil
		})
		return closeIter(it, err)
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

func (s *Store) OfflineCount(user string) (int, error) {
	if err := storage.ValidateName(user); err != nil {
		return 0, err
	}
	var n uint64
	_, err := s.get(appendKey(nil, tagOfflineMeta, user), func(v []byte) error {
		head, next, err := decodeOfflineMeta(v)
		n = next - head
		return err
	})
	return int(n), err
}

func (s *Store) DeleteOfflineUpTo(user string, seq uint64) error {
	if err := storage.ValidateName(user); err != nil {
		return err
	}
	metaKey := appendKey(nil, tagOfflineMeta, user)
	return s.submit(func(tx *txn) error {
		if err := tx.requireUser(user); err != nil {
			return err
		}
		head, next, err := tx.offlineMeta(metaKey)
		if err != nil {
			return err
		}
		if seq < head || head == next {
			return nil
		}
		end := min(seq, next-1) + 1
		tx.key = appendOfflineKey(tx.key[:0], user, head)
		tx.val = appendOfflineKey(tx.val[:0], user, end)
		if err := tx.deleteRange(tx.key, tx.val); err != nil {
			return err
		}
		tx.val = appendOfflineMeta(tx.val[:0], end, next)
		return tx.set(metaKey, tx.val)
	})
}
