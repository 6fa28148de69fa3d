package subscription

import "strconv"

// Sub is the 'subscription' attribute of a roster item (RFC 6121
// §2.1.2.5). The values are bit sets: bit 0 is "to" (the user receives the
// contact's presence), bit 1 is "from" (the contact receives the user's).
type Sub uint8

const (
	None Sub = 0
	To   Sub = 1 << 0
	From Sub = 1 << 1
	Both     = To | From
)

var subNames = [...]string{"none", "to", "from", "both"}

// String returns the attribute value as it appears on the wire.
func (s Sub) String() string {
	if s <= Both {
		return subNames[s]
	}
	return "Sub(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the four defined values.
func (s Sub) Valid() bool { return s <= Both }

// To reports whether the user receives the contact's presence.
func (s Sub) To() bool { return s&To != 0 }

// From reports whether the contact receives the user's presence.
func (s Sub) From() bool { return s&From != 0 }

// State is the subscription state a server keeps for one roster item: the
// nine states of RFC 6121 Appendix A.1, spelled as a subscription plus two
// pending flags, and the pre-approval of §3.4.
type State struct {
	Sub Sub
	// PendingOut: the user asked for the contact's presence and has no
	// answer yet (ask='subscribe' on the wire). Never with To or Both.
	PendingOut bool
	// PendingIn: the contact asked for the user's presence and the user has
	// not answered; the server keeps the request and delivers it again at
	// the user's next available resource. Not visible in the roster. Never
	// with From or Both.
	PendingIn bool
	// Approved: the user pre-approved a request the contact has not sent
	// yet (approved='true' on the wire). Only with None or To, never with
	// PendingIn: a request meets the approval and is answered at once.
	Approved bool
}

// Valid reports whether s is one of the twelve states this package can
// produce: the nine of Appendix A.1, and "None", "None + Pending Out" and
// "To" each with a pre-approval (§3.4.2, rule 3).
func (s State) Valid() bool { return s == s.normalize() }

// normalize drops what a valid state cannot hold, so that state read from a
// damaged record still gets a defined answer. Where flags conflict it keeps
// the one that grants less: a pending request over a pre-approval.
func (s State) normalize() State {
	if !s.Sub.Valid() {
		s.Sub = None
	}
	if s.Sub.To() {
		s.PendingOut = false
	}
	if s.Sub.From() {
		s.PendingIn = false
		s.Approved = false
	}
	if s.PendingIn {
		s.Approved = false
	}
	return s
}

// visible is the part of s that a roster item shows its client (§2.1.2):
// subscription, ask and approved. PendingIn is not in it.
func (s State) visible() State {
	s.PendingIn = false
	return s
}

// String returns the RFC 6121 Appendix A.1 name ("None + Pending Out+In",
// "To + Pending In"), with " + Approved" for a pre-approval.
func (s State) String() string {
	var b []byte
	switch {
	case !s.Sub.Valid():
		b = append(b, s.Sub.String()...)
	case s.Sub == None:
		b = append(b, "None"...)
	case s.Sub == To:
		b = append(b, "To"...)
	case s.Sub == From:
		b = append(b, "From"...)
	default:
		b = append(b, "Both"...)
	}
	switch {
	case s.PendingOut && s.PendingIn:
		b = append(b, " + Pending Out+In"...)
	case s.PendingOut:
		b = append(b, " + Pending Out"...)
	case s.PendingIn:
		b = append(b, " + Pending In"...)
	}
	if s.Approved {
		b = append(b, " + Approved"...)
	}
	return string(b)
}

// Record says whether, and how, the server holds the contact for the user.
//
// RFC 6121 Appendix A.1 separates two cases of "None + Pending In": if the
// user created a roster item for the contact, the server keeps the item and
// notes the request; if not, it notes the request but MUST NOT create a
// roster item until the user approves. Unlisted is that second case: a
// record that exists only to keep a stranger's request, absent from roster
// gets and roster pushes.
type Record uint8

const (
	// Absent: nothing is stored for the contact. An Item with Record Absent
	// has the zero State ("None").
	Absent Record = iota
	// Unlisted: the record holds only an inbound request ("None + Pending
	// In") from a contact the user never added.
	Unlisted
	// Listed: the contact is an item of the user's roster.
	Listed
)

var recordNames = [...]string{"absent", "unlisted", "listed"}

func (r Record) String() string {
	if int(r) < len(recordNames) {
		return recordNames[r]
	}
	return "Record(" + strconv.Itoa(int(r)) + ")"
}

// unlistedState is the only state an Unlisted record holds.
var unlistedState = State{PendingIn: true}

// Item is what the server holds for one contact of one user: whether there
// is a record and which state it is in. The zero Item is a contact the user
// has never dealt with.
type Item struct {
	Record Record
	State  State
}

// Valid reports whether it is an item this package can produce: a valid
// state, no state without a record, and an Unlisted record only in "None +
// Pending In".
func (it Item) Valid() bool { return it == it.normalize() }

func (it Item) normalize() Item {
	s := it.State.normalize()
	return Item{Record: settle(it.Record, s), State: s}
}

// settle derives the record from the record before a transition and the
// state after it. An Unlisted record that loses its request disappears
// (§3.2.2, §3.3.3: "remove any record of the inbound presence subscription
// request"); one that gains anything the user did becomes a roster item
// (Appendix A.1: the server adds the contact once the user acts). A Listed
// item stays listed in every state: only a roster remove (§2.5) deletes it.
func settle(r Record, s State) Record {
	switch {
	case s == State{}:
		if r == Listed {
			return Listed
		}
		return Absent
	case r == Listed:
		return Listed
	case s == unlistedState:
		return Unlisted
	default:
		return Listed
	}
}

func (it Item) String() string {
	if it.Record == Absent && it.State == (State{}) {
		return "absent"
	}
	return it.State.String() + " (" + it.Record.String() + ")"
}
