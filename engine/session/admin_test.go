package session

import (
	"errors"
	"strings"
	"testing"

	"xmppd/storage"
)

func TestAdminUsersAndSessions(t *testing.T) {
	srv := newTestServer(t, nil)
	if err := srv.CreateUser("Helena", "pw"); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateUser("helena", "x"); !errors.Is(err, storage.ErrUserExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := srv.CreateUser("a@b", "x"); err == nil {
		t.Fatal("invalid name accepted")
	}
	c := srv.testClient(t)
	c.send(openStream)
	c.send(plainAuth("helena", "pw"))
	c.expect("<success")
	c.send(openStream)
	c.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>")
	c.send("<presence><show>away</show><status>at court</status><priority>3</priority></presence>")
	list, err := srv.Sessions("helena")
	if err != nil || len(list) != 1 || list[0].JID != "helena@localhost/web" || !list[0].Available ||
		list[0].Priority != 3 || list[0].Show != "away" || list[0].Status != "at court" {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	if err := srv.SetPassword("helena", "new"); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetPassword("nobody", "x"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("unknown user: %v", err)
	}
	if err := srv.SendMessage("portal.localhost", "helena@localhost", "headline", "News", "You have mail"); err != nil {
		t.Fatal(err)
	}
	waitEnqueued(t, c, "You have mail")
	if n, _ := srv.Broadcast("localhost", "", "", "maintenance at noon"); n != 1 {
		t.Fatalf("broadcast reached %d", n)
	}
	waitEnqueued(t, c, "maintenance at noon")
	if n := srv.Kick("helena", "", "policy-violation", "kicked by an administrator"); n != 1 {
		t.Fatalf("kicked %d", n)
	}
	c.pumpFor(100)
	c.expect("<policy-violation")
	if err := srv.DeleteUser("helena"); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteUser("helena"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestAdminRosters(t *testing.T) {
	srv := newTestServer(t, nil)
	a := srv.testClient(t)
	a.login("hermia", "pw", "r")
	b := srv.testClient(t)
	b.login("lysander", "pw", "r")
	for _, c := range []*client{a, b} {
		c.send("<iq type='get' id='g'><query xmlns='jabber:iq:roster'/></iq>")
		c.expect("id='g'")
		c.send("<presence/>")
	}
	a.pumpFor(20)
	b.pumpFor(20)
	if err := srv.SetRosterItem("hermia", RosterItem{JID: "lysander@localhost", Name: "Lysander", Groups: []string{"Athens"}, Subscription: "both"}); err != nil {
		t.Fatal(err)
	}
	waitEnqueued(t, a, "name='Lysander'")
	waitEnqueued(t, b, "jid='hermia@localhost'") // mirrored: both
	waitEnqueued(t, a, "from='lysander@localhost/r'")
	waitEnqueued(t, b, "from='hermia@localhost/r'")
	items, ver, err := srv.Roster("lysander")
	if err != nil || len(items) != 1 || items[0].Subscription != "both" || ver == 0 {
		t.Fatalf("mirror: %+v %d %v", items, ver, err)
	}
	for _, bad := range []RosterItem{{JID: "x@y/res"}, {JID: "x@localhost", Subscription: "sometimes"}, {JID: "x@localhost", Groups: []string{""}}} {
		if err := srv.SetRosterItem("hermia", bad); err == nil {
			t.Fatalf("accepted %+v", bad)
		}
	}
	ver, err = srv.ReplaceRoster("hermia", []RosterItem{{JID: "demetrius@localhost", Subscription: "none"}})
	if err != nil || ver == 0 {
		t.Fatal(err)
	}
	waitEnqueued(t, a, "subscription='remove'")
	if err := srv.DeleteRosterItem("hermia", "demetrius@localhost"); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteRosterItem("hermia", "demetrius@localhost"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, _, err := srv.Roster("nobody"); !errors.Is(err, ErrNoUser) {
		t.Fatalf("roster of nobody: %v", err)
	}
	if !strings.Contains(strings.Join(func() []string {
		var s []string
		for k := range srv.StatsSnapshot() {
			s = append(s, k)
		}
		return s
	}(), ","), "online_sessions") {
		t.Fatal("stats snapshot lacks online_sessions")
	}
}
