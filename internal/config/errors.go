package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Every *Error wraps one of these, possibly with detail.
var (
	ErrSyntax          = errors.New("config: malformed YAML")
	ErrUnknownKey      = errors.New("config: unknown key")
	ErrDuplicateKey    = errors.New("config: key given twice")
	ErrType            = errors.New("config: wrong type")
	ErrBadDuration     = errors.New("config: bad duration")
	ErrBadValue        = errors.New("config: value not allowed")
	ErrOutOfRange      = errors.New("config: value out of range")
	ErrBadAddress      = errors.New("config: bad listen address")
	ErrAddressConflict = errors.New("config: listen address used twice")
	ErrBadDomain       = errors.New("config: bad domain")
	ErrDuplicateDomain = errors.New("config: domain given twice")
	ErrAdminToken      = errors.New("config: a token is required for a non-loopback admin listener")
	ErrTLSPair         = errors.New("config: cert_file and key_file must be set together")
	ErrEmptySecret     = errors.New("config: empty component secret")
	ErrBadFlag         = errors.New("config: bad flag value")
)

// Error is one invalid option.
type Error struct {
	Key  string // YAML path of the option: "limits.auth_timeout", "domains[1]", "components[gw.example.org]"
	File string // the file that set it, when reported by Load
	Line int    // 1-based line in File, 0 when unknown or the option is not in the file
	Flag string // the flag that set it ("-c2s"), when reported by Flags.Apply
	Err  error  // one of the Err* sentinels, possibly wrapped with detail

	// at lists the YAML paths whose line locates the error, best first: the
	// key itself, then the key that made it necessary when the key itself is
	// absent from the file (admin_token for a public listen.admin).
	at [][]string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	switch {
	case e.Flag != "":
		b.WriteString("flag " + e.Flag + ": ")
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	// The sentinels carry the package prefix already written above.
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "config: "))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// fieldErr reports the option at the dotted path key (struct fields only).
func fieldErr(key string, err error, also ...string) *Error {
	e := &Error{Key: key, Err: err, at: [][]string{strings.Split(key, ".")}}
	for _, k := range also {
		e.at = append(e.at, strings.Split(k, "."))
	}
	return e
}

// itemErr reports element i of the sequence at key.
func itemErr(key string, i int, err error) *Error {
	idx := strconv.Itoa(i)
	return &Error{Key: key + "[" + idx + "]", Err: err, at: [][]string{append(strings.Split(key, "."), idx)}}
}

// entryErr reports the entry name of the map at key.
func entryErr(key, name string, err error) *Error {
	return &Error{Key: key + "[" + name + "]", Err: err, at: [][]string{append(strings.Split(key, "."), name)}}
}

func wrap(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

func join(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
