package component

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"xmppd/internal/jid"
)

// Balance is the key that spreads a component domain's stanzas over its
// connections.
type Balance uint8

const (
	// BySender keys on the bare sender JID: each user's traffic sticks to
	// one gateway instance, which is what stateful legacy-network
	// gateways need. The default.
	BySender Balance = iota
	// ByRecipient keys on the bare recipient JID (the legacy contact).
	ByRecipient
	// ByFullSender keys on the full sender JID: each of a user's
	// resources may land on a different instance.
	ByFullSender
	// ByRandom picks an instance at random for every stanza: for
	// stateless components only.
	ByRandom
)

var balanceNames = [...]string{BySender: "sender", ByRecipient: "recipient", ByFullSender: "full", ByRandom: "random"}

func (b Balance) String() string {
	if int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return fmt.Sprintf("Balance(%d)", uint8(b))
}

// ParseBalance parses "sender", "recipient", "full" or "random"; the empty
// string is the default, BySender.
func ParseBalance(s string) (Balance, error) {
	if s == "" {
		return BySender, nil
	}
	for i, n := range balanceNames {
		if n == s {
			return Balance(i), nil
		}
	}
	return 0, fmt.Errorf("component: unknown balance %q (want sender, recipient, full or random)", s)
}

// RouterConfig configures a Router.
type RouterConfig struct {
	// Secrets maps each component domain to its shared secret (XEP-0114).
	Secrets map[string]string
	// Balance is the load-balancing key; the zero value is BySender.
	Balance Balance
}

// RouterStats are the router's counters.
type RouterStats struct {
	Delivered     atomic.Int64 // stanzas queued to a connection
	Undeliverable atomic.Int64 // no connection could take the stanza
	Retried       atomic.Int64 // first choice refused (closing, over its cap); next choice tried
}

// Router is the table of component domains and their live connections. It
// implements session.ComponentRouter, so the c2s side hands it stanzas for
// component domains, and the Listener attaches each connection whose
// handshake succeeded. It is safe for concurrent use; Deliver never blocks
// and takes no lock.
type Router struct {
	balance  Balance
	seed     maphash.Seed
	saltBase uint64
	nextID   atomic.Uint64
	domains  map[string]*domainSet // fixed at NewRouter
	names    []string              // sorted
	Stats    RouterStats
}

// domainSet is one component domain and its live connections.
type domainSet struct {
	name   string
	secret string

	mu   sync.Mutex                // serialises writers of live
	live atomic.Pointer[[]*member] // copy on write: readers never lock
}

// sink is what a member delivers into: a component connection.
type sink interface {
	// enqueue takes ownership of b (addressed to to) or returns false
	// when the connection is closing or over its outbound cap.
	enqueue(to jid.JID, b []byte) bool
}

// member is one live connection of a domain.
type member struct {
	set  *domainSet
	id   uint64
	salt uint64 // the member's HRW salt, from its id
	sink sink
}

// NewRouter checks the domains and returns a router with no connection.
func NewRouter(cfg RouterConfig) (*Router, error) {
	if int(cfg.Balance) >= len(balanceNames) {
		return nil, fmt.Errorf("component: invalid balance %d", cfg.Balance)
	}
	r := &Router{
		balance:  cfg.Balance,
		seed:     maphash.MakeSeed(),
		saltBase: rand.Uint64(),
		domains:  make(map[string]*domainSet, len(cfg.Secrets)),
	}
	for name, secret := range cfg.Secrets {
		j, err := jid.Parse(name)
		if err != nil || j.Local() != "" || j.Resource() != "" {
			return nil, fmt.Errorf("component: %q is not a domain", name)
		}
		if secret == "" {
			return nil, fmt.Errorf("component: empty secret for %s", name)
		}
		d := j.Domain()
		if r.domains[d] != nil {
			return nil, fmt.Errorf("component: %s configured twice", d)
		}
		r.domains[d] = &domainSet{name: d, secret: secret}
		r.names = append(r.names, d)
	}
	slices.Sort(r.names)
	return r, nil
}

// Serves reports whether domain is a configured component domain, connected
// or not: a stanza for a configured but disconnected component bounces with
// service-unavailable instead of being treated as remote.
func (r *Router) Serves(domain string) bool {
	return r != nil && r.domains[domain] != nil
}

// Domains lists the component domains, sorted (the server's disco#items).
func (r *Router) Domains() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.names)
}

// Connections is the number of live connections serving domain.
func (r *Router) Connections(domain string) int {
	if d := r.domain(domain); d != nil {
		if live := d.live.Load(); live != nil {
			return len(*live)
		}
	}
	return 0
}

