// Package jid parses, validates and normalises XMPP addresses (RFC 7622).
//
// # Model
//
// A JID is "[localpart@]domainpart[/resourcepart]". A JID value stores the
// whole address as one string in canonical form plus the byte lengths of the
// localpart and the domainpart; the resourcepart is whatever follows. The
// parts are views into that string, so Local, Domain, Resource, Bare and
// DomainJID never allocate. The value is small (a string header and two
// uint16s), immutable and comparable: it can be copied freely, compared with
// == and used as a map key.
//
// Each part is prepared and enforced as RFC 7622 says:
//
//   - localpart: PRECIS UsernameCaseMapped (width folding, lower-casing,
//     NFC, the Bidi rule), then none of the characters " & ' / : < > @;
//   - domainpart: one trailing dot stripped, then either an IP literal
//     (dotted IPv4, or IPv6 in brackets, written back in RFC 5952 form so that
//     equal addresses are equal bytes) or IDNA2008 with UTS #46 lookup
//     mapping, kept as U-labels (A-labels are decoded), lower case, no empty
//     labels;
//   - resourcepart: PRECIS OpaqueString (non-ASCII spaces become U+0020,
//     NFC; case and surrounding spaces are preserved).
//
// Each part is 1 to 1023 bytes after normalisation. A separator with nothing
// on its side ("@example.com", "a@", "a@b/") is an error, not an absent part.
// The address is split before normalisation: the resourcepart begins after the
// first '/', and the localpart ends at the first '@' before it, so a
// resourcepart may contain '@' and '/', the other parts never do.
//
// # Invariants
//
// A non-zero JID is always normalised: every constructor (Parse, ParseBytes,
// New, WithResource, UnmarshalText) either returns a JID whose parts passed
// enforcement or returns an error. Normalisation is idempotent:
// Parse(j.String()) returns j again. Because of both, two JIDs denote the
// same address exactly when their strings are byte-equal, so Equal is ==,
// and comparing a JID with raw input only needs parsing when the bytes are
// not already canonical. The zero JID is the absent address; no parser
// returns it without an error.
//
// # Cost
//
// Almost every JID on the wire is already canonical ASCII
// ("alice@localhost/phone"). Parse checks that with one table lookup per byte
// and then skips PRECIS and IDNA altogether; it also keeps the caller's
// string instead of copying it, so that path does not allocate. ParseBytes
// copies the bytes once into the JID's string. Input that is not already
// canonical takes the slow path: one normaliser run per part, a second run to
// check that the result is stable, and one allocation for the result string.
// Raw parts longer than 4×1023 bytes are rejected before any normaliser runs,
// which bounds the work per call.
//
// Because Parse may keep its argument, a JID parsed from a substring of a
// large string keeps the large string alive; Clone gives a JID with its own
// storage for long-lived keys.
//
// # Errors
//
// All errors come from the sentinels in this package (errors.Is works on
// them), wrapped with detail where a normaliser rejected the input. Every one
// of them means that the input is not a valid JID; callers answer with the
// stanza error condition jid-malformed. No input makes this package panic
// (except MustParse, which exists for tests and constants).
package jid
