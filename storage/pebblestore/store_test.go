package pebblestore

import (
	"errors"
	"testing"

	"xmppd/storage"
	"xmppd/storage/storetest"
)

// openTest opens a store in a fresh directory, closed at the end of the test.
func openTest(t testing.TB, o *Options) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			t.Error(err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"defaults", Options{}},
		// No collection window: batches form only while a sync is in flight.
		{"no delay", Options{MaxDelay: -1}},
		// Tiny batches: ops of one caller split over several commits.
		{"batch of 2", Options{MaxBatchOps: 2, MaxDelay: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) storage.Store {
				o := tc.opts
				return openTest(t, &o)
			})
		})
	}
}
