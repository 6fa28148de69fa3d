package pebblestore

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"xmppd/storage"
)

// txn is what an op sees: the writer's indexed batch, read through so that
// it reflects the database plus every earlier op of the batch. It exists
// only on the writer goroutine.
type txn struct {
	b   *pebble.Batch
	now func() time.Time
	key []byte // scratch for keys built inside ops; Batch.Set copies
	val []byte // scratch for values built inside ops
}

func (t *txn) reset(b *pebble.Batch, now func() time.Time) {
	t.b, t.now = b, now
	t.key, t.val = t.key[:0], t.val[:0]
}

// get calls fn with the value of key, if present, and reports presence. The
// value is only valid during fn.
func (t *txn) get(key []byte, fn func(v []byte) error) (bool, error) {
	v, closer, err := t.b.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pebblestore: read %q: %w", key, err)
	}
	defer closer.Close()
	if fn == nil {
		return true, nil
	}
	return true, fn(v)
}

// has reports whether key is present.
func (t *txn) has(key []byte) (bool, error) { return t.get(key, nil) }

// counter reads a counter value; absent is 0.
func (t *txn) counter(key []byte) (uint64, error) {
	var n uint64
	_, err := t.get(key, func(v []byte) (err error) {
		n, err = decodeCounter(v)
		return err
	})
	return n, err
}

// requireUser fails with storage.ErrNotFound unless user exists. Every write
// to something a user owns checks it here, on the writer, so that no write
// can slip in after DeleteUser and leave orphans for a later registration
// of the same name.
func (t *txn) requireUser(user string) error {
	t.key = appendKey(t.key[:0], tagUser, user)
	ok, err := t.has(t.key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: user %q", storage.ErrNotFound, user)
	}
	return nil
}

// The write methods below return Pebble's error, which for a batch only
// happens on misuse; ops still propagate it.

func (t *txn) set(key, val []byte) error { return t.b.Set(key, val, nil) }

func (t *txn) delete(key []byte) error { return t.b.Delete(key, nil) }

func (t *txn) deleteRange(lower, upper []byte) error { return t.b.DeleteRange(lower, upper, nil) }

func (t *txn) setCounter(key []byte, n uint64) error {
	t.val = appendCounter(t.val[:0], n)
	return t.set(key, t.val)
}
