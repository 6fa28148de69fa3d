// Command xmppctl administers an xmppd server's users.
//
//	xmppctl [-data DIR] [-iterations N] add USER [PASSWORD]
//	xmppctl [-data DIR] passwd USER [PASSWORD]
//	xmppctl [-data DIR] delete USER
//	xmppctl [-data DIR] list [-after NAME] [-limit N]
//	xmppctl [-data DIR] count
//
// It opens the data directory directly, so the server must be stopped (Pebble
// holds a lock on the directory; xmppctl says so if it is running). When the
// password is not given it is read from standard input (one line), so it does
// not appear in the process list.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"xmppd/engine/sasl"
	"xmppd/internal/jid"
	"xmppd/storage"
	"xmppd/storage/pebblestore"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: xmppctl [-data DIR | -api URL [-token T]] [-domain DOMAIN] [-iterations N] COMMAND ARGS
commands:
  add USER [PASSWORD]      create an account (password from stdin when omitted)
  passwd USER [PASSWORD]   set a new password
  delete USER              delete an account and everything it owns
  list [-after NAME] [-limit N]
  count                    number of accounts
with -api (a running server's provisioning API, e.g. http://127.0.0.1:5281):
  sessions USER            online resources
  kick USER                disconnect them
  roster USER              the roster
  message FROM TO BODY     send a message
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("xmppctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	data := fs.String("data", "./data", "the server's data directory")
	domain := fs.String("domain", "localhost", "domain the users belong to (for validation)")
	iters := fs.Int("iterations", sasl.DefaultIterations, "PBKDF2 iterations for new credentials")
	api := fs.String("api", "", "use a running server's provisioning API at this URL instead of the data directory")
	token := fs.String("token", "", "bearer token for -api (default $XMPPCTL_TOKEN)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *api != "" {
		return exitCode(newAPIClient(*api, *token).run(fs.Arg(0), fs.Args()[1:], stdin, stdout), stderr, fs.Usage)
	}
	store, err := pebblestore.Open(*data, &pebblestore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintf(stderr, "xmppctl: open %s: %v (is the server running? stop it first)\n", *data, err)
		return 1
	}
	defer store.Close()
	return exitCode(dispatch(store, fs.Arg(0), fs.Args()[1:], *domain, *iters, stdin, stdout), stderr, fs.Usage)
}

// exitCode reports a command's error and turns it into the exit status: 0
// for none, 2 (after the usage) for bad arguments, 1 for anything else.
func exitCode(err error, stderr io.Writer, usage func()) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "xmppctl:", err)
	if errors.Is(err, errUsage) {
		usage()
		return 2
	}
	return 1
}

var errUsage = errors.New("bad arguments")

func dispatch(store *pebblestore.Store, cmd string, args []string, domain string, iters int, stdin io.Reader, stdout io.Writer) error {
	switch cmd {
	case "add", "passwd":
		if len(args) < 1 || len(args) > 2 {
			return errUsage
		}
		user, err := localpart(args[0], domain)
		if err != nil {
			return err
		}
		pass := ""
		if len(args) == 2 {
			pass = args[1]
		} else if pass, err = readPassword(stdin); err != nil {
			return err
		}
		c1, c256, err := sasl.NewCredentials(pass, iters)
		if err != nil {
			return fmt.Errorf("password not acceptable: %w", err)
		}
		if cmd == "add" {
			err = store.CreateUser(storage.User{Name: user, SHA1: storage.ScramKeys(c1), SHA256: storage.ScramKeys(c256)})
			if errors.Is(err, storage.ErrUserExists) {
				return fmt.Errorf("user %q exists", user)
			}
		} else {
			err = store.SetCredentials(user, storage.ScramKeys(c1), storage.ScramKeys(c256))
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("no user %q", user)
			}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s@%s\n", map[string]string{"add": "added", "passwd": "password set for"}[cmd], user, domain)
	case "delete":
		if len(args) != 1 {
			return errUsage
		}
		user, err := localpart(args[0], domain)
		if err != nil {
			return err
		}
		if err := store.DeleteUser(user); errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("no user %q", user)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted %s@%s\n", user, domain)
	case "list":
		lf := flag.NewFlagSet("list", flag.ContinueOnError)
		lf.SetOutput(io.Discard)
		after := lf.String("after", "", "")
		limit := lf.Int("limit", 0, "")
		if err := lf.Parse(args); err != nil || lf.NArg() != 0 {
			return errUsage
		}
		names, err := store.ListUsers(*after, *limit)
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
	case "count":
		if len(args) != 0 {
			return errUsage
		}
		n, err := store.CountUsers()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, n)
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	return nil
}

// localpart normalises a user name given as a localpart or a bare JID.
func localpart(s, domain string) (string, error) {
	if !strings.Contains(s, "@") {
		s += "@" + domain
	}
	j, err := jid.Parse(s)
	if err != nil || j.Local() == "" || j.Resource() != "" {
		return "", fmt.Errorf("%q is not a user name", s)
	}
	return j.Local(), nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password given (pass it as an argument or on standard input)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
