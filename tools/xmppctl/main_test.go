package main

import (
	"bytes"
	"strings"
	"testing"

	"xmppd/engine/sasl"
	"xmppd/storage/pebblestore"
)

func ctl(t *testing.T, dir, stdin string, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"-data", dir}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), code
}

func TestUserLifecycle(t *testing.T) {
	dir := t.TempDir()
	if out, code := ctl(t, dir, "", "add", "Alice", "s3cret"); code != 0 || !strings.Contains(out, "added alice@localhost") {
		t.Fatalf("add: %d %s", code, out)
	}
	if out, code := ctl(t, dir, "", "add", "alice", "x"); code != 1 || !strings.Contains(out, "exists") {
		t.Fatalf("duplicate add: %d %s", code, out)
	}
	if out, code := ctl(t, dir, "from-stdin\n", "add", "bob@localhost"); code != 0 {
		t.Fatalf("add from stdin: %d %s", code, out)
	}
	if out, _ := ctl(t, dir, "", "list"); out != "alice\nbob\n" {
		t.Fatalf("list: %q", out)
	}
	if out, _ := ctl(t, dir, "", "list", "-after", "alice"); out != "bob\n" {
		t.Fatalf("list -after: %q", out)
	}
	if out, _ := ctl(t, dir, "", "count"); out != "2\n" {
		t.Fatalf("count: %q", out)
	}
	if out, code := ctl(t, dir, "", "passwd", "alice", "n3w"); code != 0 {
		t.Fatalf("passwd: %d %s", code, out)
	}
	// The stored credentials verify the new password, never the old one.
	st, err := pebblestore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.User("alice")
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := sasl.Derive("n3w", sasl.SHA256, u.SHA256.Salt, u.SHA256.Iterations)
	if !bytes.Equal(good.StoredKey, u.SHA256.StoredKey) {
		t.Fatal("new password does not match the stored key")
	}
	if out, code := ctl(t, dir, "", "delete", "alice"); code != 0 {
		t.Fatalf("delete: %d %s", code, out)
	}
	if out, code := ctl(t, dir, "", "delete", "alice"); code != 1 || !strings.Contains(out, "no user") {
		t.Fatalf("delete missing: %d %s", code, out)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{}, {"frobnicate"}, {"add"}, {"add", "a@b@c", "x"}, {"count", "extra"}} {
		if _, code := ctl(t, dir, "", args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
