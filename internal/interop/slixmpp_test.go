package interop

import (
	"slices"
	"strings"
	"testing"
)

// TestSlixmpp drives one server with slixmpp, one script per subtest. Each
// script registers the fresh accounts it needs, so subtests are independent.
func TestSlixmpp(t *testing.T) {
	needClient(t)
	s := startServer(t)

	t.Run("register", func(t *testing.T) { testRegister(t, s) })
	t.Run("login", func(t *testing.T) { testLogin(t, s) })
	t.Run("starttls-bind-session", func(t *testing.T) { testBind(t, s) })
	t.Run("message-both-ways", func(t *testing.T) { testMessage(t, s) })
	t.Run("iq-errors", func(t *testing.T) { testIQErrors(t, s) })
	t.Run("ping", func(t *testing.T) { testPing(t, s) })
	t.Run("disco-info", func(t *testing.T) { testDiscoInfo(t, s) })
	t.Run("disco-items", func(t *testing.T) { testDiscoItems(t, s) })
	t.Run("version", func(t *testing.T) { testVersion(t, s) })
}

// XEP-0077: the form asks for username and password; the new account logs
// in on a new connection; the same username again is a conflict (§3.1).
func testRegister(t *testing.T, s *server) {
	var r struct {
		Form          []string `json:"form"`
		RegisteredJID string   `json:"registered_jid"`
		LoginJID      string   `json:"login_jid"`
		Again         string   `json:"again"`
	}
	s.runScript(t, &r, "register.py")
	for _, f := range []string{"username", "password"} {
		if !slices.Contains(r.Form, f) {
			t.Errorf("registration form %v lacks %s", r.Form, f)
		}
	}
	if !strings.HasPrefix(r.RegisteredJID, "reg-") || !strings.HasSuffix(r.RegisteredJID, "@"+s.domain) {
		t.Errorf("registered as %q, want reg-…@%s", r.RegisteredJID, s.domain)
	}
	if r.LoginJID != r.RegisteredJID {
		t.Errorf("logged in again as %q, want %q", r.LoginJID, r.RegisteredJID)
	}
	if r.Again != "conflict" {
		t.Errorf("registering the same username again: %q, want conflict", r.Again)
	}
}

type loginResult struct {
	Authenticated bool   `json:"authenticated"`
	Mechanism     string `json:"mechanism"`
	JID           string `json:"jid"`     // full JID bound
	Account       string `json:"account"` // bare JID logged in with
	TLS           string `json:"tls"`     // "" in the clear
	Condition     string `json:"condition"`
	Text          string `json:"text"`
}

// testLogin logs in with each SASL mechanism over each transport.
// slixmpp 1.8.3 binds SCRAM to tls-unique only, which TLS 1.3 does not
// define; so plain SCRAM is tested with the client capped at TLS 1.2, where
// xmppd offers no -PLUS, and on TLS 1.3 its attempts must be refused.
func testLogin(t *testing.T, s *server) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantMech string
		wantTLS  string // "": in the clear
		refused  string // non-empty: SASL must fail with this condition
	}{
		{"plain-starttls", []string{"--mech", "PLAIN"}, "PLAIN", "TLSv1.3", ""},
		{"plain-in-the-clear", []string{"--transport", "plain", "--mech", "PLAIN"}, "PLAIN", "", ""},
		{"scram-sha-1-starttls", []string{"--mech", "SCRAM-SHA-1", "--tls-max", "1.2"}, "SCRAM-SHA-1", "TLSv1.2", ""},
		{"scram-sha-256-starttls", []string{"--mech", "SCRAM-SHA-256", "--tls-max", "1.2"}, "SCRAM-SHA-256", "TLSv1.2", ""},
		{"scram-sha-1-in-the-clear", []string{"--transport", "plain", "--mech", "SCRAM-SHA-1"}, "SCRAM-SHA-1", "", ""},
		{"scram-sha-256-in-the-clear", []string{"--transport", "plain", "--mech", "SCRAM-SHA-256"}, "SCRAM-SHA-256", "", ""},
		{"plain-direct-tls", []string{"--transport", "direct", "--mech", "PLAIN"}, "PLAIN", "TLSv1.3", ""},
		{"scram-sha-256-direct-tls", []string{"--transport", "direct", "--mech", "SCRAM-SHA-256", "--tls-max", "1.2"}, "SCRAM-SHA-256", "TLSv1.2", ""},
		// RFC 6120 §6.5.10.
		{"wrong-password", []string{"--mech", "PLAIN", "--wrong-password"}, "PLAIN", "", "not-authorized"},
		// RFC 5802 §6: gs2 flag "y" says "I can bind but saw no -PLUS"; the
		// server offered -PLUS, so this is a downgrade it MUST refuse.
		{"scram-y-flag-under-plus-refused", []string{"--mech", "SCRAM-SHA-256"}, "SCRAM-SHA-256", "", "not-authorized"},
		// RFC 9266: tls-unique is undefined for TLS 1.3; xmppd binds with
		// tls-exporter and must refuse p=tls-unique.
		{"plus-tls-unique-refused", []string{"--mech", "SCRAM-SHA-256-PLUS"}, "SCRAM-SHA-256-PLUS", "", "not-authorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r loginResult
			s.runScript(t, &r, "login.py", tc.args...)
			if r.Mechanism != tc.wantMech {
				t.Errorf("mechanism %q, want %q", r.Mechanism, tc.wantMech)
			}
			if tc.refused != "" {
				if r.Authenticated || r.Condition != tc.refused {
					t.Errorf("authenticated=%v condition=%q (%s), want refused with %s",
						r.Authenticated, r.Condition, r.Text, tc.refused)
				}
				return
			}
			if !r.Authenticated {
				t.Fatalf("refused: %s (%s)", r.Condition, r.Text)
			}
			if r.TLS != tc.wantTLS {
				t.Errorf("TLS %q, want %q", r.TLS, tc.wantTLS)
			}
			// RFC 6120 §7.6: no resource asked for, so the server makes one.
			if res, ok := strings.CutPrefix(r.JID, r.Account+"/"); !ok || res == "" {
				t.Errorf("bound %q, want %s/<generated resource>", r.JID, r.Account)
			}
		})
	}
}

