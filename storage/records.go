package storage

import "time"

// OfflineMessage is one stanza held for a user who was offline (XEP-0160).
type OfflineMessage struct {
	// Seq orders the user's queue. It starts at 1 and grows by one per
	// append; DeleteOfflineUpTo removes a prefix of the queue by it.
	Seq uint64
	// Stamp is the store's clock at append, for the XEP-0203 delay element.
	Stamp time.Time
	// Raw is the serialised stanza as the engine stored it.
	Raw []byte
}

// LastActivity is what XEP-0012 reports about an offline user: when the
// last session ended and the status text of its unavailable presence.
type LastActivity struct {
	Time   time.Time
	Status string
}
