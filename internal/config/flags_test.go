package config

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
)

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("xmppd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func TestApplyFlags(t *testing.T) {
	file := "domain: file.example\ndata_dir: /var/lib/xmppd\nlisten:\n  c2s: 0.0.0.0:6222\ncomponents:\n  gw.file.example: filesecret\n  aim.file.example: aimsecret\n"
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, c Config)
	}{
		{"no flags keep the file", nil, func(t *testing.T, c Config) {
			if c.Domain != "file.example" || c.Listen.C2S != "0.0.0.0:6222" || c.DataDir != "/var/lib/xmppd" || len(c.Components) != 2 {
				t.Errorf("%+v", c)
			}
		}},
		{"flags beat the file", []string{"-domain", "flag.example", "-c2s", "127.0.0.1:7222", "-data", "/tmp/x", "-log-level", "debug"}, func(t *testing.T, c Config) {
			if c.Domain != "flag.example" || c.Listen.C2S != "127.0.0.1:7222" || c.DataDir != "/tmp/x" || c.Log.Level != LogDebug {
				t.Errorf("%+v", c)
			}
			if c.Listen.HTTP != DefaultListen().HTTP {
				t.Errorf("a flag not given changed listen.http to %q", c.Listen.HTTP)
			}
		}},
		{"domain flag canonicalised", []string{"-domain", "Flag.Example.", "-component", "IRC.flag.example=s"}, func(t *testing.T, c Config) {
			if c.Domain != "flag.example" || c.Components["irc.flag.example"] != "s" {
				t.Errorf("not canonical: %q %v", c.Domain, c.Components)
			}
		}},
		{"every listener flag", []string{"-c2s=:1", "-c2s-tls=:2", "-http=:3", "-admin=127.0.0.1:4"}, func(t *testing.T, c Config) {
			want := Listen{C2S: ":1", C2STLS: ":2", Component: DefaultListen().Component, HTTP: ":3", Admin: "127.0.0.1:4"}
			if c.Listen != want {
				t.Errorf("listen %+v, want %+v", c.Listen, want)
			}
		}},
		{"empty flag disables", []string{"-c2s-tls=", "-http", ""}, func(t *testing.T, c Config) {
			if c.Listen.C2STLS != "" || c.Listen.HTTP != "" || c.Listen.C2S == "" {
				t.Errorf("listen %+v", c.Listen)
			}
		}},
		{"repeatable component adds and replaces", []string{"-component", "irc.file.example=ircsecret", "-component=gw.file.example=new=secret"}, func(t *testing.T, c Config) {
			want := map[string]string{"gw.file.example": "new=secret", "aim.file.example": "aimsecret", "irc.file.example": "ircsecret"}
			if !reflect.DeepEqual(c.Components, want) {
				t.Errorf("components %v, want %v", c.Components, want)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(file))
			if err != nil {
				t.Fatal(err)
			}
			fromFile := c.Components
			if err := ApplyFlags(newFlagSet(), tc.args, &c); err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
			if len(fromFile) != 2 {
				t.Errorf("Apply modified the map it was given: %v", fromFile)
			}
		})
	}
}

func TestApplyFlagsOnDefaults(t *testing.T) {
	c := Default()
	if err := ApplyFlags(newFlagSet(), []string{"-component", "gateway.localhost=secret"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Components["gateway.localhost"] != "secret" || Default().Components != nil {
		t.Errorf("components %v", c.Components)
	}
}

func TestApplyFlagsErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		sentinel error
		key      string
		flag     string
	}{
		{"bad domain", []string{"-domain", "a@b"}, ErrBadDomain, "domain", "-domain"},
		{"bad c2s", []string{"-c2s", "5222"}, ErrBadAddress, "listen.c2s", "-c2s"},
		{"bad c2s-tls", []string{"-c2s-tls", "x:y"}, ErrBadAddress, "listen.c2s_tls", "-c2s-tls"},
		{"bad http", []string{"-http", ":99999"}, ErrBadAddress, "listen.http", "-http"},
		{"public admin", []string{"-admin", "0.0.0.0:5281"}, ErrAdminToken, "admin_token", "-admin"},
		{"bad log level", []string{"-log-level", "loud"}, ErrBadValue, "log.level", "-log-level"},
		{"bad component domain", []string{"-component", "a@b=s"}, ErrBadDomain, "components[a@b]", "-component"},
		{"component is host", []string{"-component", "localhost=s"}, ErrDuplicateDomain, "components[localhost]", "-component"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			err := ApplyFlags(newFlagSet(), tc.args, &c)
			e := wantError(t, err, tc.sentinel, tc.key)
			if e.Flag != tc.flag {
				t.Errorf("flag %q, want %q", e.Flag, tc.flag)
			}
			if !strings.Contains(e.Error(), "flag "+tc.flag) {
				t.Errorf("message %q does not name the flag", e.Error())
			}
		})
	}
}

func TestComponentFlagSyntax(t *testing.T) {
	for _, arg := range []string{"gateway.localhost", "=secret", "gateway.localhost="} {
		t.Run(arg, func(t *testing.T) {
			c := Default()
			err := ApplyFlags(newFlagSet(), []string{"-component", arg}, &c)
			if err == nil || !strings.Contains(err.Error(), "-component") {
				t.Fatalf("error %v, want a complaint about -component", err)
			}
		})
	}
}

func TestComponentFlagHidesSecrets(t *testing.T) {
	fs := newFlagSet()
	RegisterFlags(fs)
	if err := fs.Parse([]string{"-component", "gw.localhost=topsecret"}); err != nil {
		t.Fatal(err)
	}
	if s := fs.Lookup("component").Value.String(); strings.Contains(s, "topsecret") || s != "gw.localhost" {
		t.Errorf("String() = %q", s)
	}
}

// The binary's sequence: its own -config flag, RegisterFlags, Parse, Load, Apply.
func TestRegisterFlagsWithConfigFlag(t *testing.T) {
	fs := newFlagSet()
	path := fs.String("config", "", "")
	ov := RegisterFlags(fs)
	if err := fs.Parse([]string{"-config", exampleFile, "-domain", "example.org"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(*path)
	if err != nil {
		t.Fatal(err)
	}
	if err := ov.Apply(&c); err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Domain = "example.org"
	mustEqual(t, c, want)
}
