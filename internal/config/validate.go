package config

import (
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"xmppd/internal/jid"
)

// Bounds that Validate enforces.
const (
	// MinStanzaSize is RFC 6120 §13.12's floor for the stanza size limit.
	MinStanzaSize = 10000
	// MinSCRAMIterations is RFC 7677's floor for the SCRAM iteration count.
	MinSCRAMIterations = 4096
	// MinAdminTokenLen keeps the bearer token out of reach of guessing.
	MinAdminTokenLen = 16
)

// Validate reports every problem of c with defaults filled in (c itself is not
// modified), joined; nil means the configuration is usable. Each problem is an
// *Error wrapping one of the Err* sentinels.
func (c *Config) Validate() error { return join(c.validate()) }

func (c *Config) validate() []*Error {
	v := *c
	v.EnsureDefaults()
	var errs []*Error
	add := func(e *Error) { errs = append(errs, e) }

	v.validateDomains(add)
	if v.DataDir == "" {
		add(fieldErr("data_dir", wrap(ErrBadValue, "empty")))
	}
	v.validateListen(add)

	if v.TLS.CertFile != "" && v.TLS.KeyFile == "" {
		add(fieldErr("tls.key_file", wrap(ErrTLSPair, "key_file is missing"), "tls.cert_file"))
	}
	if v.TLS.KeyFile != "" && v.TLS.CertFile == "" {
		add(fieldErr("tls.cert_file", wrap(ErrTLSPair, "cert_file is missing"), "tls.key_file"))
	}
	oneOf(add, "tls.starttls", v.TLS.StartTLS, StartTLSOptional, StartTLSRequired)

	if u := v.Auth.ExternalURL; u != "" {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			add(fieldErr("auth.external_url", wrap(ErrBadValue, "%q is not an http or https URL", u)))
		}
	}
	for key, d := range map[string]time.Duration{"auth.external_timeout": v.Auth.ExternalTimeout, "auth.external_cache_ttl": v.Auth.ExternalCacheTTL, "auth.token_ttl": v.Auth.TokenTTL} {
		if d <= 0 {
			add(fieldErr(key, wrap(ErrOutOfRange, "%v: must be positive", d)))
		}
	}
	if n := v.Auth.SCRAMIterations; n < MinSCRAMIterations {
		add(fieldErr("auth.scram_iterations", wrap(ErrOutOfRange, "%d is below %d (RFC 7677)", n, MinSCRAMIterations)))
	}
	rate(add, "auth.max_failures_per_ip_per_minute", v.Auth.MaxFailuresPerIPPerMinute)
	oneOf(add, "registration.mode", v.Registration.Mode, RegistrationOff, RegistrationLoopback, RegistrationOpen)
	rate(add, "registration.rate_per_ip_per_hour", v.Registration.RatePerIPPerHour)

	l := v.Limits
	if l.MaxStanzaSize < MinStanzaSize {
		add(fieldErr("limits.max_stanza_size", wrap(ErrOutOfRange, "%d is below %d (RFC 6120 §13.12)", l.MaxStanzaSize, MinStanzaSize)))
	}
	positive(add, "limits.max_connections", l.MaxConnections)
	positive(add, "limits.max_connections_per_ip", l.MaxConnectionsPerIP)
	if l.AuthTimeout <= 0 {
		add(fieldErr("limits.auth_timeout", wrap(ErrOutOfRange, "%v: must be positive; an unauthenticated connection may not stay forever", l.AuthTimeout)))
	}
	if l.IdleTimeout < 0 && l.IdleTimeout != Off {
		add(fieldErr("limits.idle_timeout", wrap(ErrOutOfRange, "%v is negative (0 or off: none)", l.IdleTimeout)))
	}
	if l.PingInterval < 0 && l.PingInterval != Off {
		add(fieldErr("limits.ping_interval", wrap(ErrOutOfRange, "%v is negative (off: no pings)", l.PingInterval)))
	}
	if l.PingTimeout <= 0 {
		add(fieldErr("limits.ping_timeout", wrap(ErrOutOfRange, "%v: must be positive", l.PingTimeout)))
	}
	if l.MaxOutboundBytes < l.MaxStanzaSize && l.MaxStanzaSize >= MinStanzaSize {
		add(fieldErr("limits.max_outbound_bytes", wrap(ErrOutOfRange,
			"%d is below limits.max_stanza_size %d: a stanza accepted could never be delivered", l.MaxOutboundBytes, l.MaxStanzaSize),
			"limits.max_stanza_size"))
	}
	positive(add, "offline.max_messages_per_user", v.Offline.MaxMessagesPerUser)

	v.validateComponents(add)
	oneOf(add, "component_balance", v.ComponentBalance, BalanceSender, BalanceRecipient, BalanceFull, BalanceRandom)

	oneOf(add, "log.level", v.Log.Level, LogDebug, LogInfo, LogWarn, LogError)
	oneOf(add, "log.format", v.Log.Format, LogText, LogJSON)
	if v.EventLoops < 0 {
		add(fieldErr("event_loops", wrap(ErrOutOfRange, "%d is negative (0: one per core)", v.EventLoops)))
	}
	return errs
}

