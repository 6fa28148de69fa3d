package pebblestore

import (
	"encoding/binary"
	"fmt"
	"time"

	"xmppd/storage"
)

// Value encoding. Every value starts with a format byte so a record's layout
// can change without rewriting the database: a decoder accepts the versions
// it knows and reports storage.ErrCorrupt for anything else. After it come
// uvarints, zigzag varints and length-prefixed byte strings
// (encoding/binary). Decoders never panic on malformed input, and accept
// only minimal varints, so every record has exactly one encoding.
//
//	user          v1 | time | scram(SHA-1) | scram(SHA-256)
//	  scram       uvarint iterations | bytes salt | bytes storedKey | bytes serverKey
//	  time        varint unix seconds | uvarint nanoseconds
//	roster item   v1 | flags | bytes name | uvarint n | n × bytes group | bytes pendingInStanza
//	  flags       bits 0-1 subscription, 2 ask, 3 approved, 4 pendingIn, 5 hidden
//	roster ver    v1 | uvarint version
//	offline msg   v1 | time | raw stanza (rest of the value)
//	offline meta  v1 | uvarint head | uvarint next   (the queue holds [head, next))
//	vCard, private v1 | raw (rest)
//	blocked JID   v1
//	last activity v1 | time | status (rest)
//	counter       v1 | uvarint
const formatV1 = 1

const (
	flagSubMask   = 0x03
	flagAsk       = 1 << 2
	flagApproved  = 1 << 3
	flagPendingIn = 1 << 4
	flagHidden    = 1 << 5
	flagKnown     = flagSubMask | flagAsk | flagApproved | flagPendingIn | flagHidden
)

// schemaVersion is the key layout this package reads and writes.
const schemaVersion = 1

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

func appendScram(dst []byte, k *storage.ScramKeys) []byte {
	dst = binary.AppendUvarint(dst, uint64(k.Iterations))
	dst = appendBytes(dst, k.Salt)
	dst = appendBytes(dst, k.StoredKey)
	return appendBytes(dst, k.ServerKey)
}

func appendUser(dst []byte, u *storage.User) []byte {
	dst = append(dst, formatV1)
	dst = appendTime(dst, u.Created)
	dst = appendScram(dst, &u.SHA1)
	return appendScram(dst, &u.SHA256)
}

func appendRosterItem(dst []byte, it *storage.RosterItem) []byte {
	flags := byte(it.Subscription) & flagSubMask
	if it.Ask {
		flags |= flagAsk
	}
	if it.Approved {
		flags |= flagApproved
	}
	if it.PendingIn {
		flags |= flagPendingIn
	}
	if it.Hidden {
		flags |= flagHidden
	}
	dst = append(dst, formatV1, flags)
	dst = appendString(dst, it.Name)
	dst = binary.AppendUvarint(dst, uint64(len(it.Groups)))
	for _, g := range it.Groups {
		dst = appendString(dst, g)
	}
	return appendBytes(dst, it.PendingInStanza)
}

func appendCounter(dst []byte, n uint64) []byte {
	return binary.AppendUvarint(append(dst, formatV1), n)
}

func appendOfflineMeta(dst []byte, head, next uint64) []byte {
	dst = binary.AppendUvarint(append(dst, formatV1), head)
	return binary.AppendUvarint(dst, next)
}

func appendOfflineMessage(dst []byte, stamp time.Time, raw []byte) []byte {
	return append(appendTime(append(dst, formatV1), stamp), raw...)
}

func appendRaw(dst, raw []byte) []byte {
	return append(append(dst, formatV1), raw...)
}

func appendLastActivity(dst []byte, la *storage.LastActivity) []byte {
	return append(appendTime(append(dst, formatV1), la.Time), la.Status...)
}

// decoder reads one value. The first failure sticks; check err once at the
// end. Offsets (pos) let callers carve strings out of one allocation.
type decoder struct {
	b   []byte
	pos int
	err error
}

func newDecoder(what string, v []byte) decoder {
	d := decoder{b: v}
	if len(v) == 0 || v[0] != formatV1 {
		d.fail(what)
		return d
	}
	d.pos = 1
	return d
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at offset %d", storage.ErrCorrupt, what, d.pos)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || d.pos >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 || (n > 1 && d.b[d.pos+n-1] == 0) { // overflow, truncated or not minimal
		d.fail("bad uvarint")
		return 0
	}
	d.pos += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.pos:])
	if n <= 0 || (n > 1 && d.b[d.pos+n-1] == 0) {
		d.fail("bad varint")
		return 0
	}
	d.pos += n
	return v
}

// span skips a length-prefixed string and returns its [start, end).
func (d *decoder) span() (int, int) {
	n := d.uvarint()
	if d.err != nil {
		return d.pos, d.pos
	}
	if n > uint64(len(d.b)-d.pos) {
		d.fail("length past end")
		return d.pos, d.pos
	}
	start := d.pos
	d.pos += int(n)
	return start, d.pos
}

