package bench

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/xdg-go/scram"

	"xmppd/codec"
)

// Account is who a session logs in as, and what it does right after.
type Account struct {
	User, Password string
	Mech           Mech
	Resource       string
	// Roster: fetch the roster after binding. Presence: then send initial
	// presence.
	Roster, Presence bool
}

// Login dials and brings one session to the point where it can exchange
// stanzas: STARTTLS when configured, SASL, a stream restart, resource
// binding, then optionally the roster and initial presence. ctx bounds it
// all; on error nothing is left open.
func (d *Dialer) Login(ctx context.Context, a *Account) (*Conn, error) {
	c, err := d.Dial(ctx)
	if err != nil {
		return nil, err
	}
	stop := c.watch(ctx)
	defer stop()
	if err := c.setup(ctx, a); err != nil {
		c.abort()
		return nil, err
	}
	return c, nil
}

func (c *Conn) setup(ctx context.Context, a *Account) error {
	if c.d.TLS == TLSStartTLS {
		if err := c.startTLS(ctx); err != nil {
			return c.fail(ctx, StepStartTLS, err)
		}
	}
	if err := c.auth(a.User, a.Password, a.Mech); err != nil {
		return c.fail(ctx, StepAuth, err)
	}
	if err := c.bindResource(a.Resource); err != nil {
		return c.fail(ctx, StepBind, err)
	}
	if a.Roster {
		if err := c.request("<iq type='get' id='roster1'><query xmlns='"+nsRoster+"'/></iq>", "roster1"); err != nil {
			return c.fail(ctx, StepRoster, err)
		}
	}
	if a.Presence {
		if err := c.send("<presence/>"); err != nil {
			return c.fail(ctx, StepPresence, err)
		}
	}
	return nil
}

// openStream sends a stream header and reads the server's header and
// features.
func (c *Conn) openStream() error {
	b := codec.AppendStreamHeader(c.beginWrite(), codec.StreamHeader{NS: nsClient, To: c.d.Domain, Version: "1.0"})
	if err := c.endWrite(b); err != nil {
		return err
	}
	ev, err := c.nextEvent(nil)
	if err != nil {
		return err
	}
	if ev != codec.EventStreamStart {
		return fmt.Errorf("%w: %s instead of the stream header", ErrUnexpected, ev)
	}
	e, err := c.next(nil)
	if err != nil {
		return err
	}
	if !e.Is("features", nsStreams) {
		return fmt.Errorf("%w: <%s/> instead of stream features", ErrUnexpected, e.Name())
	}
	c.feat = parseFeatures(e)
	return nil
}

// parseFeatures reads what a <stream:features/> offers.
func parseFeatures(e codec.Element) features {
	var f features
	for ch := range e.Children() {
		switch {
		case ch.Is("starttls", nsTLS):
			f.startTLS = true
		case ch.Is("mechanisms", nsSASL):
			for m := range ch.Children() {
				if m.Is("mechanism", nsSASL) {
					f.mechs |= mechBit(Mech(m.Text()))
				}
			}
		case ch.Is("bind", nsBind):
			f.bind = true
		case ch.Is("session", nsSession):
			f.session = ch.Child("optional", nsSession).IsZero()
		case ch.Is("register", nsRegFeat):
			f.register = true
		}
	}
	return f
}

// restart begins a new stream on the same connection (after STARTTLS and
// SASL success, RFC 6120 §5.4.3.3 and §6.4.6).
func (c *Conn) restart() error {
	if c.r != c.w {
		return fmt.Errorf("%w: data after the end of a stream phase", ErrUnexpected)
	}
	c.dec.Reset()
	return c.openStream()
}

func (c *Conn) startTLS(ctx context.Context) error {
	if !c.feat.startTLS {
		return ErrNoStartTLS
	}
	if err := c.send("<starttls xmlns='" + nsTLS + "'/>"); err != nil {
		return err
	}
	e, err := c.next(nil)
	if err != nil {
		return err
	}
	if !e.Is("proceed", nsTLS) {
		return fmt.Errorf("%w: <%s/> instead of <proceed/>", ErrUnexpected, e.Name())
	}
	if c.r != c.w {
		return fmt.Errorf("%w: data after <proceed/>", ErrUnexpected)
	}
	if err := c.handshake(ctx); err != nil {
		return err
	}
	c.dec.Reset()
	return c.openStream()
}

