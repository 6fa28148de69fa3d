package subscription

import "strconv"

// Kind is the type of a presence subscription stanza.
type Kind uint8

const (
	_ Kind = iota // the zero Kind means "no stanza" (Result.Reply)
	Subscribe
	Subscribed
	Unsubscribe
	Unsubscribed
)

var kindNames = [...]string{"", "subscribe", "subscribed", "unsubscribe", "unsubscribed"}

// String returns the 'type' attribute value, or "" for the zero Kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the four subscription types.
func (k Kind) Valid() bool { return k >= Subscribe && k <= Unsubscribed }

// ParseKind maps a presence 'type' attribute value to a Kind; ok is false
// for every other value, "probe", "unavailable" and "error" included.
func ParseKind(v string) (k Kind, ok bool) {
	switch v {
	case "subscribe":
		return Subscribe, true
	case "subscribed":
		return Subscribed, true
	case "unsubscribe":
		return Unsubscribe, true
	case "unsubscribed":
		return Unsubscribed, true
	}
	return 0, false
}

// Write tells the caller what to do with the stored record.
type Write uint8

const (
	// WriteNone: the record is unchanged.
	WriteNone Write = iota
	// WritePut: create or update the record with Result.Item.State.
	WritePut
	// WriteDelete: remove the record.
	WriteDelete
)

var writeNames = [...]string{"none", "put", "delete"}

func (w Write) String() string {
	if int(w) < len(writeNames) {
		return writeNames[w]
	}
	return "Write(" + strconv.Itoa(int(w)) + ")"
}

// Effects are presence stanzas the server sends to the contact on the
// user's behalf, one from each of the user's available resources.
type Effects uint8

const (
	// SendUnavailable: unavailable presence, while the contact can still
	// see it; that is, before the stanza is forwarded (§3.2.2: the
	// contact loses its subscription to the user; §3.3.3 likewise).
	SendUnavailable Effects = 1 << iota
	// SendAvailable: the user's current presence, after the stanza or the
	// reply granting the subscription (§3.1.5: the contact now has one).
	SendAvailable
	// Probe: a presence probe from the user's bare JID (§4.3), after the
	// user gained a subscription. Not required: the contact's server sends
	// presence itself when it approves (§3.1.5). It costs one stanza and
	// repairs a contact server that does not, so this package asks for it.
	Probe
)

// Has reports whether every effect in f is set in e.
func (e Effects) Has(f Effects) bool { return e&f == f }

func (e Effects) String() string {
	if e == 0 {
		return "none"
	}
	var b []byte
	for _, n := range [...]struct {
		f    Effects
		name string
	}{{SendUnavailable, "unavailable"}, {SendAvailable, "available"}, {Probe, "probe"}} {
		if e&n.f != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n.name...)
		}
	}
	return string(b)
}

// Result is what the server must do for one subscription stanza.
//
// A caller performs it in this order: write the record (and stop if that
// fails, so nothing is announced that was not stored); send SendUnavailable;
// forward the stanza; send Reply; push the roster item; send SendAvailable
// and Probe.
type Result struct {
	// Item is the record after the stanza: Item.State is the new state.
	Item Item
	// Changed reports whether Item differs from the one passed in; Write
	// says how to store it.
	Changed bool
	Write   Write
	// Push: send a roster push of the item to the user's interested
	// resources. Set when a listed item's subscription, ask or approved
	// changes, and when a contact enters the roster.
	Push bool
	// Forward: for an outbound stanza, stamp it with the user's bare JID and
	// route it to the contact. For an inbound one, deliver it to the user:
	// a subscribe to the available resources (§3.1.3), the others to the
	// interested resources (§3.1.6, §3.2.3, §3.3.3).
	Forward bool
	// StoreRequest: keep this inbound subscribe (it may carry a status or a
	// nick) with the record, and deliver it again when the user next has an
	// available resource, until the user answers (§3.1.3). The first
	// request is kept; a repeat while one is pending changes nothing.
	StoreRequest bool
	// Reply is a stanza of this kind the server sends from the user's bare
	// JID to the contact on the user's behalf; the zero Kind for none.
	Reply Kind
	// Effects are presence stanzas to send to the contact.
	Effects Effects
}

