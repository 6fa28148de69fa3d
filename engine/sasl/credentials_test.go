package sasl_test

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/xdg-go/scram"

	"xmppd/engine/sasl"
)

func TestDerive(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	tests := []struct {
		name    string
		pass    string
		hash    sasl.Hash
		salt    []byte
		iters   int
		wantErr bool
	}{
		{"SHA-1", "pencil", sasl.SHA1, salt, 4096, false},
		{"SHA-256", "pencil", sasl.SHA256, salt, 4096, false},
		{"one iteration", "pencil", sasl.SHA256, salt, 1, false},
		{"empty password", "", sasl.SHA256, salt, 4096, true},
		{"control character", "pen\x00cil", sasl.SHA256, salt, 4096, true},
		{"unknown hash", "pencil", sasl.Hash(9), salt, 4096, true},
		{"no salt", "pencil", sasl.SHA256, nil, 4096, true},
		{"zero iterations", "pencil", sasl.SHA256, salt, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := sasl.Derive(tt.pass, tt.hash, tt.salt, tt.iters)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if !c.IsZero() {
					t.Errorf("credentials with an error: %+v", c)
				}
				return
			}
			// The library's own derivation, from the client side, agrees.
			gen := scram.SHA1
			if tt.hash == sasl.SHA256 {
				gen = scram.SHA256
			}
			cl, _ := gen.NewClient("user", tt.pass, "")
			want, err := cl.GetStoredCredentialsWithError(scram.KeyFactors{Salt: string(tt.salt), Iters: tt.iters})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c.StoredKey, want.StoredKey) || !bytes.Equal(c.ServerKey, want.ServerKey) ||
				!bytes.Equal(c.Salt, tt.salt) || c.Iterations != tt.iters {
				t.Fatalf("Derive = %+v, library %+v", c, want)
			}
		})
	}
}

func TestDeriveCopiesSalt(t *testing.T) {
	salt := []byte("0123456789abcdef")
	c, err := sasl.Derive("pencil", sasl.SHA256, salt, 1)
	if err != nil {
		t.Fatal(err)
	}
	salt[0] = 'X'
	if c.Salt[0] != '0' {
		t.Fatal("Credentials alias the caller's salt")
	}
}

// Passwords are compared after PRECIS OpaqueString: equivalent spellings
// derive the same keys.
func TestDerivePrepares(t *testing.T) {
	salt := []byte("0123456789abcdef")
	a, err := sasl.Derive("pass\u00a0word", sasl.SHA256, salt, 1) // no-break space
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sasl.Derive("pass word", sasl.SHA256, salt, 1)
	c, _ := sasl.Derive("cafe\u0301", sasl.SHA256, salt, 1) // decomposed é
	d, _ := sasl.Derive("caf\u00e9", sasl.SHA256, salt, 1)
	if !bytes.Equal(a.StoredKey, b.StoredKey) || !bytes.Equal(c.StoredKey, d.StoredKey) {
		t.Fatal("equivalent passwords derive different keys")
	}
}

func TestNewCredentials(t *testing.T) {
	s1, s256, err := sasl.NewCredentials("pencil", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		c    sasl.Credentials
		size int
	}{{"SHA-1", s1, 20}, {"SHA-256", s256, 32}} {
		if len(c.c.Salt) != 16 || c.c.Iterations != sasl.DefaultIterations ||
			len(c.c.StoredKey) != c.size || len(c.c.ServerKey) != c.size {
			t.Errorf("%s credentials: %+v", c.name, c.c)
		}
	}
	if bytes.Equal(s1.Salt, s256.Salt) {
		t.Error("SHA-1 and SHA-256 share a salt")
	}
	again, _, _ := sasl.NewCredentials("pencil", 1)
	if bytes.Equal(again.Salt, s1.Salt) || again.Iterations != 1 {
		t.Errorf("second NewCredentials: %+v", again)
	}
	if _, _, err := sasl.NewCredentials("", 0); err == nil {
		t.Error("empty password accepted")
	}
}
