package config

import (
	"flag"
	"maps"
	"strings"
)

// Flags are the command-line overrides of the common options. Register them
// with RegisterFlags, parse the FlagSet, then Apply them to the configuration
// loaded from the file: only the flags actually given take effect, so the
// precedence is defaults < file < flags.
type Flags struct {
	fs         *flag.FlagSet
	str        []stringFlag // each sets one string option
	components componentFlag
}

type stringFlag struct {
	name  string
	value *string
	set   func(*Config, string)
}

// flagKeys maps each flag to the Error.Key prefix of the option it sets.
var flagKeys = map[string]string{
	"domain":    "domain",
	"c2s":       "listen.c2s",
	"c2s-tls":   "listen.c2s_tls",
	"http":      "listen.http",
	"admin":     "listen.admin",
	"data":      "data_dir",
	"log-level": "log.level",
	"component": "components[",
}

// RegisterFlags defines on fs:
//
//	-domain DOMAIN         domain (the primary virtual host)
//	-c2s ADDR              listen.c2s ("" disables)
//	-c2s-tls ADDR          listen.c2s_tls ("" disables)
//	-http ADDR             listen.http ("" disables)
//	-admin ADDR            listen.admin ("" disables)
//	-data DIR              data_dir
//	-log-level LEVEL       log.level
//	-component D=SECRET    adds component D with SECRET to components; repeatable
//
// A secret given on the command line is visible to every local user in the
// process list; prefer the file (mode 0600) outside development.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	def := func(name, usage string, set func(*Config, string)) {
		f.str = append(f.str, stringFlag{name: name, value: fs.String(name, "", usage), set: set})
	}
	def("domain", "primary virtual host (overrides domain)", func(c *Config, v string) { c.Domain = v })
	def("c2s", "client listen address, STARTTLS; \"\" disables (overrides listen.c2s)", func(c *Config, v string) { c.Listen.C2S = v })
	def("c2s-tls", "client listen address, direct TLS; \"\" disables (overrides listen.c2s_tls)", func(c *Config, v string) { c.Listen.C2STLS = v })
	def("http", "public HTTP (BOSH) listen address; \"\" disables (overrides listen.http)", func(c *Config, v string) { c.Listen.HTTP = v })
	def("admin", "admin HTTP listen address; \"\" disables (overrides listen.admin)", func(c *Config, v string) { c.Listen.Admin = v })
	def("data", "data directory (overrides data_dir)", func(c *Config, v string) { c.DataDir = v })
	def("log-level", "debug, info, warn or error (overrides log.level)", func(c *Config, v string) { c.Log.Level = LogLevel(v) })
	fs.Var(&f.components, "component", "`DOMAIN=SECRET` of an external component, added to components; repeatable")
	return f
}

// Apply writes the flags given on the command line onto cfg, fills in the
// defaults, validates the result and, when it is valid, rewrites the domains
// in canonical form as Load does. A problem with a value that a flag set is
// reported as an *Error naming the flag. Call it after fs.Parse.
func (f *Flags) Apply(cfg *Config) error {
	given := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, s := range f.str {
		if given[s.name] {
			s.set(cfg, *s.value)
		}
	}
	if len(f.components) > 0 {
		// A copy: cfg may share its map with the Config it was copied from.
		m := maps.Clone(cfg.Components)
		if m == nil {
			m = make(map[string]string, len(f.components))
		}
		for _, kv := range f.components {
			m[kv.domain] = kv.secret
		}
		cfg.Components = m
	}
	cfg.EnsureDefaults()
	errs := cfg.validate()
	for _, e := range errs {
		for name, key := range flagKeys {
			if given[name] && (e.Key == key || strings.HasPrefix(e.Key, key) && key[len(key)-1] == '[') {
				e.Flag = "-" + name
			}
		}
		if e.Flag == "" && e.Key == "admin_token" && given["admin"] {
			e.Flag = "-admin" // the address made the token necessary
		}
	}
	if len(errs) > 0 {
		return join(errs)
	}
	cfg.canonicalize()
	return nil
}

// ApplyFlags registers the flags on fs, parses args and applies the flags
// given to cfg. A binary that also takes -config registers its own flag and
// calls RegisterFlags, fs.Parse, Load and Flags.Apply instead.
func ApplyFlags(fs *flag.FlagSet, args []string, cfg *Config) error {
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return f.Apply(cfg)
}

type componentFlag []struct{ domain, secret string }

// String lists the domains only: secrets do not belong in usage or logs.
func (c *componentFlag) String() string {
	if c == nil {
		return ""
	}
	names := make([]string, len(*c))
	for i, kv := range *c {
		names[i] = kv.domain
	}
	return strings.Join(names, ",")
}

func (c *componentFlag) Set(v string) error {
	d, secret, ok := strings.Cut(v, "=")
	switch {
	case !ok:
		return wrap(ErrBadFlag, "want DOMAIN=SECRET")
	case d == "":
		return wrap(ErrBadFlag, "empty domain in DOMAIN=SECRET")
	case secret == "":
		return wrap(ErrBadFlag, "empty secret for %s", d)
	}
	*c = append(*c, struct{ domain, secret string }{d, secret})
	return nil
}