// bytes returns a copy of a length-prefixed string, nil when empty.
func (d *decoder) bytes() []byte {
	s, e := d.span()
	if s == e {
		return nil
	}
	return append([]byte(nil), d.b[s:e]...)
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail("bad nanoseconds")
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec)).UTC()
	if t.IsZero() {
		return time.Time{}
	}
	return t
}

// rest returns the undecoded remainder (borrowed).
func (d *decoder) rest() []byte {
	if d.err != nil {
		return nil
	}
	r := d.b[d.pos:]
	d.pos = len(d.b)
	return r
}

func (d *decoder) done() error {
	if d.err == nil && d.pos != len(d.b) {
		d.fail("trailing bytes")
	}
	return d.err
}

func (d *decoder) scram() storage.ScramKeys {
	var k storage.ScramKeys
	it := d.uvarint()
	if it > 1<<31-1 {
		d.fail("iteration count")
	}
	k.Iterations = int(it)
	k.Salt = d.bytes()
	k.StoredKey = d.bytes()
	k.ServerKey = d.bytes()
	return k
}

func decodeUser(name string, v []byte) (storage.User, error) {
	d := newDecoder("user format", v)
	u := storage.User{Name: name}
	u.Created = d.time()
	u.SHA1 = d.scram()
	u.SHA256 = d.scram()
	if err := d.done(); err != nil {
		return storage.User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

func decodeCounter(v []byte) (uint64, error) {
	d := newDecoder("counter format", v)
	n := d.uvarint()
	return n, d.done()
}

func decodeOfflineMeta(v []byte) (head, next uint64, err error) {
	d := newDecoder("offline meta format", v)
	head, next = d.uvarint(), d.uvarint()
	if d.err == nil && (head == 0 || head > next) {
		d.fail("offline bounds")
	}
	return head, next, d.done()
}

// decodeOfflineMessage returns the stamp and the raw stanza, borrowed from v.
func decodeOfflineMessage(v []byte) (time.Time, []byte, error) {
	d := newDecoder("offline message format", v)
	t := d.time()
	raw := d.rest()
	return t, raw, d.done()
}

// decodeRaw returns the payload of a vCard or private value, borrowed.
func decodeRaw(v []byte) ([]byte, error) {
	d := newDecoder("raw format", v)
	raw := d.rest()
	return raw, d.done()
}

func decodeLastActivity(v []byte) (storage.LastActivity, error) {
	d := newDecoder("last activity format", v)
	var la storage.LastActivity
	la.Time = d.time()
	la.Status = string(d.rest())
	return la, d.done()
}

// rosterDecoder turns roster values into items with few allocations: an
// item's contact, name and groups are substrings of one string, and the
// group slices of a whole roster are carved from shared slabs. It is reused
// across the items of one scan.
type rosterDecoder struct {
	buf   []byte
	spans [][2]int
	slab  []string
}

// decode fills it from contact (the key suffix) and v (the value). Neither
// is retained.
func (rd *rosterDecoder) decode(owner string, contact, v []byte, it *storage.RosterItem) error {
	d := newDecoder("roster item format", v)
	flags := d.byte()
	if d.err == nil && flags&^flagKnown != 0 {
		d.fail("unknown roster flags")
	}
	ns, ne := d.span()
	ng := d.uvarint()
	if ng > uint64(len(v)) { // each group takes at least one byte
		d.fail("group count")
		ng = 0
	}
	rd.spans = rd.spans[:0]
	for range ng {
		s, e := d.span()
		rd.spans = append(rd.spans, [2]int{s, e})
	}
	ps, pe := d.span()
	if err := d.done(); err != nil {
		return fmt.Errorf("roster item %q of %q: %w", contact, owner, err)
	}

	// One string holds the contact and the value; offsets into the value
	// move by len(contact).
	rd.buf = append(append(rd.buf[:0], contact...), v...)
	s := string(rd.buf)
	off := len(contact)
	*it = storage.RosterItem{
		Owner:        owner,
		Contact:      s[:off],
		Name:         s[off+ns : off+ne],
		Subscription: storage.Subscription(flags & flagSubMask),
		Ask:          flags&flagAsk != 0,
		Approved:     flags&flagApproved != 0,
		PendingIn:    flags&flagPendingIn != 0,
		Hidden:       flags&flagHidden != 0,
	}
	if len(rd.spans) > 0 {
		if cap(rd.slab)-len(rd.slab) < len(rd.spans) {
			rd.slab = make([]string, 0, max(64, len(rd.spans), min(2*cap(rd.slab), 4096)))
		}
		start := len(rd.slab)
		for _, sp := range rd.spans {
			rd.slab = append(rd.slab, s[off+sp[0]:off+sp[1]])
		}
		// Full slice expression: a caller's append must not run into the
		// next item's groups.
		it.Groups = rd.slab[start:len(rd.slab):len(rd.slab)]
	}
	if ps != pe {
		it.PendingInStanza = append([]byte(nil), v[ps:pe]...)
	}
	return nil
}
