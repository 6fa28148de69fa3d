// Package subscription holds the presence subscription rules of RFC 6121
// (§3 and Appendix A) as pure functions: given what the server holds for a
// contact and a subscription stanza, it says what the server must store,
// push, forward, answer and send. It does no I/O and knows no XML, so the
// presence code that calls it only carries out the answer.
//
// # Model
//
// The user is the account whose roster item is in question, served by this
// server; the contact is the other party. Outbound stanzas come from the
// user's client and go to the contact (Appendix A.2); inbound stanzas come
// from the contact and are for the user (Appendix A.3). When both parties
// are local the server runs Outbound on the sender's item and, if the
// answer forwards the stanza, Inbound on the receiver's.
//
// A State is the subscription of Appendix A.1 taken apart: the 'subscription'
// attribute (None, To, From, Both), PendingOut (the user's request awaits an
// answer, ask='subscribe' on the wire) and PendingIn (the contact's request
// awaits the user's answer). Of the sixteen combinations RFC 6121 defines
// nine, because a request for a subscription one already has cannot be
// pending: PendingOut never goes with To, PendingIn never with From. The
// fourth field is Approved, a pre-approval (§3.4): the user has answered
// a request the contact has not sent yet. It can only be held in None,
// None + Pending Out and To (§3.4.2), which makes twelve valid states.
//
// An Item adds whether anything is stored (Record). Appendix A.1 separates
// a pending request from a contact the user added, which stays a roster
// item, from one by a stranger, which the server notes but MUST NOT add to
// the roster until the user approves. The second is an Unlisted record: it
// is never shown in roster results or pushes, it becomes a roster item when
// the user answers with subscribed or sends a request of their own, and it
// disappears when the request is denied or withdrawn (§3.2.2, §3.3.3). A
// listed item is never removed here; only a roster remove (§2.5) does that.
//
// # Results
//
// A Result gives the new Item, how to store it, whether to push it to the
// user's interested resources (exactly when a listed item's subscription,
// ask or approved changes, or a contact enters the roster; PendingIn is not
// visible to clients), whether to forward the stanza, whether to keep an
// inbound request, an automatic reply, and presence to send to the contact.
// The caller stores first and announces after, in the order Result gives:
// unavailable presence must reach a contact that loses its subscription
// before the stanza that tells it so (§3.2.2), and available presence must
// follow the stanza that grants it (§3.1.5).
//
// A kept request is delivered again whenever the user next has an
// available resource, until it is answered (§3.1.3). Only the first of
// repeated requests is kept; a repeat while one is pending is not delivered
// (Appendix A.3.1).
//
// # Choices where RFC 6121 leaves room
//
//   - Outbound subscribe is routed in every state, also when the user is
//     already subscribed (Appendix A.2.1): the contact's server auto-replies
//     and so repairs a lost state on either side.
//   - Inbound unsubscribe gets no automatic unsubscribed. RFC 3921 asked for
//     one; §3.3.3 of RFC 6121 lists none.
//   - A withdrawn (inbound unsubscribe) or denied (outbound unsubscribed)
//     pending request is forwarded, as the Appendix A tables say, though the
//     prose of §3.3.3 speaks only of existing subscriptions: the other side's
//     client can then drop the request from its display, and the stored
//     request is dropped so it is not delivered again.
//   - Pre-approval is always on: a server using this package advertises the
//     pre-approval stream feature (§3.4.1). A pre-approval concerns the
//     contact's subscription to the user, so stanzas about the other
//     direction keep it; it is used up when a request meets it, and withdrawn
//     by outbound unsubscribed, which is then not routed (§3.2.2).
//   - The automatic subscribed to a contact that already has a subscription
//     (§3.1.3) comes with the user's current presence, as after an approval
//     (§3.1.5): the contact's server evidently lost its state, and the
//     presence it missed is what the approval would have brought.
//   - Gaining a subscription (inbound subscribed) asks for a presence probe
//     (§4.3). The contact's server should send presence unprompted (§3.1.5);
//     the probe covers one that does not.
//   - A damaged record (impossible flags) is read as the valid state that
//     grants the least, and the answer stores and pushes the repair.
//
// Not covered here: roster removal and the unsubscribe and unsubscribed it
// generates (§2.5.2), blocking, errors for nonexistent users, and presence
// probes received from contacts.
package subscription
