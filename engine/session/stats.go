package session

import (
	"slices"
	"sync"
	"sync/atomic"

	"xmppd/engine/sasl"
)

// Stats are the counters the metrics endpoint exports. Every field is an
// atomic or a fixed array of them, indexed by a small enum: counting never
// looks anything up, takes a lock or allocates.
type Stats struct {
	// Stanzas are counted on the counters of the event loop that handles
	// them (NewStanzaCounters), or on these when not on a loop; Stanzas
	// adds them all up.
	stanzas     StanzaCounters
	stanzaMu    sync.Mutex // guards loopStanzas
	loopStanzas []*StanzaCounters

	Streams       atomic.Int64 // streams opened
	AuthOK        atomic.Int64 // authentications that succeeded
	AuthFailed    atomic.Int64 // <failure/> sent; AuthFailures breaks it down
	Registrations atomic.Int64
	StreamErrors  atomic.Int64
	WorkRefused   atomic.Int64
	Conflicts     atomic.Int64

	// Sessions counts the sessions open now by transport and state.
	Sessions [NumTransportKinds][NumSessionStates]atomic.Int64
	// AuthFailures counts failed SASL attempts by reason; they add up to
	// AuthFailed.
	AuthFailures [NumAuthFailures]atomic.Int64
	// AuthMechanisms counts successful authentications by mechanism; they
	// add up to AuthOK.
	AuthMechanisms [NumAuthMechanisms]atomic.Int64
}

// Direction is which way a counted stanza went.
type Direction uint8

const (
	// DirIn: received on an established stream.
	DirIn Direction = iota
	// DirOut: queued for a client stream, whoever made it (another user,
	// the server's own replies, pushes, presence broadcasts); a stream
	// closed before it is written drops it.
	DirOut
	// DirRouted: delivered from one user's session to another user's (a
	// message to a bare JID delivered to n resources counts n).
	DirRouted
	NumDirections
)

var directionNames = [NumDirections]string{"in", "out", "routed"}

func (d Direction) String() string { return directionNames[d] }

// StanzaCounters count stanzas by direction and kind. Each event loop has
// a set of its own, which only its goroutine writes, so that loops on
// different cores never bounce a cache line per stanza; the padding keeps
// a set off its neighbours' lines.
type StanzaCounters struct {
	_ [64]byte
	n [NumDirections][NumStanzaKinds]atomic.Int64
	_ [64]byte
}

// Add adds n stanzas of kind k to direction d.
func (c *StanzaCounters) Add(d Direction, k StanzaKind, n int64) { c.n[d][k].Add(n) }

// NewStanzaCounters returns a set of counters for one event loop to count
// its sessions' stanzas on (Transport.StanzaCounters); Stanzas
// includes it from now on.
func (st *Stats) NewStanzaCounters() *StanzaCounters {
	c := &StanzaCounters{}
	st.stanzaMu.Lock()
	st.loopStanzas = append(st.loopStanzas, c)
	st.stanzaMu.Unlock()
	return c
}

// CountStanzas adds n stanzas of kind k to direction d, on the counters of
// goroutines that are not event loops.
func (st *Stats) CountStanzas(d Direction, k StanzaKind, n int64) { st.stanzas.Add(d, k, n) }

// Stanzas is the number of stanzas of kind k counted in direction d.
func (st *Stats) Stanzas(d Direction, k StanzaKind) int64 {
	n := st.stanzas.n[d][k].Load()
	st.stanzaMu.Lock()
	for _, c := range st.loopStanzas {
		n += c.n[d][k].Load()
	}
	st.stanzaMu.Unlock()
	return n
}

// BoundSessions is the number of sessions bound now, over all transports
// (the StateBound column of Sessions).
func (st *Stats) BoundSessions() int64 {
	var n int64
	for t := range NumTransportKinds {
		n += st.Sessions[t][StateBound].Load()
	}
	return n
}

// StanzaTotal is the number of stanzas of every kind counted in direction
// d.
func (st *Stats) StanzaTotal(d Direction) int64 {
	var n int64
	for k := range NumStanzaKinds {
		n += st.Stanzas(d, k)
	}
	return n
}

// StanzaKind is message, presence or iq.
type StanzaKind uint8

const (
	KindMessage StanzaKind = iota
	KindPresence
	KindIQ
	NumStanzaKinds
)

var kindNames = [NumStanzaKinds]string{"message", "presence", "iq"}

func (k StanzaKind) String() string { return kindNames[k] }

// kindOfName maps an element name to its stanza kind; false for anything
// else.
func kindOfName(name []byte) (StanzaKind, bool) {
	switch string(name) {
	case "message":
		return KindMessage, true
	case "presence":
		return KindPresence, true
	case "iq":
		return KindIQ, true
	}
	return 0, false
}

