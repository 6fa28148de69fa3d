package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/xdg-go/scram"

	"xmppd/codec"
)

// A compact BOSH client (XEP-0124, with the XMPP binding of XEP-0206): just
// what a benchmark needs. A session is created with hold=1 (so at most two
// requests are ever open, 'requests' being hold+1), authenticates with
// SASL PLAIN or SCRAM, restarts, binds, and is then held by Hold: one
// goroutine that keeps exactly one request open at the server, sends
// whatever the handler wants to send in the next request, and stops when
// the session is terminated. Everything goes through one net/http client
// per run, with keep-alive, so a held session costs one TCP connection.

const (
	nsHTTPBind = "http://jabber.org/protocol/httpbind"
	nsXBOSH    = "urn:xmpp:xbosh"
	// boshWait is the 'wait' asked for: how long the server may hold an
	// empty request. An idle session makes one request per boshWait.
	boshWait = 60 * time.Second
)

var (
	// ErrBOSHTerminated: the server ended the BOSH session.
	ErrBOSHTerminated = errors.New("bench: BOSH session terminated by the server")
	// ErrBOSHStatus: the server answered with an HTTP error status.
	ErrBOSHStatus = errors.New("bench: BOSH HTTP error status")
)

// BOSHClient holds what every BOSH session of a run shares.
type BOSHClient struct {
	URL    string
	Domain string
	HTTP   *http.Client
	// Mech is the SASL mechanism of every login: PLAIN (also when empty),
	// SCRAM-SHA-1 or SCRAM-SHA-256.
	Mech Mech
}

// NewBOSHClient returns a client whose connections are kept alive, up to
// conns of them idle at once.
func NewBOSHClient(url, domain string, conns int) *BOSHClient {
	tr := &http.Transport{
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: max(conns, 2),
		DisableCompression:  true,
		IdleConnTimeout:     2 * boshWait,
	}
	return &BOSHClient{URL: url, Domain: domain, HTTP: &http.Client{Transport: tr, Timeout: boshWait + 15*time.Second}}
}

// BOSHSession is one BOSH session.
type BOSHSession struct {
	cl  *BOSHClient
	sid string
	// JID is the full JID the server bound.
	JID string
	dec *codec.Decoder // used by one request at a time: set-up, then Hold

	mu      sync.Mutex // guards the following fields
	rid     uint64
	closing bool
}

// nextRID allocates the next request id; ok is false once the session is
// closing.
func (s *BOSHSession) nextRID(closing bool) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return 0, false
	}
	s.closing = closing
	s.rid++
	return s.rid, true
}

// appendBodyStart appends the start of a <body/> with rid and, once there
// is one, sid.
func (s *BOSHSession) appendBodyStart(b []byte, rid uint64) []byte {
	b = append(b, "<body xmlns='"+nsHTTPBind+"' rid='"...)
	b = strconv.AppendUint(b, rid, 10)
	b = append(b, '\'')
	if s.sid != "" {
		b = append(b, " sid='"...)
		b = append(b, s.sid...)
		b = append(b, '\'')
	}
	return b
}

// post sends one request body and returns the response body.
func (s *BOSHSession) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cl.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	resp, err := s.cl.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %d", ErrBOSHStatus, resp.StatusCode)
	}
	return b, nil
}

// decode parses a response <body/>; it is valid until the next decode.
func (s *BOSHSession) decode(resp []byte) (codec.Element, error) {
	s.dec.Reset()
	ev, _, err := s.dec.Next(resp)
	if err != nil {
		return codec.Element{}, err
	}
	if ev != codec.EventElement {
		return codec.Element{}, fmt.Errorf("%w: incomplete BOSH body", ErrUnexpected)
	}
	e := s.dec.Element()
	if !e.Is("body", nsHTTPBind) {
		return codec.Element{}, fmt.Errorf("%w: <%s/> instead of a BOSH body", ErrUnexpected, e.Name())
	}
	if string(e.Attr("type")) == "terminate" {
		cond := string(e.Attr("condition"))
		if cond == "" {
			return e, ErrBOSHTerminated
		}
		return e, &StreamError{Cond: "bosh/" + cond}
	}
	return e, nil
}

