package sasl

import (
	"errors"

	"golang.org/x/text/secure/precis"
)

// ExternalVerifier checks a PLAIN password somewhere else (a web portal
// that owns its users' passwords). With one configured the server cannot
// run SCRAM (it holds no keys), so PLAIN is the only mechanism offered.
// VerifyPlain runs on the caller's worker goroutine and may block; ok=false
// is a wrong password or an unknown user, an error a failure to ask
// (temporary-auth-failure).
type ExternalVerifier interface {
	VerifyPlain(user, password string) (ok bool, err error)
}

// TokenVerifier accepts short-lived single-sign-on tokens in place of a
// password in PLAIN (a portal that has authenticated the user hands the
// browser a token instead of the password).
type TokenVerifier interface {
	VerifyToken(user, token string) bool
}

// plainOther verifies a PLAIN attempt by token or by the external
// verifier. handled=false means neither applies and the stored
// credentials decide.
func (p *plainMech) plainOther(authzid, authcid, passwd string) (handled bool, err error) {
	user, perr := precis.UsernameCaseMapped.String(authcid)
	if tv := p.s.cfg.Tokens; tv != nil && perr == nil && tv.VerifyToken(user, passwd) {
		return true, p.accept(user, authzid)
	}
	ev := p.s.cfg.External
	if ev == nil {
		return false, nil
	}
	if perr != nil {
		return true, fail(NotAuthorized, "", ErrUnknownUser)
	}
	ok, err := ev.VerifyPlain(user, passwd)
	switch {
	case err != nil:
		return true, fail(TemporaryAuthFailure, "", err)
	case !ok:
		return true, fail(NotAuthorized, "", errBadPassword)
	}
	return true, p.accept(user, authzid)
}

func (p *plainMech) accept(user, authzid string) error {
	if err := p.s.authorize(user, authzid); err != nil {
		return err
	}
	p.username = user
	return nil
}

var errExternalScram = errors.New("sasl: SCRAM is not available with external authentication")
