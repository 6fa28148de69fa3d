package sasl

import "errors"

// Condition is an RFC 6120 §6.5 SASL failure condition. Its string form is
// the element name the session puts inside <failure/>.
type Condition string

// The SASL failure conditions of RFC 6120 §6.5.
const (
	Aborted              Condition = "aborted"
	AccountDisabled      Condition = "account-disabled"
	CredentialsExpired   Condition = "credentials-expired"
	EncryptionRequired   Condition = "encryption-required"
	IncorrectEncoding    Condition = "incorrect-encoding"
	InvalidAuthzid       Condition = "invalid-authzid"
	InvalidMechanism     Condition = "invalid-mechanism"
	MalformedRequest     Condition = "malformed-request"
	MechanismTooWeak     Condition = "mechanism-too-weak"
	NotAuthorized        Condition = "not-authorized"
	TemporaryAuthFailure Condition = "temporary-auth-failure"
)

// Error is a failed authentication attempt. Condition and Text go on the
// wire; the wrapped cause, if any, explains the failure to the server's logs
// and must not be sent, since it may tell an unknown user from a wrong
// password.
type Error struct {
	Condition Condition
	Text      string
	err       error
}

func (e *Error) Error() string {
	s := "sasl: " + string(e.Condition)
	if e.Text != "" {
		s += ": " + e.Text
	}
	if e.err != nil {
		s += " (" + e.err.Error() + ")"
	}
	return s
}

// Unwrap returns the cause, for logs.
func (e *Error) Unwrap() error { return e.err }

// Is reports whether target is an *Error with the same condition and either
// no text or the same text, so errors.Is(err, sasl.ErrNotAuthorized) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Condition == e.Condition && (t.Text == "" || t.Text == e.Text)
}

func fail(c Condition, text string, cause error) *Error {
	return &Error{Condition: c, Text: text, err: cause}
}

// Sentinels for errors.Is, one per condition.
var (
	ErrAborted              error = &Error{Condition: Aborted}
	ErrAccountDisabled      error = &Error{Condition: AccountDisabled}
	ErrCredentialsExpired   error = &Error{Condition: CredentialsExpired}
	ErrEncryptionRequired   error = &Error{Condition: EncryptionRequired}
	ErrIncorrectEncoding    error = &Error{Condition: IncorrectEncoding}
	ErrInvalidAuthzid       error = &Error{Condition: InvalidAuthzid}
	ErrInvalidMechanism     error = &Error{Condition: InvalidMechanism}
	ErrMalformedRequest     error = &Error{Condition: MalformedRequest}
	ErrMechanismTooWeak     error = &Error{Condition: MechanismTooWeak}
	ErrNotAuthorized        error = &Error{Condition: NotAuthorized}
	ErrTemporaryAuthFailure error = &Error{Condition: TemporaryAuthFailure}
)

// ErrUnknownUser is what a CredentialLookup returns for a user it does not
// know. The client sees the same not-authorized failure as for a wrong
// password; the server's logs can still tell the two apart with errors.Is.
var ErrUnknownUser = errors.New("sasl: unknown user")

// Causes kept for logs.
var (
	errBadPassword   = errors.New("sasl: wrong password")
	errNoCredentials = errors.New("sasl: user has no credentials for this mechanism")
	errFinished      = errors.New("sasl: Step called after the exchange ended")
)