func (r *Router) domain(name string) *domainSet {
	if r == nil {
		return nil
	}
	return r.domains[name]
}

// Deliver hands stanza, addressed to to (a JID at a component domain), to
// one of the domain's connections, chosen by rendezvous hashing of the
// balance key over the live connections; if that one refuses (closing, over
// its cap) the next in the key's order is tried. It takes ownership of
// stanza and returns false when no connection took it. Safe from any
// goroutine; it never blocks.
func (r *Router) Deliver(to jid.JID, stanza []byte) bool {
	d := r.domain(to.Domain())
	if d == nil {
		return false
	}
	live := d.live.Load()
	if live == nil || len(*live) == 0 {
		r.Stats.Undeliverable.Add(1)
		return false
	}
	members := *live
	if r.balance == ByRandom {
		start := rand.IntN(len(members))
		for i := range members {
			if members[(start+i)%len(members)].sink.enqueue(to, stanza) {
				r.Stats.Delivered.Add(1)
				return true
			}
			r.Stats.Retried.Add(1)
		}
		r.Stats.Undeliverable.Add(1)
		return false
	}
	h := r.keyHash(to, stanza)
	var tried uint64 // bit i: members[i] refused (members past 64 are retried at worst)
	for range members {
		best := highest(members, h, tried)
		if best < 0 {
			break
		}
		if members[best].sink.enqueue(to, stanza) {
			r.Stats.Delivered.Add(1)
			return true
		}
		r.Stats.Retried.Add(1)
		if best < 64 {
			tried |= 1 << best
		}
	}
	r.Stats.Undeliverable.Add(1)
	return false
}

// keyHash hashes the stanza's balance key. A sender key falls back to the
// recipient when the stanza has no usable 'from'.
func (r *Router) keyHash(to jid.JID, stanza []byte) uint64 {
	key := to.Bare().String()
	if r.balance == BySender || r.balance == ByFullSender {
		if raw, ok := tagAttr(stanza, "from"); ok {
			if from, err := jid.ParseBytes(unescapeAttr(raw)); err == nil {
				key = from.String()
				if r.balance == BySender {
					key = from.Bare().String()
				}
			}
		}
	}
	return maphash.String(r.seed, key)
}

// pick returns the member the key hash h maps to (tests).
func (r *Router) pick(domain string, h uint64) *member {
	d := r.domain(domain)
	if d == nil {
		return nil
	}
	live := d.live.Load()
	if live == nil {
		return nil
	}
	if i := highest(*live, h, 0); i >= 0 {
		return (*live)[i]
	}
	return nil
}

// highest returns the index of the member with the highest score for h,
// skipping those whose bit is set in tried (the first 64), or -1.
func highest(members []*member, h, tried uint64) int {
	best := -1
	var bestScore uint64
	for i, m := range members {
		if i < 64 && tried&(1<<i) != 0 {
			continue
		}
		if s := score(h, m.salt); best < 0 || s > bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// score is the rendezvous (highest random weight) score of a key hash for
// a member: the member with the highest score takes the key. Adding a
// member moves only the keys it now wins; removing one moves only the
// keys it held, each to its next-highest member.
func score(h, salt uint64) uint64 { return mix64(h ^ salt) }

// mix64 is the splitmix64 finalizer, a bijection that spreads every input
// bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// errUnknownDomain is what attach returns for a domain not configured.
var errUnknownDomain = errors.New("component: unknown domain")

// attach adds a live connection to domain and returns its membership.
func (r *Router) attach(domain string, s sink) (*member, error) {
	d := r.domain(domain)
	if d == nil {
		return nil, errUnknownDomain
	}
	id := r.nextID.Add(1)
	m := &member{set: d, id: id, salt: mix64(r.saltBase + id*0x9e3779b97f4a7c15), sink: s}
	d.mu.Lock()
	defer d.mu.Unlock()
	var next []*member
	if live := d.live.Load(); live != nil {
		next = append(next, *live...)
	}
	next = append(next, m)
	d.live.Store(&next)
	return m, nil
}

// detach removes m; later Delivers rehash its keys over the others. Safe to
// call more than once.
func (r *Router) detach(m *member) {
	if m == nil {
		return
	}
	d := m.set
	d.mu.Lock()
	defer d.mu.Unlock()
	live := d.live.Load()
	if live == nil {
		return
	}
	i := slices.Index(*live, m)
	if i < 0 {
		return
	}
	next := slices.Delete(slices.Clone(*live), i, i+1)
	d.live.Store(&next)
}

// secret returns domain's shared secret.
func (r *Router) secret(domain string) (string, bool) {
	if d := r.domain(domain); d != nil {
		return d.secret, true
	}
	return "", false
}
