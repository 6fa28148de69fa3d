package pebblestore

import "encoding/binary"

// Key layout. Every key starts with a short tag and a NUL, then the user
// name; records with several per user add NUL and a second component. Names
// never contain NUL (storage.ValidateName), so "<tag>\x00<user>\x00" is a
// prefix that no other user's keys share, and "<tag>\x00<user>\x01" is its
// exclusive upper bound.
//
//	u\x00<user>                  user record
//	r\x00<user>\x00<contact>     roster item
//	rv\x00<user>                 roster version (XEP-0237)
//	o\x00<user>\x00<seq:8 BE>    offline message; big-endian so keys sort by seq
//	om\x00<user>                 offline queue bounds: head and next seq
//	v\x00<user>                  vCard
//	p\x00<user>\x00<ns>          private XML
//	b\x00<user>\x00<jid>         blocked JID (value is only the format byte)
//	la\x00<user>                 last activity
//	m\x00schema                  key layout version of the database
//	m\x00users                   number of user records
const (
	tagUser         = "u"
	tagRoster       = "r"
	tagRosterVer    = "rv"
	tagOffline      = "o"
	tagOfflineMeta  = "om"
	tagVCard        = "v"
	tagPrivate      = "p"
	tagBlock        = "b"
	tagLastActivity = "la"
	tagMeta         = "m"
)

// Per-user tags, in one place so DeleteUser cannot miss one.
var (
	userPointTags  = []string{tagUser, tagRosterVer, tagOfflineMeta, tagVCard, tagLastActivity}
	userPrefixTags = []string{tagRoster, tagOffline, tagPrivate, tagBlock}
)

var (
	keySchema    = []byte(tagMeta + "\x00schema")
	keyUserCount = []byte(tagMeta + "\x00users")
)

// appendKey appends "<tag>\x00<user>".
func appendKey(dst []byte, tag, user string) []byte {
	dst = append(dst, tag...)
	dst = append(dst, 0)
	return append(dst, user...)
}

// appendSubKey appends "<tag>\x00<user>\x00<sub>".
func appendSubKey(dst []byte, tag, user, sub string) []byte {
	dst = appendKey(dst, tag, user)
	dst = append(dst, 0)
	return append(dst, sub...)
}

// appendOfflineKey appends the key of message seq of user.
func appendOfflineKey(dst []byte, user string, seq uint64) []byte {
	dst = appendKey(dst, tagOffline, user)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// prefixBounds returns [lower, upper) covering every "<tag>\x00<user>\x00…"
// key, in one allocation.
func prefixBounds(tag, user string) (lower, upper []byte) {
	n := len(tag) + 1 + len(user) + 1
	b := make([]byte, 0, 2*n)
	b = appendKey(b, tag, user)
	b = append(b, 0)
	b = appendKey(b, tag, user)
	b = append(b, 1)
	return b[:n:n], b[n:]
}

// userListLower returns the smallest user key after name: name followed by
// NUL is name's immediate successor in byte order.
func userListLower(after string) []byte {
	if after == "" {
		return []byte(tagUser + "\x00")
	}
	return append(appendKey(nil, tagUser, after), 0)
}

var userListUpper = []byte(tagUser + "\x01")
