package subscription

import "xmppd/storage"

// This file maps the model onto storage.RosterItem, field for field:
// Sub is Subscription, PendingOut is Ask, PendingIn is PendingIn, Approved
// is Approved. The rest of the package does not import storage.

// SubOf returns the Sub stored as s; an undefined value reads as None.
func SubOf(s storage.Subscription) Sub {
	switch s {
	case storage.SubscriptionTo:
		return To
	case storage.SubscriptionFrom:
		return From
	case storage.SubscriptionBoth:
		return Both
	}
	return None
}

// Storage returns the stored form of s; an undefined value stores as none.
func (s Sub) Storage() storage.Subscription {
	switch s {
	case To:
		return storage.SubscriptionTo
	case From:
		return storage.SubscriptionFrom
	case Both:
		return storage.SubscriptionBoth
	}
	return storage.SubscriptionNone
}

// StateOf returns the state it stores.
func StateOf(it *storage.RosterItem) State {
	return State{
		Sub:        SubOf(it.Subscription),
		PendingOut: it.Ask,
		PendingIn:  it.PendingIn,
		Approved:   it.Approved,
	}
}

// ItemOf returns the Item for a stored roster item; nil, for a contact
// with nothing stored, is the Absent item.
//
// storage.RosterItem does not record whether the user added the contact,
// so ItemOf infers Unlisted from what a record kept only for a stranger's
// request looks like: "None + Pending In" with no name and no groups. A
// contact the user added without a name or a group, who then sends a
// request, is misread as Unlisted: hidden from the roster while the request
// is pending and deleted if it is withdrawn or denied. A stored "listed"
// flag would remove the guess.
func ItemOf(it *storage.RosterItem) Item {
	if it == nil {
		return Item{}
	}
	r := Listed
	if it.Hidden {
		r = Unlisted
	}
	return Item{Record: r, State: StateOf(it)}
}

// InRoster reports whether a stored item belongs in roster results and
// roster pushes, that is whether ItemOf reads it as Listed.
func InRoster(it *storage.RosterItem) bool { return ItemOf(it).Record == Listed }

// Apply stores s into it, leaving the other fields alone except the kept
// request, which is dropped once no request is pending. After a Result
// with StoreRequest the caller sets it.PendingInStanza to the request.
// ApplyItem stores a whole Item: its state, as Apply does, and whether
// the record is listed in the user's roster.
func ApplyItem(it *storage.RosterItem, item Item) {
	Apply(it, item.State)
	it.Hidden = item.Record == Unlisted
}

func Apply(it *storage.RosterItem, s State) {
	it.Subscription = s.Sub.Storage()
	it.Ask = s.PendingOut
	it.PendingIn = s.PendingIn
	it.Approved = s.Approved
	if !s.PendingIn {
		it.PendingInStanza = nil
	}
}