// RFC 6120 §5 then §6 then §7: STARTTLS, SASL, bind the resource the client
// asked for; then the RFC 3921 session IQ, still answered with a result
// for clients that ignore <optional/>.
func testBind(t *testing.T, s *server) {
	var r struct {
		StartTLS  bool   `json:"starttls"`
		TLS       string `json:"tls"`
		Requested string `json:"requested"`
		Bound     string `json:"bound"`
		Session   string `json:"session"`
	}
	s.runScript(t, &r, "session.py")
	if !r.StartTLS || r.TLS == "" {
		t.Errorf("starttls negotiated=%v, TLS %q; want STARTTLS then TLS", r.StartTLS, r.TLS)
	}
	if !strings.HasSuffix(r.Requested, "/interop-res") || r.Bound != r.Requested {
		t.Errorf("bound %q, requested %q", r.Bound, r.Requested)
	}
	if r.Session != "result" {
		t.Errorf("legacy session IQ: %q, want result", r.Session)
	}
}

type delivered struct {
	From string `json:"from"`
	To   string `json:"to"`
	Type string `json:"type"`
	Body string `json:"body"`
}

// RFC 6121 §8.5.3.1: a message to a connected full JID is delivered to it,
// stamped with the sender's full JID (RFC 6120 §8.1.2.1), body intact
// through escaping and non-ASCII.
func testMessage(t *testing.T, s *server) {
	var r struct {
		Alice      string    `json:"alice"`
		Bob        string    `json:"bob"`
		SentBody   string    `json:"sent_body"`
		AliceToBob delivered `json:"alice_to_bob"`
		BobToAlice delivered `json:"bob_to_alice"`
	}
	s.runScript(t, &r, "message.py")
	for _, c := range []struct {
		name     string
		got      delivered
		from, to string
	}{
		{"alice to bob", r.AliceToBob, r.Alice, r.Bob},
		{"bob to alice", r.BobToAlice, r.Bob, r.Alice},
	} {
		want := delivered{From: c.from, To: c.to, Type: "chat", Body: r.SentBody}
		if c.got != want {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, want)
		}
	}
}

// An IQ nobody can answer comes back as an error of type cancel, from the
// address it was sent to: service-unavailable for local addresses with no
// such account (RFC 6121 §8.5.1) or no such resource (§8.5.3.2), the same
// answer either way so it does not reveal accounts; remote-server-not-found
// for a domain this server does not serve and cannot reach (RFC 6120
// §8.3.3.15; xmppd has no s2s yet).
func testIQErrors(t *testing.T, s *server) {
	type iqError struct {
		To        string `json:"to"`
		Type      string `json:"type"`
		From      string `json:"from"`
		Condition string `json:"condition"`
		ErrorType string `json:"error_type"`
	}
	var r map[string]iqError
	s.runScript(t, &r, "iq_errors.py")
	for _, c := range []struct{ target, want string }{
		{"missing_bare", "service-unavailable"},
		{"missing_full", "service-unavailable"},
		{"offline_resource", "service-unavailable"},
		{"unserved_user", "remote-server-not-found"},
		{"unserved_domain", "remote-server-not-found"},
	} {
		got, ok := r[c.target]
		if !ok {
			t.Errorf("%s: not reported", c.target)
			continue
		}
		want := iqError{To: got.To, Type: "error", From: got.To, Condition: c.want, ErrorType: "cancel"}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", c.target, got, want)
		}
	}
}

// XEP-0199 §4.2: the server answers a ping with an empty result.
func testPing(t *testing.T, s *server) {
	var r struct {
		RTT float64 `json:"rtt_seconds"`
	}
	s.runScript(t, &r, "query.py", "ping")
	if r.RTT <= 0 {
		t.Errorf("ping round trip %v s", r.RTT)
	}
}

// XEP-0030: the server is a server/im identity and lists what it serves.
func testDiscoInfo(t *testing.T, s *server) {
	var r struct {
		Identities []string `json:"identities"`
		Features   []string `json:"features"`
	}
	s.runScript(t, &r, "query.py", "disco-info")
	if !slices.Contains(r.Identities, "server/im") {
		t.Errorf("identities %v lack server/im", r.Identities)
	}
	for _, f := range []string{
		"http://jabber.org/protocol/disco#info",
		"urn:xmpp:ping",
		"jabber:iq:version",
		"jabber:iq:register",
	} {
		if !slices.Contains(r.Features, f) {
			t.Errorf("features %v lack %s", r.Features, f)
		}
	}
}

// XEP-0030 §4: disco#items of the server answers with a result (no
// components configured, so no items are required).
func testDiscoItems(t *testing.T, s *server) {
	var r struct {
		Type  string   `json:"type"`
		Items []string `json:"items"`
	}
	s.runScript(t, &r, "query.py", "disco-items")
	if r.Type != "result" {
		t.Errorf("disco#items: %q, want result", r.Type)
	}
}

// XEP-0092: the server names itself.
func testVersion(t *testing.T, s *server) {
	var r struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	s.runScript(t, &r, "query.py", "version")
	if r.Name != "xmppd" || r.Version == "" {
		t.Errorf("software version %q %q, want xmppd and a version", r.Name, r.Version)
	}
}
