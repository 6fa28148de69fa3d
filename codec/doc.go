// Package codec is xmppd's XML layer: a resumable, zero-copy decoder for
// XMPP streams (RFC 6120 §4 and §11) and an append-style encoder.
//
// # The model
//
// An XMPP stream is one long XML document whose root element, the stream
// header, opens when the peer connects and closes when it leaves. Everything
// of interest happens one level down: each child of the root (a stanza, or a
// nonza such as <starttls/>) is an independent unit of work. The decoder
// therefore yields exactly three kinds of event:
//
//   - StreamStart: the stream header, with its attributes and namespace
//     declarations (the optional XML declaration before it is checked and
//     consumed);
//   - Element: one complete top-level element, with everything inside it;
//   - StreamEnd: the closing </stream:stream>.
//
// A Decoder in fragment mode (NewFragmentDecoder) has no stream header: it
// yields each complete top-level element of its input. BOSH bodies and stored
// stanzas are decoded that way.
//
// # Zero copy, and how long a view lives
//
// Next is fed the bytes of a read, however they were split: a chunk may end
// anywhere, inside a tag, an attribute, a character reference or a multi-byte
// UTF-8 character. When a top-level element lies wholly inside the chunk, the
// Element view points straight into the caller's bytes. Only an element split
// across calls is copied, into per-decoder scratch bounded by
// Limits.MaxStanzaSize; scanning resumes where it stopped, so a peer that
// trickles a stanza byte by byte costs linear, not quadratic, time.
//
// Views (Element, Header, and every []byte they return) are valid until the
// next call to Next or Reset on the same decoder. Keep nothing past that:
// Element.Copy makes the single allocation that takes a stanza out, for a
// queue or for storage.
//
// # What is rejected
//
// The decoder checks well-formedness as it scans (matching end tags, quoted
// attribute values, no duplicate attributes, valid UTF-8 and XML characters,
// proper names, bound namespace prefixes) and the restrictions RFC 6120 §11.1
// puts on XMPP: no DTD or entity declaration (so no entity is ever expanded),
// no comment, no processing instruction other than the XML declaration, no
// entity reference other than the five predefined ones. Limits on stanza
// size, depth, attributes, name length, node count and header size are
// checked where bytes accumulate; hitting one never allocates past it. Every
// failure is an *Error carrying the stream error condition it maps to.
//
// # Cost
//
// Completing an element builds a small tape (token offsets, attribute
// offsets, resolved namespaces) in buffers borrowed from a pool. The next
// call reuses them for the next item, and they go back to the pool once
// the input is used up; decoding a stream of stanzas in steady state
// allocates nothing. An idle decoder holds no tape and no scratch.
//
// Most stanzas arrive whole in one read, and a fast path scans those
// straight out of the buffer (fast.go), handing over to the resumable state
// machine (scan.go) wherever it meets the end of the input or anything
// unusual. On amd64 its common case is in assembly (fast_amd64.s), which
// looks through text and attribute values 32 bytes at a time with AVX2, or
// 16 with SSE2.
package codec