// Outbound returns what the user's server does when the user sends a
// subscription stanza of kind k to the contact of it (RFC 6121 Appendix
// A.2, §3.1.2, §3.1.5, §3.2.2, §3.3.2, §3.4). An invalid k changes nothing.
func Outbound(it Item, k Kind) Result {
	in := it
	it = it.normalize()
	s := it.State
	var r Result
	switch k {
	case Subscribe:
		// A.2.1: routed in every state. From "To" or "Both" a repeat lets
		// the contact's server, which auto-replies, repair a lost state.
		r.Forward = true
		if !s.Sub.To() {
			s.PendingOut = true
		}
	case Unsubscribe:
		// A.2.2: routed in every state; the pre-approval is about the
		// other direction and stays.
		r.Forward = true
		s.Sub &^= To
		s.PendingOut = false
	case Subscribed:
		switch {
		case s.Sub.From():
			// §3.4.2 rule 1: already subscribed; silently ignored.
		case s.PendingIn:
			// A.2.3, §3.1.5: the approval of a pending request.
			s.Sub |= From
			s.PendingIn = false
			r.Forward = true
			r.Effects |= SendAvailable
		default:
			// §3.4.2 rules 3 and 4: a pre-approval, noted and pushed but
			// not routed; an absent contact is created for it.
			s.Approved = true
		}
	case Unsubscribed:
		switch {
		case s.Sub.From():
			// A.2.4, §3.2.2: cancel the contact's subscription.
			s.Sub &^= From
			r.Forward = true
			r.Effects |= SendUnavailable
		case s.PendingIn:
			// A.2.4: deny a pending request. An Unlisted record goes.
			s.PendingIn = false
			r.Forward = true
		case s.Approved:
			// §3.2.2: withdraw a pre-approval, without routing.
			s.Approved = false
		default:
			// §3.2.2: nothing to cancel; SHOULD NOT be routed.
		}
	default:
		return Result{Item: in}
	}
	return finish(in, Item{Record: it.Record, State: s}, r)
}

// Inbound returns what the user's server does when a subscription stanza
// of kind k arrives from the contact of it (RFC 6121 Appendix A.3, §3.1.3,
// §3.1.6, §3.2.3, §3.3.3, §3.4). An invalid k changes nothing.
func Inbound(it Item, k Kind) Result {
	in := it
	it = it.normalize()
	s := it.State
	var r Result
	switch k {
	case Subscribe:
		switch {
		case s.Sub.From():
			// A.3.1, §3.1.3: already subscribed; the server answers for
			// the user. The contact's server lost its state, so the
			// presence it would have got with the approval is sent too.
			r.Reply = Subscribed
			r.Effects |= SendAvailable
		case s.Approved:
			// §3.4.2: the pre-approval answers the request; it is used up.
			s.Sub |= From
			s.Approved = false
			r.Reply = Subscribed
			r.Effects |= SendAvailable
		case s.PendingIn:
			// A.3.1: a repeat of a pending request is not delivered
			// again now; the stored one is at the next login.
		default:
			// A.3.1, §3.1.3: deliver, and keep it until answered. For a
			// contact without a record this makes an Unlisted one.
			s.PendingIn = true
			r.Forward = true
			r.StoreRequest = true
		}
	case Unsubscribe:
		// A.3.2, §3.3.3. The states with From have no PendingIn, so at
		// most one of the two applies.
		if s.Sub.From() {
			s.Sub &^= From
			r.Forward = true
			r.Effects |= SendUnavailable
		}
		if s.PendingIn {
			// The contact withdraws its request; an Unlisted record goes.
			s.PendingIn = false
			r.Forward = true
		}
	case Subscribed:
		// A.3.3, §3.1.6: only an answer to a pending request counts.
		if s.PendingOut {
			s.Sub |= To
			s.PendingOut = false
			r.Forward = true
			r.Effects |= Probe
		}
	case Unsubscribed:
		// A.3.4, §3.2.3: a cancelled subscription or a denied request.
		if s.Sub.To() || s.PendingOut {
			s.Sub &^= To
			s.PendingOut = false
			r.Forward = true
		}
	default:
		return Result{Item: in}
	}
	return finish(in, Item{Record: it.Record, State: s}, r)
}

// finish settles the record after a transition and derives what must be
// stored and pushed by comparing it with in, the item as the caller passed
// it (so a damaged record is repaired and re-pushed).
func finish(in, out Item, r Result) Result {
	out.Record = settle(out.Record, out.State)
	r.Item = out
	r.Changed = out != in
	switch {
	case !r.Changed:
	case out.Record != Absent:
		r.Write = WritePut
	case in.Record != Absent:
		r.Write = WriteDelete
	}
	r.Push = out.Record == Listed &&
		(in.Record != Listed || in.State.visible() != out.State.visible())
	return r
}
