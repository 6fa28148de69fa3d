package memstore_test

import (
	"testing"

	"xmppd/storage"
	"xmppd/storage/memstore"
	"xmppd/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storage.Store {
		s := memstore.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