// auth runs one SASL exchange and restarts the stream.
func (c *Conn) auth(user, pass string, mech Mech) error {
	if c.feat.mechs&mechBit(mech) == 0 {
		return ErrNoMechanism
	}
	var err error
	switch mech {
	case MechPLAIN:
		err = c.authPlain(user, pass)
	case MechSCRAMSHA1, MechSCRAMSHA256:
		err = c.authSCRAM(scramHash(mech), user, pass, mech)
	default:
		err = ErrNoMechanism
	}
	if err != nil {
		return err
	}
	return c.restart()
}

func appendAuth(b []byte, mech Mech, payload []byte) []byte {
	b = append(b, "<auth xmlns='"+nsSASL+"' mechanism='"...)
	b = append(b, mech...)
	b = append(b, "'>"...)
	if len(payload) == 0 {
		b = append(b, '=')
	} else {
		b = base64.StdEncoding.AppendEncode(b, payload)
	}
	return append(b, "</auth>"...)
}

// plainResponse is PLAIN's initial response (RFC 4616): no authzid.
func plainResponse(user, pass string) []byte {
	payload := make([]byte, 0, 2+len(user)+len(pass))
	return append(append(append(append(payload, 0), user...), 0), pass...)
}

// scramHash is the hash of a SCRAM mechanism: SHA-256 for SCRAM-SHA-256,
// SHA-1 otherwise.
func scramHash(mech Mech) scram.HashGeneratorFcn {
	if mech == MechSCRAMSHA256 {
		return scram.SHA256
	}
	return scram.SHA1
}

// appendResponse appends a SASL <response/> carrying data.
func appendResponse(b []byte, data string) []byte {
	b = append(b, "<response xmlns='"+nsSASL+"'>"...)
	b = base64.StdEncoding.AppendEncode(b, []byte(data))
	return append(b, "</response>"...)
}

// scramSuccess checks the server's signature, the additional data (decoded)
// of <success/> (RFC 6120 §6.3.10); a server that sent it as a last
// challenge instead has left conv done, and data is not looked at.
func scramSuccess(conv *scram.ClientConversation, data []byte) error {
	if !conv.Done() {
		if _, err := conv.Step(string(data)); err != nil {
			return fmt.Errorf("%w: %w", ErrServerSignature, err)
		}
	}
	if !conv.Valid() {
		return ErrServerSignature
	}
	return nil
}

func (c *Conn) authPlain(user, pass string) error {
	if err := c.endWrite(appendAuth(c.beginWrite(), MechPLAIN, plainResponse(user, pass))); err != nil {
		return err
	}
	e, err := c.next(nil)
	if err != nil {
		return err
	}
	return saslOutcome(e)
}

// saslOutcome turns <success/> into nil and <failure/> (or anything else)
// into an error.
func saslOutcome(e codec.Element) error {
	switch {
	case e.Is("success", nsSASL):
		return nil
	case e.Is("failure", nsSASL):
		return &SASLError{Cond: condition(e, nsSASL)}
	}
	return fmt.Errorf("%w: <%s/> during SASL", ErrUnexpected, e.Name())
}

func (c *Conn) authSCRAM(h scram.HashGeneratorFcn, user, pass string, mech Mech) error {
	cl, err := c.d.scramClient(h, mech, user, pass)
	if err != nil {
		return err
	}
	conv := cl.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return err
	}
	if err := c.endWrite(appendAuth(c.beginWrite(), mech, []byte(first))); err != nil {
		return err
	}
	for {
		e, err := c.next(nil)
		if err != nil {
			return err
		}
		switch {
		case e.Is("challenge", nsSASL):
			in, err := base64.StdEncoding.AppendDecode(nil, e.Text())
			if err != nil {
				return fmt.Errorf("%w: challenge: %w", ErrUnexpected, err)
			}
			resp, err := conv.Step(string(in))
			if err != nil {
				_ = c.send("<abort xmlns='" + nsSASL + "'/>")
				return fmt.Errorf("%w: %w", ErrUnexpected, err)
			}
			if err := c.endWrite(appendResponse(c.beginWrite(), resp)); err != nil {
				return err
			}
		case e.Is("success", nsSASL):
			var in []byte
			if !conv.Done() {
				var err error
				if in, err = base64.StdEncoding.AppendDecode(nil, e.Text()); err != nil {
					return fmt.Errorf("%w: %w", ErrServerSignature, err)
				}
			}
			return scramSuccess(conv, in)
		default:
			return saslOutcome(e)
		}
	}
}

