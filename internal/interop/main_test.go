package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// python is Debian's interpreter, for which python3-slixmpp installs; the
// first python3 on PATH may be another one without it.
const python = "/usr/bin/python3"

var (
	// xmppdBin is the server binary TestMain built.
	xmppdBin string
	// noClient, when set, is why the slixmpp tests skip.
	noClient string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "xmppd-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	// XMPPD_INTEROP_BIN tests a server built elsewhere (a release build).
	xmppdBin = os.Getenv("XMPPD_INTEROP_BIN")
	if xmppdBin == "" {
		xmppdBin = filepath.Join(dir, "xmppd")
		build := exec.Command("go", "build", "-o", xmppdBin, "xmppd/tools/xmppd")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "interop: building xmppd: %v\n%s", err, out)
			return 1
		}
	}

	if reason := checkSlixmpp(); reason != "" {
		if os.Getenv("XMPPD_INTEROP") == "required" {
			fmt.Fprintf(os.Stderr, "interop: XMPPD_INTEROP=required but %s (make interop-deps installs it)\n", reason)
			return 1
		}
		noClient = reason + "; `make interop-deps` installs it, `make interop` runs these tests"
	}
	return m.Run()
}

// checkSlixmpp returns why slixmpp cannot be used, or "".
func checkSlixmpp() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-E", "-s", "-c", "import slixmpp").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s cannot import slixmpp (%v: %.200s)", python, err, out)
	}
	return ""
}

// needClient skips t when slixmpp is not installed.
func needClient(t *testing.T) {
	t.Helper()
	if noClient != "" {
		t.Skip(noClient)
	}
}
