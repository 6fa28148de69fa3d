// Package config is the server binary's configuration: one Config value read
// from a YAML file, overridden by a few command-line flags, checked once at
// start-up and then handed, field by field, to the packages that do the work.
//
// # Model
//
// A Config is plain data. Its zero value is meaningful: every option whose
// zero is not a sensible setting means "the default", and EnsureDefaults
// replaces it by that default. The exceptions are the options for which zero
// is itself the natural setting: a listener address of "" is a disabled
// listener, an IdleTimeout of 0 is no idle timeout, EventLoops 0 is one loop
// per core, and empty TLS files mean a self-signed certificate. So the zero
// Config, after EnsureDefaults, is a server for "localhost" that listens
// nowhere (handy for tests that drive the engine in-process), and Default
// is the same with every listener on its standard port.
//
// Where an option can be switched off and off is not its default, it has an
// explicit spelling rather than a magic zero: the duration "off" (Off) for
// PingInterval, and -1 (Unlimited) for the per-IP rate limits.
//
// # Precedence
//
// defaults < file < flags. Load decodes the file over Default(), so a key
// absent from the file keeps its default and a key present replaces it; the
// flags registered by RegisterFlags then replace the options they name, but
// only when given on the command line. -component adds to (or replaces the
// secret of) the components from the file rather than replacing the map.
// One rule makes a pair of keys act as one option: a file that sets domains
// but not domain serves exactly the domains listed, without the default
// "localhost".
//
// # Errors
//
// Load, Validate and Flags.Apply report every problem they find at once, joined
// with errors.Join and, from Load, in file order. Load checks in two rounds:
// first the shape of the file (unknown or repeated keys, wrong types, bad
// durations), then, if that was clean, the options themselves. Each problem
// is an *Error naming the offending key by its YAML
// path ("limits.auth_timeout", "domains[1]", "components[gw.example.org]"),
// the file line (from Load) or the flag (from Apply) that set it, and one of
// the Err* sentinels, which callers test with errors.Is.
//
// Relative paths (data_dir, tls.cert_file, tls.key_file) are relative to the
// working directory of the process, not to the configuration file.
//
// docs/xmppd.example.yaml lists every option with its default; a test loads
// it and requires the result to equal Default(), and requires every option
// of Config to appear in it, so the documentation cannot drift from the code.
package config