// bindResource binds a resource (RFC 6120 §7) and, for old servers that
// require it, establishes a session (RFC 3921 §3).
func (c *Conn) bindResource(res string) error {
	if !c.feat.bind {
		return ErrNoBind
	}
	b := append(c.beginWrite(), "<iq type='set' id='bind1'><bind xmlns='"+nsBind+"'>"...)
	if res != "" {
		b = codec.AppendTextElement(b, "resource", res)
	}
	if err := c.endWrite(append(b, "</bind></iq>"...)); err != nil {
		return err
	}
	e, err := c.awaitIQ("bind1")
	if err != nil {
		return err
	}
	if b := e.Child("bind", nsBind); !b.IsZero() {
		if j := b.Child("jid", nsBind); !j.IsZero() {
			c.JID = string(j.Text())
		}
	}
	if c.JID == "" {
		return fmt.Errorf("%w: bind result without a JID", ErrUnexpected)
	}
	if c.feat.session {
		return c.request("<iq type='set' id='sess1'><session xmlns='"+nsSession+"'/></iq>", "sess1")
	}
	return nil
}

// request sends an IQ and waits for its result.
func (c *Conn) request(iq, id string) error {
	if err := c.send(iq); err != nil {
		return err
	}
	_, err := c.awaitIQ(id)
	return err
}

// awaitIQ reads until the response to IQ id: the result element, or the
// error it carries. Server requests met on the way are answered, anything
// else is skipped.
func (c *Conn) awaitIQ(id string) (codec.Element, error) {
	for {
		e, err := c.next(nil)
		if err != nil {
			return e, err
		}
		if string(e.Name()) != "iq" || string(e.NS()) != nsClient {
			continue
		}
		if ok, err := c.answerIQ(e); ok || err != nil {
			if err != nil {
				return e, err
			}
			continue
		}
		if string(e.Attr("id")) != id {
			continue
		}
		switch string(e.Attr("type")) {
		case "result":
			return e, nil
		case "error":
			return e, stanzaError(e)
		}
		return e, fmt.Errorf("%w: iq of type %q", ErrUnexpected, e.Attr("type"))
	}
}

// Register creates one account with in-band registration (XEP-0077) on a
// stream that has not authenticated; the register scenario pipelines the
// same request instead.
func (c *Conn) Register(user, pass string) error {
	b := AppendRegister(c.beginWrite(), "reg1", user, pass)
	if err := c.endWrite(b); err != nil {
		return stepErr(StepRegister, err)
	}
	_, err := c.awaitIQ("reg1")
	return stepErr(StepRegister, err)
}

// AppendRegister appends a XEP-0077 registration request.
func AppendRegister(b []byte, id, user, pass string) []byte {
	b = append(b, "<iq type='set'"...)
	b = codec.AppendAttr(b, "id", id)
	b = append(b, "><query xmlns='"+nsRegister+"'>"...)
	b = codec.AppendTextElement(b, "username", user)
	b = codec.AppendTextElement(b, "password", pass)
	return append(b, "</query></iq>"...)
}

// Open dials and, when configured, completes STARTTLS: a stream ready for
// SASL or in-band registration.
func (d *Dialer) Open(ctx context.Context) (*Conn, error) {
	c, err := d.Dial(ctx)
	if err != nil || d.TLS != TLSStartTLS {
		return c, err
	}
	stop := c.watch(ctx)
	defer stop()
	if err := c.startTLS(ctx); err != nil {
		c.abort()
		return nil, c.fail(ctx, StepStartTLS, err)
	}
	return c, nil
}

func (d *Dialer) scramClient(h scram.HashGeneratorFcn, mech Mech, user, pass string) (*scram.Client, error) {
	if !d.CacheSCRAM {
		return h.NewClient(user, pass, "")
	}
	key := string(mech) + "\x00" + user + "\x00" + pass
	if cl, ok := d.scramClients.Load(key); ok {
		return cl.(*scram.Client), nil
	}
	cl, err := h.NewClient(user, pass, "")
	if err != nil {
		return nil, err
	}
	actual, _ := d.scramClients.LoadOrStore(key, cl)
	return actual.(*scram.Client), nil
}
