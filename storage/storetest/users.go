package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"xmppd/storage"
)

func runUsers(t *testing.T, open Opener) {
	t.Run("CreateGet", func(t *testing.T) {
		s := open(t)
		sha1, sha256 := Keys(7)
		in := storage.User{Name: "alice", SHA1: sha1, SHA256: sha256, Created: created}
		noErr(t, "CreateUser", s.CreateUser(in))
		got, err := s.User("alice")
		noErr(t, "User", err)
		want := in.Clone()
		want.Created = storage.NormalizeTime(created)
		wantEqual(t, "user", got, want)
		if !got.Created.Equal(created) {
			t.Fatalf("Created %v, want %v", got.Created, created)
		}
	})

	t.Run("OneMechanism", func(t *testing.T) {
		s := open(t)
		_, sha256 := Keys(1)
		noErr(t, "CreateUser", s.CreateUser(storage.User{Name: "bob", SHA256: sha256}))
		got, err := s.User("bob")
		noErr(t, "User", err)
		if !got.SHA1.IsZero() || got.SHA1.Salt != nil {
			t.Fatalf("SHA1 = %#v, want zero", got.SHA1)
		}
		wantEqual(t, "SHA256", got.SHA256, sha256)
	})

	t.Run("CreatedDefaultsToNow", func(t *testing.T) {
		s := open(t)
		before := time.Now()
		noErr(t, "CreateUser", s.CreateUser(storage.User{Name: "carol"}))
		after := time.Now()
		got, err := s.User("carol")
		noErr(t, "User", err)
		if got.Created.Before(before.Truncate(time.Microsecond)) || got.Created.After(after) {
			t.Fatalf("Created %v not in [%v, %v]", got.Created, before, after)
		}
	})

	t.Run("Duplicate", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		wantErr(t, "second CreateUser", s.CreateUser(storage.User{Name: "alice"}), storage.ErrUserExists)
		n, err := s.CountUsers()
		noErr(t, "CountUsers", err)
		wantEqual(t, "count", n, 1)
	})

	t.Run("Missing", func(t *testing.T) {
		s := open(t)
		_, err := s.User("nobody")
		wantErr(t, "User", err, storage.ErrNotFound)
		sha1, sha256 := Keys(1)
		wantErr(t, "SetCredentials", s.SetCredentials("nobody", sha1, sha256), storage.ErrNotFound)
		wantErr(t, "DeleteUser", s.DeleteUser("nobody"), storage.ErrNotFound)
	})

	t.Run("InvalidNames", func(t *testing.T) {
		s := open(t)
		for _, tc := range []struct{ name, user string }{
			{"empty", ""},
			{"NUL", "a\x00b"},
			{"too long", strings.Repeat("x", storage.MaxNameLen+1)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, "CreateUser", s.CreateUser(storage.User{Name: tc.user}), storage.ErrInvalid)
				_, err := s.User(tc.user)
				wantErr(t, "User", err, storage.ErrInvalid)
				_, _, err = s.RosterItems(tc.user)
				wantErr(t, "RosterItems", err, storage.ErrInvalid)
				_, err = s.PutRosterItem(storage.RosterItem{Owner: tc.user, Contact: "x@y"})
				wantErr(t, "PutRosterItem", err, storage.ErrInvalid)
				_, err = s.AppendOffline(tc.user, []byte("m"), 0)
				wantErr(t, "AppendOffline", err, storage.ErrInvalid)
				wantErr(t, "SetVCard", s.SetVCard(tc.user, []byte("v")), storage.ErrInvalid)
				wantErr(t, "Block", s.Block(tc.user, "x@y"), storage.ErrInvalid)
			})
		}
		n, err := s.CountUsers()
		noErr(t, "CountUsers", err)
		wantEqual(t, "count", n, 0)
	})

	t.Run("InvalidCredentials", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		good1, good256 := Keys(3)
		shortKey := good1
		shortKey.StoredKey = shortKey.StoredKey[:10]
		noIter := good256
		noIter.Iterations = 0
		noSalt := good256
		noSalt.Salt = nil
		for _, tc := range []struct {
			name         string
			sha1, sha256 storage.ScramKeys
		}{
			{"short SHA-1 key", shortKey, good256},
			{"SHA-1 keys as SHA-256", good1, good1},
			{"zero iterations", good1, noIter},
			{"no salt", good1, noSalt},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, "SetCredentials", s.SetCredentials("alice", tc.sha1, tc.sha256), storage.ErrInvalid)
				wantErr(t, "CreateUser", s.CreateUser(storage.User{Name: "bob", SHA1: tc.sha1, SHA256: tc.sha256}), storage.ErrInvalid)
			})
		}
	})

	t.Run("SetCredentials", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		sha1, sha256 := Keys(42)
		noErr(t, "SetCredentials", s.SetCredentials("alice", sha1, sha256))
		got, err := s.User("alice")
		noErr(t, "User", err)
		wantEqual(t, "SHA1", got.SHA1, sha1)
		wantEqual(t, "SHA256", got.SHA256, sha256)
		wantEqual(t, "Created", got.Created, storage.NormalizeTime(created))
		noErr(t, "SetCredentials to zero", s.SetCredentials("alice", storage.ScramKeys{}, sha256))
		got, err = s.User("alice")
		noErr(t, "User", err)
		if !got.SHA1.IsZero() {
			t.Fatalf("SHA1 not cleared: %#v", got.SHA1)
		}
	})

	t.Run("ListAndCount", func(t *testing.T) {
		s := open(t)
		var want []string
		for i := range 25 {
			name := fmt.Sprintf("user%02d", 24-i) // created out of order
			mustCreate(t, s, name)
			want = append([]string{name}, want...)
		}
		mustCreate(t, s, "a")
		want = append([]string{"a"}, want...)

		var got []string
		after := ""
		for page := 0; ; page++ {
			names, err := s.ListUsers(after, 10)
			noErr(t, "ListUsers", err)
			if len(names) > 10 {
				t.Fatalf("page %d has %d names", page, len(names))
			}
			if len(names) == 0 {
				break
			}
			got = append(got, names...)
			after = names[len(names)-1]
		}
		wantEqual(t, "paged names", got, want)

		all, err := s.ListUsers("", 0)
		noErr(t, "ListUsers all", err)
		wantEqual(t, "all names", all, want)
		tail, err := s.ListUsers("user2", 0) // not a user: a bound between names
		noErr(t, "ListUsers tail", err)
		wantEqual(t, "tail", tail, want[len(want)-5:])

		n, err := s.CountUsers()
		noErr(t, "CountUsers", err)
		wantEqual(t, "count", n, 26)
		noErr(t, "DeleteUser", s.DeleteUser("user07"))
		n, err = s.CountUsers()
		noErr(t, "CountUsers", err)
		wantEqual(t, "count after delete", n, 25)
	})

	t.Run("DeleteCascades", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		mustCreate(t, s, "alicea") // a name sharing the prefix must keep its data
		populate(t, s, "alice")
		populate(t, s, "alicea")
		noErr(t, "DeleteUser", s.DeleteUser("alice"))
		checkEmpty(t, s, "alice")

		mustCreate(t, s, "alice")
		checkEmpty(t, s, "alice")
		items, ver, err := s.RosterItems("alicea")
		noErr(t, "RosterItems of neighbour", err)
		if len(items) != 3 || ver != 3 {
			t.Fatalf("neighbour roster: %d items, version %d", len(items), ver)
		}
		n, err := s.OfflineCount("alicea")
		noErr(t, "OfflineCount of neighbour", err)
		wantEqual(t, "neighbour offline count", n, 2)
	})

	t.Run("WritesNeedUser", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		populate(t, s, "alice")
		for _, tc := range []struct {
			name string
			op   func() error
		}{
			{"PutRosterItem", func() error {
				_, err := s.PutRosterItem(storage.RosterItem{Owner: "ghost", Contact: "a@b"})
				return err
			}},
			{"DeleteRosterItem", func() error { _, err := s.DeleteRosterItem("ghost", "a@b"); return err }},
			{"ReplaceRoster", func() error { _, err := s.ReplaceRoster("ghost", nil); return err }},
			{"AppendOffline", func() error { _, err := s.AppendOffline("ghost", []byte("m"), 0); return err }},
			{"DeleteOfflineUpTo", func() error { return s.DeleteOfflineUpTo("ghost", 10) }},
			{"SetVCard", func() error { return s.SetVCard("ghost", []byte("<vCard/>")) }},
			{"SetPrivateXML", func() error { return s.SetPrivateXML("ghost", "ns", []byte("<x/>")) }},
			{"Block", func() error { return s.Block("ghost", "a@b") }},
			{"Unblock", func() error { return s.Unblock("ghost", "a@b") }},
			{"UnblockAll", func() error { return s.UnblockAll("ghost") }},
			{"SetLastActivity", func() error { return s.SetLastActivity("ghost", storage.LastActivity{Status: "x"}) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, tc.name, tc.op(), storage.ErrNotFound)
			})
		}
		checkEmpty(t, s, "ghost")
	})
}

