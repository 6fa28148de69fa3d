package storetest

import (
	"testing"
	"time"

	"xmppd/storage"
)

func runRecords(t *testing.T, open Opener) {
	t.Run("VCard", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		_, err := s.VCard("alice")
		wantErr(t, "VCard before set", err, storage.ErrNotFound)
		for _, v := range []string{"<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>", "<vCard xmlns='vcard-temp'/>"} {
			in := []byte(v)
			noErr(t, "SetVCard", s.SetVCard("alice", in))
			in[0] = '!'
			got, err := s.VCard("alice")
			noErr(t, "VCard", err)
			wantEqual(t, "vCard", string(got), v)
		}
		noErr(t, "SetVCard empty", s.SetVCard("alice", nil))
		_, err = s.VCard("alice")
		wantErr(t, "VCard after delete", err, storage.ErrNotFound)
	})

	t.Run("PrivateXML", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		noErr(t, "set bookmarks", s.SetPrivateXML("alice", "storage:bookmarks", []byte("<storage xmlns='storage:bookmarks'/>")))
		noErr(t, "set rosternotes", s.SetPrivateXML("alice", "storage:rosternotes", []byte("<storage xmlns='storage:rosternotes'/>")))
		got, err := s.PrivateXML("alice", "storage:bookmarks")
		noErr(t, "PrivateXML", err)
		wantEqual(t, "bookmarks", string(got), "<storage xmlns='storage:bookmarks'/>")
		_, err = s.PrivateXML("alice", "storage")
		wantErr(t, "namespace prefix", err, storage.ErrNotFound)
		noErr(t, "delete bookmarks", s.SetPrivateXML("alice", "storage:bookmarks", []byte{}))
		_, err = s.PrivateXML("alice", "storage:bookmarks")
		wantErr(t, "deleted", err, storage.ErrNotFound)
		got, err = s.PrivateXML("alice", "storage:rosternotes")
		noErr(t, "other namespace", err)
		wantEqual(t, "rosternotes", string(got), "<storage xmlns='storage:rosternotes'/>")
		wantErr(t, "empty namespace", s.SetPrivateXML("alice", "", []byte("<x/>")), storage.ErrInvalid)
	})

	t.Run("BlockList", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		list := func(want ...string) {
			t.Helper()
			got, err := s.BlockList("alice")
			noErr(t, "BlockList", err)
			if len(want) == 0 {
				want = nil
			}
			if len(got) == 0 {
				got = nil
			}
			wantEqual(t, "block list", got, want)
		}
		list()
		noErr(t, "Block", s.Block("alice", "spam@example.org", "example.com", "a@b/res"))
		noErr(t, "Block again", s.Block("alice", "example.com"))
		noErr(t, "Block nothing", s.Block("alice"))
		list("a@b/res", "example.com", "spam@example.org")
		for _, tc := range []struct {
			jid  string
			want bool
		}{{"spam@example.org", true}, {"example.com", true}, {"spam@example.or", false}, {"a@b", false}} {
			ok, err := s.IsBlocked("alice", tc.jid)
			noErr(t, "IsBlocked", err)
			if ok != tc.want {
				t.Fatalf("IsBlocked(%q) = %v", tc.jid, ok)
			}
		}
		noErr(t, "Unblock", s.Unblock("alice", "example.com", "not@blocked"))
		list("a@b/res", "spam@example.org")
		noErr(t, "UnblockAll", s.UnblockAll("alice"))
		list()
		wantErr(t, "Block empty JID", s.Block("alice", "ok@x", ""), storage.ErrInvalid)
		list()
	})

	t.Run("LastActivity", func(t *testing.T) {
		s := open(t)
		mustCreate(t, s, "alice")
		_, err := s.LastActivity("alice")
		wantErr(t, "before set", err, storage.ErrNotFound)
		for _, in := range []storage.LastActivity{
			{Time: created, Status: "Gone fishing"},
			{Time: time.Unix(0, 1), Status: ""},
			{},
		} {
			noErr(t, "SetLastActivity", s.SetLastActivity("alice", in))
			got, err := s.LastActivity("alice")
			noErr(t, "LastActivity", err)
			wantEqual(t, "last activity", got, storage.LastActivity{Time: storage.NormalizeTime(in.Time), Status: in.Status})
		}
	})
}