// kindOfStanza classifies a serialized stanza by its first bytes. Only
// stanzas are routed and delivered, so the byte after '<' is enough.
func kindOfStanza(b []byte) StanzaKind {
	if len(b) > 1 {
		switch b[1] {
		case 'p':
			return KindPresence
		case 'i':
			return KindIQ
		}
	}
	return KindMessage
}

// kindOfOutput classifies what a session sends itself, which may be a
// stanza or stream-level XML (<success/>, <proceed/>, features...).
func kindOfOutput(b []byte) (StanzaKind, bool) {
	if len(b) < 4 || b[0] != '<' {
		return 0, false
	}
	var k StanzaKind
	var name string
	switch b[1] {
	case 'm':
		k, name = KindMessage, "message"
	case 'p':
		k, name = KindPresence, "presence"
	case 'i':
		k, name = KindIQ, "iq"
	default:
		return 0, false
	}
	n := 1 + len(name)
	if len(b) <= n || string(b[1:n]) != name {
		return 0, false
	}
	switch b[n] {
	case ' ', '>', '/', '\t', '\n', '\r':
		return k, true
	}
	return 0, false
}

// TransportKind is how a client session reaches its peer (TransportInfo).
type TransportKind uint8

const (
	TransportC2S       TransportKind = iota // TCP, plain or after STARTTLS
	TransportDirectTLS                      // TCP with TLS from the first byte (XEP-0368)
	TransportBOSH                           // XEP-0124/0206
	NumTransportKinds
)

var transportNames = [NumTransportKinds]string{"c2s", "c2s_tls", "bosh"}

func (k TransportKind) String() string { return transportNames[k] }

// SessionState is where a session is in its life, for Stats.Sessions.
type SessionState uint8

const (
	StateConnected     SessionState = iota // stream open, not authenticated
	StateAuthenticated                     // authenticated, no resource bound
	StateBound                             // resource bound: stanzas flow
	NumSessionStates
)

var stateNames = [NumSessionStates]string{"connected", "authenticated", "bound"}

func (s SessionState) String() string { return stateNames[s] }

// AuthFailure is why a SASL attempt failed: an RFC 6120 §6.5 condition, or
// FailRateLimited for attempts refused because the client's address failed
// too often.
type AuthFailure uint8

const (
	FailNotAuthorized AuthFailure = iota
	FailAborted
	FailAccountDisabled
	FailCredentialsExpired
	FailEncryptionRequired
	FailIncorrectEncoding
	FailInvalidAuthzid
	FailInvalidMechanism
	FailMalformedRequest
	FailMechanismTooWeak
	FailTemporaryAuthFailure
	FailRateLimited
	NumAuthFailures
)

var failureNames = [NumAuthFailures]string{
	string(sasl.NotAuthorized),
	string(sasl.Aborted),
	string(sasl.AccountDisabled),
	string(sasl.CredentialsExpired),
	string(sasl.EncryptionRequired),
	string(sasl.IncorrectEncoding),
	string(sasl.InvalidAuthzid),
	string(sasl.InvalidMechanism),
	string(sasl.MalformedRequest),
	string(sasl.MechanismTooWeak),
	string(sasl.TemporaryAuthFailure),
	"rate-limited",
}

func (f AuthFailure) String() string { return failureNames[f] }

// failureOf maps a SASL condition to its AuthFailure; an unknown condition
// counts as not-authorized, the one RFC 6120 falls back to.
func failureOf(cond string) AuthFailure {
	if i := slices.Index(failureNames[:FailRateLimited], cond); i >= 0 {
		return AuthFailure(i)
	}
	return FailNotAuthorized
}

// AuthMechanism is how a session authenticated.
type AuthMechanism uint8

const (
	MechPlain AuthMechanism = iota
	MechSCRAMSHA1
	MechSCRAMSHA1Plus
	MechSCRAMSHA256
	MechSCRAMSHA256Plus
	MechExternal // AuthenticateExternal: the transport vouched for the user (BOSH prebind)
	MechOther
	NumAuthMechanisms
)

var mechNames = [NumAuthMechanisms]string{
	sasl.Plain, sasl.ScramSHA1, sasl.ScramSHA1Plus, sasl.ScramSHA256, sasl.ScramSHA256Plus, "external", "other",
}

func (m AuthMechanism) String() string { return mechNames[m] }

func mechanismOf(name string) AuthMechanism {
	if i := slices.Index(mechNames[:MechExternal], name); i >= 0 {
		return AuthMechanism(i)
	}
	return MechOther
}

// A session's tally byte records which Stats.Sessions gauge counts it:
// the transport in the high bits, the state plus one in the low two (zero:
// not counted, before New and after close).

func (s *Session) countState(st SessionState) {
	s.uncount()
	t := s.tally >> 2
	s.tally = t<<2 | uint8(st+1)
	s.srv.Stats.Sessions[t][st].Add(1)
}

func (s *Session) uncount() {
	if st := s.tally & 3; st != 0 {
		s.srv.Stats.Sessions[s.tally>>2][st-1].Add(-1)
		s.tally &^= 3
	}
}
