package sasl

import (
	"bytes"
	"unicode/utf8"
)

// plainFieldMax is RFC 4616's limit on each of authzid, authcid and passwd.
const plainFieldMax = 255

// plainMech is PLAIN (RFC 4616): one message, [authzid] NUL authcid NUL
// passwd, verified against the stored SCRAM credentials.
type plainMech struct {
	s        *Server
	finished bool
	username string
}

func (p *plainMech) Name() string     { return Plain }
func (p *plainMech) Username() string { return p.username }

func (p *plainMech) Step(in []byte) ([]byte, bool, error) {
	if p.finished {
		return nil, false, fail(MalformedRequest, "", errFinished)
	}
	p.finished = true
	if err := p.s.checkInput(in); err != nil {
		return nil, false, err
	}
	authzid, authcid, passwd, err := parsePlain(in)
	if err != nil {
		return nil, false, err
	}
	if handled, err := p.plainOther(authzid, authcid, passwd); handled {
		return nil, err == nil, err
	}
	r, err := p.s.lookup(authcid)
	if err != nil {
		return nil, false, err
	}
	// One record serves PLAIN: prefer SHA-256, fall back to SHA-1.
	h := SHA256
	c, known := p.s.credentials(r, h)
	if !known && r.known && r.sha1.usable(SHA1) {
		h, c, known = SHA1, r.sha1, true
	}
	// Unknown users pay for the derivation too, so timing says nothing.
	ok := verifyPassword(passwd, h, c)
	switch {
	case !known:
		return nil, false, fail(NotAuthorized, "", r.missing())
	case !ok:
		return nil, false, fail(NotAuthorized, "", errBadPassword)
	}
	if err := p.s.authorize(r.user, authzid); err != nil {
		return nil, false, err
	}
	p.username = r.user
	return nil, true, nil
}

// parsePlain splits a PLAIN message. Every way it can be wrong is a
// malformed-request: the message's shape says nothing about the user.
func parsePlain(in []byte) (authzid, authcid, passwd string, err error) {
	if len(in) == 0 {
		return "", "", "", fail(MalformedRequest, "empty PLAIN message", nil)
	}
	if !utf8.Valid(in) {
		return "", "", "", fail(MalformedRequest, "PLAIN message is not UTF-8", nil)
	}
	z, rest, ok1 := bytes.Cut(in, []byte{0})
	c, w, ok2 := bytes.Cut(rest, []byte{0})
	switch {
	case !ok1 || !ok2 || bytes.IndexByte(w, 0) >= 0:
		return "", "", "", fail(MalformedRequest, "PLAIN message needs exactly two NULs", nil)
	case len(c) == 0 || len(w) == 0:
		return "", "", "", fail(MalformedRequest, "empty PLAIN authcid or password", nil)
	case len(z) > plainFieldMax || len(c) > plainFieldMax || len(w) > plainFieldMax:
		return "", "", "", fail(MalformedRequest, "PLAIN field longer than 255 octets", nil)
	}
	return string(z), string(c), string(w), nil
}
