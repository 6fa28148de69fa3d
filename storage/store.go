package storage

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser registers u. It fails with ErrUserExists when the name is
	// taken. A zero Created is set to the store's clock.
	CreateUser(u User) error
	// User returns the account, or ErrNotFound.
	User(name string) (User, error)
	// SetCredentials replaces both SCRAM credential sets (password change).
	SetCredentials(name string, sha1, sha256 ScramKeys) error
	// DeleteUser removes the account and everything it owns in one atomic
	// write, or fails with ErrNotFound.
	DeleteUser(name string) error
	// ListUsers returns up to limit names greater than after, in byte order;
	// pass the last name returned to get the next page. limit <= 0 means no
	// limit.
	ListUsers(after string, limit int) ([]string, error)
	// CountUsers returns the number of accounts.
	CountUsers() (int, error)
}

// RosterStore keeps rosters and their XEP-0237 versions. Every change bumps
// the user's version by one, atomically with the change, and returns the
// new version. Versions start at 0 for a user with no change yet.
type RosterStore interface {
	// RosterItems returns the roster sorted by contact (byte order) and the
	// version it corresponds to, read from one consistent view.
	RosterItems(user string) ([]RosterItem, uint64, error)
	// RosterItem returns one item, or ErrNotFound.
	RosterItem(user, contact string) (RosterItem, error)
	// PutRosterItem inserts or replaces the item of item.Contact in the
	// roster of item.Owner.
	PutRosterItem(item RosterItem) (uint64, error)
	// DeleteRosterItem removes an item; ErrNotFound (and no version bump)
	// when it does not exist.
	DeleteRosterItem(user, contact string) (uint64, error)
	// ReplaceRoster replaces the whole roster with items (their Owner must be
	// user or empty; of duplicate contacts the last wins), bumping the
	// version once.
	ReplaceRoster(user string, items []RosterItem) (uint64, error)
	// RosterVersion returns the current version.
	RosterVersion(user string) (uint64, error)
}

// OfflineStore keeps each user's queue of stanzas received while offline.
type OfflineStore interface {
	// AppendOffline adds raw to the end of the queue and returns its
	// sequence number. With limit > 0 it fails with ErrOfflineFull when the
	// queue already holds limit messages.
	AppendOffline(user string, raw []byte, limit int) (uint64, error)
	// OfflineMessages returns the queue in order.
	OfflineMessages(user string) ([]OfflineMessage, error)
	// OfflineCount returns the queue's length.
	OfflineCount(user string) (int, error)
	// DeleteOfflineUpTo removes every message with Seq <= seq, typically
	// after delivering a list of them.
	DeleteOfflineUpTo(user string, seq uint64) error
}

// VCardStore keeps XEP-0054 vCards as raw XML.
type VCardStore interface {
	// VCard returns the stored vCard, or ErrNotFound.
	VCard(user string) ([]byte, error)
	// SetVCard stores raw; an empty raw deletes the vCard.
	SetVCard(user string, raw []byte) error
}

// PrivateStore keeps XEP-0049 private XML: one raw element per namespace.
type PrivateStore interface {
	// PrivateXML returns the element stored under ns, or ErrNotFound.
	PrivateXML(user, ns string) ([]byte, error)
	// SetPrivateXML stores raw under ns; an empty raw deletes it.
	SetPrivateXML(user, ns string, raw []byte) error
}

// BlockStore keeps XEP-0191 block lists: a set of JIDs per user.
type BlockStore interface {
	// BlockList returns the blocked JIDs in byte order.
	BlockList(user string) ([]string, error)
	// IsBlocked reports whether jid is on the list, exactly as stored.
	IsBlocked(user, jid string) (bool, error)
	// Block adds JIDs; adding one already present is not an error.
	Block(user string, jids ...string) error
	// Unblock removes JIDs; removing one absent is not an error.
	Unblock(user string, jids ...string) error
	// UnblockAll empties the list.
	UnblockAll(user string) error
}

// LastActivityStore keeps XEP-0012 last activity of offline users.
type LastActivityStore interface {
	// LastActivity returns the record, or ErrNotFound.
	LastActivity(user string) (LastActivity, error)
	// SetLastActivity replaces the record. Unlike other writes it may be
	// acknowledged before it is durable: a crash may lose the latest
	// record (an approximate XEP-0012 answer), which spares a login and
	// logout storm an fsync per logout.
	SetLastActivity(user string, la LastActivity) error
}

// Store is everything the server persists. The per-concern interfaces are
// what consumers should depend on; Store is what wiring passes around.
type Store interface {
	UserStore
	RosterStore
	OfflineStore
	VCardStore
	PrivateStore
	BlockStore
	LastActivityStore
	// Close finishes pending writes and releases the store; every later
	// call fails with ErrClosed.
	Close() error
}
