package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"xmppd/codec"
)

var (
	// ErrStreamClosed: the server ended the stream or closed the connection.
	ErrStreamClosed = errors.New("bench: stream closed by the server")
	// ErrNoStartTLS: STARTTLS was asked for and the server does not offer it.
	ErrNoStartTLS = errors.New("bench: server does not offer STARTTLS")
	// ErrNoMechanism: the server does not offer the configured mechanism.
	ErrNoMechanism = errors.New("bench: server does not offer the SASL mechanism")
	// ErrNoBind: the stream after authentication offers no resource binding.
	ErrNoBind = errors.New("bench: server does not offer resource binding")
	// ErrUnexpected: the server answered with something the client did not
	// expect at that point of the exchange.
	ErrUnexpected = errors.New("bench: unexpected element")
	// ErrServerSignature: SCRAM's server signature did not verify.
	ErrServerSignature = errors.New("bench: SCRAM server signature did not verify")
)

// StreamError is a <stream:error/> from the server (RFC 6120 §4.9).
type StreamError struct{ Cond string }

func (e *StreamError) Error() string { return "bench: stream error " + e.Cond }

// SASLError is a SASL <failure/> (RFC 6120 §6.5).
type SASLError struct{ Cond string }

func (e *SASLError) Error() string { return "bench: SASL failure " + e.Cond }

// StanzaError is an error reply to an IQ, or a bounced message (RFC 6120
// §8.3).
type StanzaError struct{ Type, Cond string }

func (e *StanzaError) Error() string { return "bench: stanza error " + e.Type + "/" + e.Cond }

// Step names the part of a session's life an error happened in; it is the
// first half of a failure reason.
type Step string

const (
	StepDial     Step = "dial"
	StepTLS      Step = "tls"
	StepStream   Step = "stream"
	StepStartTLS Step = "starttls"
	StepAuth     Step = "auth"
	StepBind     Step = "bind"
	StepRoster   Step = "roster"
	StepPresence Step = "presence"
	StepRegister Step = "register"
	StepSession  Step = "session" // after set-up: an established session failed
	StepLogout   Step = "logout"  // ending a session: the server did not close the stream
)

// StepError attaches the step to an error.
type StepError struct {
	Step Step
	Err  error
}

func (e *StepError) Error() string { return string(e.Step) + ": " + e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

func stepErr(s Step, err error) error {
	if err == nil {
		return nil
	}
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	return &StepError{Step: s, Err: err}
}

// Reason classifies err into a short, stable label ("auth:not-authorized",
// "dial:refused", "bind:timeout") for the failures-by-reason table. It looks
// at error types and sentinels only, never at message text.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var se *StepError
	step := "error"
	if errors.As(err, &se) {
		step = string(se.Step)
	}
	return step + ":" + cause(err)
}

func cause(err error) string {
	var (
		stream *StreamError
		sasl   *SASLError
		stanza *StanzaError
		cerr   *codec.Error
		tlsRec tls.RecordHeaderError
		tlsAl  tls.AlertError
		cverr  *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &stream):
		return "stream-error/" + stream.Cond
	case errors.As(err, &sasl):
		return sasl.Cond
	case errors.As(err, &stanza):
		return stanza.Cond
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no-local-port"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too-many-files"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, ErrStreamClosed), errors.Is(err, net.ErrClosed):
		return "closed"
	case errors.As(err, &cerr):
		return "bad-xml"
	case errors.As(err, &tlsRec), errors.As(err, &tlsAl), errors.As(err, &cverr):
		return "tls"
	case errors.Is(err, ErrNoStartTLS):
		return "no-starttls"
	case errors.Is(err, ErrNoMechanism):
		return "no-mechanism"
	case errors.Is(err, ErrNoBind):
		return "no-bind"
	case errors.Is(err, ErrServerSignature):
		return "server-signature"
	case errors.Is(err, ErrUnexpected):
		return "unexpected"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "other"
}
