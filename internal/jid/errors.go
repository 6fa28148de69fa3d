package jid

import "errors"

// Every error returned by this package is one of these, possibly wrapped with
// detail. All of them mean the stanza error condition jid-malformed.
var (
	ErrEmptyLocal    = errors.New("jid: empty localpart")
	ErrEmptyDomain   = errors.New("jid: empty domainpart")
	ErrEmptyResource = errors.New("jid: empty resourcepart")

	ErrLocalTooLong    = errors.New("jid: localpart longer than 1023 bytes")
	ErrDomainTooLong   = errors.New("jid: domainpart longer than 1023 bytes")
	ErrResourceTooLong = errors.New("jid: resourcepart longer than 1023 bytes")

	ErrInvalidLocal    = errors.New("jid: invalid localpart")
	ErrInvalidDomain   = errors.New("jid: invalid domainpart")
	ErrInvalidResource = errors.New("jid: invalid resourcepart")
)