// populate gives user one of everything: 3 roster changes, 2 offline
// messages, a vCard, private XML, a block and last activity.
func populate(t *testing.T, s storage.Store, user string) {
	t.Helper()
	for i := range 3 {
		_, err := s.PutRosterItem(storage.RosterItem{Owner: user, Contact: contact(i), Subscription: storage.SubscriptionBoth})
		noErr(t, "PutRosterItem", err)
	}
	for range 2 {
		_, err := s.AppendOffline(user, []byte("<message/>"), 0)
		noErr(t, "AppendOffline", err)
	}
	noErr(t, "SetVCard", s.SetVCard(user, []byte("<vCard/>")))
	noErr(t, "SetPrivateXML", s.SetPrivateXML(user, "storage:bookmarks", []byte("<storage/>")))
	noErr(t, "Block", s.Block(user, "spam@example.org"))
	noErr(t, "SetLastActivity", s.SetLastActivity(user, storage.LastActivity{Time: created, Status: "bye"}))
}

// checkEmpty asserts user owns nothing.
func checkEmpty(t *testing.T, s storage.Store, user string) {
	t.Helper()
	items, ver, err := s.RosterItems(user)
	noErr(t, "RosterItems", err)
	if len(items) != 0 || ver != 0 {
		t.Fatalf("roster of %q: %d items, version %d", user, len(items), ver)
	}
	ver, err = s.RosterVersion(user)
	noErr(t, "RosterVersion", err)
	wantEqual(t, "RosterVersion", ver, uint64(0))
	_, err = s.RosterItem(user, contact(0))
	wantErr(t, "RosterItem", err, storage.ErrNotFound)
	msgs, err := s.OfflineMessages(user)
	noErr(t, "OfflineMessages", err)
	wantEqual(t, "offline messages", len(msgs), 0)
	n, err := s.OfflineCount(user)
	noErr(t, "OfflineCount", err)
	wantEqual(t, "offline count", n, 0)
	_, err = s.VCard(user)
	wantErr(t, "VCard", err, storage.ErrNotFound)
	_, err = s.PrivateXML(user, "storage:bookmarks")
	wantErr(t, "PrivateXML", err, storage.ErrNotFound)
	blocked, err := s.BlockList(user)
	noErr(t, "BlockList", err)
	wantEqual(t, "block list", len(blocked), 0)
	ok, err := s.IsBlocked(user, "spam@example.org")
	noErr(t, "IsBlocked", err)
	wantEqual(t, "IsBlocked", ok, false)
	_, err = s.LastActivity(user)
	wantErr(t, "LastActivity", err, storage.ErrNotFound)
}
