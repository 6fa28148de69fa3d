package storage

import "fmt"

// Subscription is the RFC 6121 §2.1.2.5 subscription attribute of a roster
// item: whether presence flows to the user ("to"), from the user ("from"),
// both ways or not at all.
type Subscription uint8

const (
	SubscriptionNone Subscription = iota
	SubscriptionTo
	SubscriptionFrom
	SubscriptionBoth
)

var subscriptionNames = [...]string{"none", "to", "from", "both"}

// String returns the attribute value as it appears on the wire.
func (s Subscription) String() string {
	if int(s) < len(subscriptionNames) {
		return subscriptionNames[s]
	}
	return fmt.Sprintf("Subscription(%d)", uint8(s))
}

// Valid reports whether s is one of the four defined states.
func (s Subscription) Valid() bool { return s <= SubscriptionBoth }

// To reports whether the user receives the contact's presence.
func (s Subscription) To() bool { return s == SubscriptionTo || s == SubscriptionBoth }

// From reports whether the contact receives the user's presence.
func (s Subscription) From() bool { return s == SubscriptionFrom || s == SubscriptionBoth }

// ParseSubscription maps a wire value to a Subscription.
func ParseSubscription(v string) (Subscription, error) {
	for i, n := range subscriptionNames {
		if n == v {
			return Subscription(i), nil
		}
	}
	return 0, fmt.Errorf("%w: subscription %q", ErrInvalid, v)
}

// RosterItem is one contact in a user's roster (RFC 6121 §2.1) together
// with the subscription state the server keeps for it. The three flags
// complete the subscription into the full state set of RFC 6121 Appendix A.
type RosterItem struct {
	// Owner is the user whose roster holds the item.
	Owner string
	// Contact is the contact's bare JID, as the engine normalised it.
	Contact string
	// Name is the user-assigned handle; empty when none.
	Name string
	// Groups in the order the client sent them. Empty is returned as nil.
	Groups       []string
	Subscription Subscription
	// Ask records a pending outbound request (ask='subscribe'): the user
	// asked for the contact's presence and has no answer yet.
	Ask bool
	// Approved records a pre-approval (RFC 6121 §3.4): the user allowed the
	// contact to subscribe before the contact asked.
	Approved bool
	// PendingIn records a pending inbound request: the contact asked for the
	// user's presence and the user has not answered. Such items may be
	// hidden from roster pushes until they have a subscription or Ask.
	PendingIn bool
	// PendingInStanza optionally keeps the raw subscribe stanza (it may carry
	// a status or a nick) to redeliver at the user's next login.
	PendingInStanza []byte
	// Hidden marks a record that holds only an inbound request from someone
	// the user never added (RFC 6121 §3.1.3): it carries subscription state
	// but is not part of the roster the user sees. The zero value is a
	// listed item.
	Hidden bool
}

// Validate checks what a store needs: names it can key on and a defined
// subscription. The owner may be empty where a call names the user
// separately.
func (it *RosterItem) Validate() error {
	if it.Owner != "" {
		if err := ValidateName(it.Owner); err != nil {
			return err
		}
	}
	if err := ValidateJID(it.Contact); err != nil {
		return err
	}
	if !it.Subscription.Valid() {
		return fmt.Errorf("%w: subscription %d", ErrInvalid, it.Subscription)
	}
	return nil
}

// Clone returns a deep copy, with empty slices as nil.
func (it RosterItem) Clone() RosterItem {
	if len(it.Groups) == 0 {
		it.Groups = nil
	} else {
		it.Groups = append([]string(nil), it.Groups...)
	}
	it.PendingInStanza = cloneBytes(it.PendingInStanza)
	return it
}
