package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The roster graph of presence and mixed is a ring: user i's contacts are
// its Contacts nearest neighbours, i±1 .. i±Contacts/2 (mod Users), plus
// the user opposite when Contacts is odd (Users must then be even). It is
// symmetric, so every subscription is mutual, every user has the same
// fan-out, and a shard's users have most of their contacts in the same
// shard without the scenario depending on it.

// contactOffsets returns the ring offsets of every user's contacts.
func contactOffsets(users, contacts int) ([]int, error) {
	switch {
	case contacts == 0:
		return nil, nil
	case contacts >= users:
		return nil, fmt.Errorf("bench: --contacts %d needs more than %d users", contacts, contacts)
	case contacts%2 == 1 && users%2 == 1:
		return nil, fmt.Errorf("bench: an odd --contacts (%d) needs an even number of users", contacts)
	}
	offs := make([]int, 0, contacts)
	for k := 1; k <= contacts/2; k++ {
		offs = append(offs, k, users-k)
	}
	if contacts%2 == 1 {
		offs = append(offs, users/2)
	}
	return offs, nil
}

// contactOf is user i's contact through offset off; i and the result are
// indexes in [0, users).
func contactOf(i, off, users int) int { return (i + off) % users }

// ErrAPI: the provisioning API answered with an unexpected status.
var ErrAPI = errors.New("bench: provisioning API")

// apiClient speaks to the server's provisioning API (docs/openapi.yaml):
// accounts and whole rosters in one request each, far faster than in-band
// registration and subscription handshakes.
type apiClient struct {
	base string // "http://host:port", without /api/v1
	hc   *http.Client
}

func newAPIClient(base string, c *Config) *apiClient {
	base = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/api/v1")
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	return &apiClient{base: base, hc: &http.Client{Transport: tr, Timeout: c.Timeout}}
}

func (a *apiClient) do(ctx context.Context, method, path string, body any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+"/api/v1"+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// createUser creates an account; one that exists already is not an error.
func (a *apiClient) createUser(ctx context.Context, user, pass string) (existed bool, err error) {
	st, err := a.do(ctx, http.MethodPost, "/users", map[string]string{"user": user, "password": pass})
	switch {
	case err != nil:
		return false, err
	case st == http.StatusCreated:
		return false, nil
	case st == http.StatusConflict:
		return true, nil
	}
	return false, fmt.Errorf("%w: POST /users: status %d", ErrAPI, st)
}

type rosterItem struct {
	JID          string `json:"jid"`
	Subscription string `json:"subscription"`
}

// putRoster replaces user's roster with the given bare JIDs, all with
// subscription both.
func (a *apiClient) putRoster(ctx context.Context, user string, jids []string) error {
	items := make([]rosterItem, len(jids))
	for i, j := range jids {
		items[i] = rosterItem{JID: j, Subscription: "both"}
	}
	st, err := a.do(ctx, http.MethodPut, "/users/"+user+"/roster", map[string]any{"items": items})
	if err != nil {
		return err
	}
	if st != http.StatusOK {
		return fmt.Errorf("%w: PUT roster: status %d", ErrAPI, st)
	}
	return nil
}

// provisionAPI creates accounts [lo, hi) (indexes relative to FirstUser)
// and, with offs, gives each its ring roster, a few requests in flight. It
// returns the accounts created and those that existed; failures go to
// fails.
func provisionAPI(ctx context.Context, c *Config, lo, hi int, offs []int, fails *Failures) (created, existed int64) {
	a := newAPIClient(c.API, c)
	defer a.hc.CloseIdleConnections()
	var nc, ne Counter
	dispatch(ctx, hi-lo, 16, 0, func(k int, _ time.Time) {
		i := lo + k
		user := c.Username(c.FirstUser + i)
		ex, err := a.createUser(ctx, user, c.Password)
		if err != nil {
			fails.Add(stepErr(StepRegister, err))
			return
		}
		if ex {
			ne.Add(1)
		} else {
			nc.Add(1)
		}
		if len(offs) == 0 {
			return
		}
		jids := make([]string, len(offs))
		for n, off := range offs {
			jids[n] = c.Username(c.FirstUser+contactOf(i, off, c.Users)) + "@" + c.Domain
		}
		if err := a.putRoster(ctx, user, jids); err != nil {
			fails.Add(stepErr(StepRoster, err))
		}
	})
	return nc.Load(), ne.Load()
}