// exchange sends payload inside a body (nothing more when attrs is empty),
// then reads responses, polling with empty bodies, until done says so.
func (s *BOSHSession) exchange(ctx context.Context, attrs, payload string, done func(codec.Element) (bool, error)) error {
	for first := true; ; first = false {
		rid, ok := s.nextRID(false)
		if !ok {
			return ErrBOSHTerminated
		}
		b := s.appendBodyStart(nil, rid)
		if first {
			b = append(b, attrs...)
		}
		if first && payload != "" {
			b = append(append(append(b, '>'), payload...), "</body>"...)
		} else {
			b = append(b, "/>"...)
		}
		resp, err := s.post(ctx, b)
		if err != nil {
			return err
		}
		body, err := s.decode(resp)
		if err != nil {
			return err
		}
		if s.sid == "" {
			s.sid = string(body.Attr("sid"))
			if s.sid == "" {
				return fmt.Errorf("%w: session creation without a sid", ErrUnexpected)
			}
		}
		for ch := range body.Children() {
			ok, err := done(ch)
			if err != nil || ok {
				return err
			}
		}
	}
}

// BOSHLogin creates a session and brings it to a bound resource: session
// creation, SASL (cl.Mech), restart, bind. ctx bounds it all; on error the
// session is abandoned (the server drops it after 'inactivity').
func (cl *BOSHClient) BOSHLogin(ctx context.Context, user, pass, resource string) (*BOSHSession, error) {
	s := &BOSHSession{cl: cl, dec: codec.NewFragmentDecoder(codec.Limits{}, nsHTTPBind)}
	// rid: a random-looking start well below 2^53 (XEP-0124 §14.1).
	s.rid = uint64(time.Now().UnixNano()) & (1<<40 - 1)
	var mechs uint8
	first := func(e codec.Element) (bool, error) {
		if !e.Is("features", nsStreams) {
			return false, nil
		}
		mechs = parseFeatures(e).mechs
		return true, nil
	}
	create := " to='" + cl.Domain + "' xml:lang='en' ver='1.6' wait='" + strconv.Itoa(int(boshWait/time.Second)) +
		"' hold='1' content='text/xml; charset=utf-8' xmpp:version='1.0' xmlns:xmpp='" + nsXBOSH + "'"
	if err := s.exchange(ctx, create, "", first); err != nil {
		return nil, stepErr(StepStream, err)
	}
	mech := cl.Mech
	if mech == "" {
		mech = MechPLAIN
	}
	if mechs&mechBit(mech) == 0 {
		return nil, stepErr(StepAuth, ErrNoMechanism)
	}
	if err := s.auth(ctx, user, pass, mech); err != nil {
		return nil, stepErr(StepAuth, err)
	}
	features := func(e codec.Element) (bool, error) { return e.Is("features", nsStreams), nil }
	restart := " to='" + cl.Domain + "' xml:lang='en' xmpp:restart='true' xmlns:xmpp='" + nsXBOSH + "'"
	if err := s.exchange(ctx, restart, "", features); err != nil {
		return nil, stepErr(StepStream, err)
	}
	bind := "<iq xmlns='" + nsClient + "' type='set' id='bind1'><bind xmlns='" + nsBind + "'>" +
		string(codec.AppendTextElement(nil, "resource", resource)) + "</bind></iq>"
	err := s.exchange(ctx, "", bind, func(e codec.Element) (bool, error) {
		if string(e.Name()) != "iq" || string(e.Attr("id")) != "bind1" {
			return false, nil
		}
		if string(e.Attr("type")) != "result" {
			return true, stanzaError(e)
		}
		if j := e.Child("bind", nsBind).Child("jid", nsBind); !j.IsZero() {
			s.JID = string(j.Text())
		}
		if s.JID == "" {
			return true, fmt.Errorf("%w: bind result without a JID", ErrUnexpected)
		}
		return true, nil
	})
	if err != nil {
		return nil, stepErr(StepBind, err)
	}
	return s, nil
}