func oneOf[T ~string](add func(*Error), key string, v T, allowed ...T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	add(fieldErr(key, wrap(ErrBadValue, "%q, want one of %s", string(v), strings.Join(names, ", "))))
}

func positive(add func(*Error), key string, n int) {
	if n <= 0 {
		add(fieldErr(key, wrap(ErrOutOfRange, "%d: must be positive", n)))
	}
}

func rate(add func(*Error), key string, n int) {
	if n <= 0 && n != Unlimited {
		add(fieldErr(key, wrap(ErrOutOfRange, "%d: must be positive, or -1 for unlimited", n)))
	}
}

// domain parses d as a domain-only JID and returns its canonical form.
func domain(d string) (string, error) {
	j, err := jid.Parse(d)
	if err != nil {
		return "", wrap(ErrBadDomain, "%q: %w", d, err)
	}
	if j.Local() != "" || j.Resource() != "" {
		return "", wrap(ErrBadDomain, "%q is a JID with a localpart or resourcepart, want a bare domain", d)
	}
	return j.String(), nil
}

func (c *Config) validateDomains(add func(*Error)) {
	seen := map[string]string{} // canonical -> key that named it first
	check := func(d string, e func(error) *Error, key string) {
		canon, err := domain(d)
		if err != nil {
			add(e(err))
			return
		}
		if first, ok := seen[canon]; ok {
			add(e(wrap(ErrDuplicateDomain, "%q is %s again", d, first)))
			return
		}
		seen[canon] = key
	}
	if c.Domain != "" {
		check(c.Domain, func(err error) *Error { return fieldErr("domain", err) }, "domain")
	}
	for i, d := range c.Domains {
		check(d, func(err error) *Error { return itemErr("domains", i, err) }, "domains["+strconv.Itoa(i)+"]")
	}
}

func (c *Config) validateComponents(add func(*Error)) {
	hosts := map[string]bool{}
	for _, h := range c.Hosts() {
		hosts[h] = true
	}
	seen := map[string]string{}
	for _, name := range sortedKeys(c.Components) {
		e := func(err error) { add(entryErr("components", name, err)) }
		canon, err := domain(name)
		if err != nil {
			e(err)
			continue
		}
		switch {
		case hosts[canon]:
			// Routing would not know whether a stanza is for the host or the component.
			e(wrap(ErrDuplicateDomain, "%q is also a virtual host", name))
		case seen[canon] != "":
			e(wrap(ErrDuplicateDomain, "%q is components[%s] again", name, seen[canon]))
		default:
			seen[canon] = name
		}
		if c.Components[name] == "" {
			e(ErrEmptySecret)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// listeners names the listeners in the order conflicts are reported.
func (l *Listen) listeners() []struct{ key, addr string } {
	return []struct{ key, addr string }{
		{"listen.c2s", l.C2S},
		{"listen.c2s_tls", l.C2STLS},
		{"listen.https", l.HTTPS},
		{"listen.component", l.Component},
		{"listen.http", l.HTTP},
		{"listen.admin", l.Admin},
	}
}

func (c *Config) validateListen(add func(*Error)) {
	type bound struct{ key, host, port string }
	var used []bound
	for _, ln := range c.Listen.listeners() {
		if ln.addr == "" {
			continue
		}
		host, port, err := splitAddress(ln.addr)
		if err != nil {
			add(fieldErr(ln.key, err))
			continue
		}
		if port == "0" {
			continue // a fresh port from the kernel never conflicts
		}
		for _, u := range used {
			if u.port == port && (u.host == host || wildcard(u.host) || wildcard(host)) {
				add(fieldErr(ln.key, wrap(ErrAddressConflict, "%q overlaps %s", ln.addr, u.key)))
				break
			}
		}
		used = append(used, bound{ln.key, host, port})
	}
	if c.Listen.Admin != "" && !isLoopback(c.Listen.Admin) {
		if c.AdminToken == "" {
			add(fieldErr("admin_token", wrap(ErrAdminToken, "listen.admin is %q", c.Listen.Admin), "listen.admin"))
		}
	}
	if c.AdminToken != "" && len(c.AdminToken) < MinAdminTokenLen {
		add(fieldErr("admin_token", wrap(ErrOutOfRange, "%d bytes, want at least %d", len(c.AdminToken), MinAdminTokenLen)))
	}
}

// splitAddress checks a listen address: host:port with a numeric port and a
// host that is empty, an IP literal or a DNS name.
func splitAddress(addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", wrap(ErrBadAddress, "%q: want host:port", addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || port != strconv.FormatUint(n, 10) {
		return "", "", wrap(ErrBadAddress, "%q: port %q is not a number from 0 to 65535", addr, port)
	}
	if host == "" {
		return host, port, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", "", wrap(ErrBadAddress, "%q: zoned addresses are not supported", addr)
		}
		return ip.Unmap().String(), port, nil
	}
	if !isDNSName(host) {
		return "", "", wrap(ErrBadAddress, "%q: host %q is neither an IP address nor a DNS name", addr, host)
	}
	return strings.ToLower(host), port, nil
}

func wildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

// isLoopback reports whether a listen address accepts only local connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// isDNSName accepts LDH labels of 1 to 63 bytes, 253 bytes in all.
func isDNSName(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-') {
				return false
			}
		}
	}
	return true
}
