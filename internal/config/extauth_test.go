package config

import (
	"errors"
	"testing"
)

func TestExternalAuthValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		want error
	}{
		{"ftp URL", "auth: {external_url: \"ftp://portal\"}\n", ErrBadValue},
		{"no host", "auth: {external_url: \"https://\"}\n", ErrBadValue},
		{"negative ttl", "auth: {token_ttl: -5s}\n", ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(tc.yaml)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	c, err := Parse([]byte("auth: {external_url: \"https://portal.example/check\", token_secret: s}\n"))
	if err != nil || c.Auth.ExternalURL != "https://portal.example/check" || c.Auth.TokenTTL != DefaultTokenTTL {
		t.Fatalf("%+v %v", c.Auth, err)
	}
}