// auth runs one SASL exchange (RFC 6120 §6) over the session: PLAIN, or
// SCRAM (RFC 5802) with the server's signature checked.
func (s *BOSHSession) auth(ctx context.Context, user, pass string, mech Mech) error {
	var conv *scram.ClientConversation
	var initial []byte
	switch mech {
	case MechPLAIN:
		initial = plainResponse(user, pass)
	case MechSCRAMSHA1, MechSCRAMSHA256:
		cl, err := scramHash(mech).NewClient(user, pass, "")
		if err != nil {
			return err
		}
		conv = cl.NewConversation()
		first, err := conv.Step("")
		if err != nil {
			return err
		}
		initial = []byte(first)
	default:
		return ErrNoMechanism
	}
	payload := string(appendAuth(nil, mech, initial))
	for {
		// The server's next SASL element: a challenge or the outcome. Its
		// data is copied out: the element lives until the next decode.
		var challenge, success bool
		var data []byte
		err := s.exchange(ctx, "", payload, func(e codec.Element) (bool, error) {
			switch {
			case e.Is("challenge", nsSASL):
				challenge = true
			case e.Is("success", nsSASL):
				success = true
			case e.Is("failure", nsSASL):
				return true, saslOutcome(e)
			default:
				return false, nil
			}
			// "=" is data of length zero (RFC 6120 §6.4).
			if t := e.Text(); string(t) != "=" {
				var err error
				if data, err = base64.StdEncoding.AppendDecode(nil, t); err != nil {
					return true, fmt.Errorf("%w: SASL data: %w", ErrUnexpected, err)
				}
			}
			return true, nil
		})
		switch {
		case err != nil:
			return err
		case success && conv == nil:
			return nil
		case success:
			return scramSuccess(conv, data)
		case challenge && conv != nil:
			resp, err := conv.Step(string(data))
			if err != nil {
				return fmt.Errorf("%w: %w", ErrUnexpected, err)
			}
			payload = string(appendResponse(nil, resp))
		default:
			return fmt.Errorf("%w: a SASL challenge to %s", ErrUnexpected, mech)
		}
	}
}

// Hold keeps one request open at the server until the session ends or
// Close is called. handle sees every stanza the server sends and appends
// what the session should send to out, which goes in the next request.
// Hold returns nil after Close, or the reason the session ended.
func (s *BOSHSession) Hold(ctx context.Context, handle func(e codec.Element, out []byte) []byte) error {
	var out, b []byte
	for {
		rid, ok := s.nextRID(false)
		if !ok {
			return nil
		}
		b = s.appendBodyStart(b[:0], rid)
		if len(out) > 0 {
			b = append(append(append(b, '>'), out...), "</body>"...)
		} else {
			b = append(b, "/>"...)
		}
		out = out[:0]
		resp, err := s.post(ctx, b)
		if err != nil {
			if s.isClosing() {
				return nil
			}
			return err
		}
		body, err := s.decode(resp)
		if err != nil {
			if s.isClosing() {
				return nil
			}
			return err
		}
		for ch := range body.Children() {
			if handle != nil {
				out = handle(ch, out)
			}
		}
	}
}

func (s *BOSHSession) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Close terminates the session (XEP-0124 §13), which also answers the
// request Hold keeps open.
func (s *BOSHSession) Close(ctx context.Context) error {
	rid, ok := s.nextRID(true)
	if !ok {
		return nil
	}
	b := s.appendBodyStart(nil, rid)
	b = append(b, " type='terminate'><presence xmlns='"+nsClient+"' type='unavailable'/></body>"...)
	_, err := s.post(ctx, b)
	return err
}
