package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestContactOffsets(t *testing.T) {
	for _, tc := range []struct {
		name            string
		users, contacts int
		err             bool
	}{
		{"even", 10, 4, false},
		{"odd contacts, even users", 10, 5, false},
		{"all others", 7, 6, false},
		{"odd both", 7, 3, true},
		{"too many", 5, 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offs, err := contactOffsets(tc.users, tc.contacts)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err != nil {
				return
			}
			// Every user has exactly contacts distinct contacts, never
			// itself, and every subscription is mutual.
			for i := range tc.users {
				seen := map[int]bool{}
				for _, off := range offs {
					j := contactOf(i, off, tc.users)
					if j == i || seen[j] {
						t.Fatalf("user %d: contact %d twice or self", i, j)
					}
					seen[j] = true
					back := false
					for _, o2 := range offs {
						back = back || contactOf(j, o2, tc.users) == i
					}
					if !back {
						t.Fatalf("user %d has %d, not the other way round", i, j)
					}
				}
				if len(seen) != tc.contacts {
					t.Fatalf("user %d: %d contacts", i, len(seen))
				}
			}
		})
	}
}

func TestPresenceStatusRoundTrip(t *testing.T) {
	now := time.Now().UnixNano()
	b := appendPresence(nil, 7, now)
	s := string(b)
	i, j := strings.Index(s, "<status>")+len("<status>"), strings.Index(s, "</status>")
	ts, ok := parsePresenceStatus([]byte(s[i:j]))
	if !ok || ts != now || !strings.Contains(s, "<show>") {
		t.Fatalf("%s: %d %v", s, ts, ok)
	}
	for _, bad := range []string{"", "xb", "xb 1", "xb 1 zz", "hello 1 2"} {
		if _, ok := parsePresenceStatus([]byte(bad)); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

// fakeAPI is the provisioning API's users and roster endpoints.
type fakeAPI struct {
	mu      sync.Mutex // guards the following fields
	users   map[string]string
	rosters map[string][]rosterItem
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/users":
		var u struct{ User, Password string }
		_ = json.NewDecoder(r.Body).Decode(&u)
		if _, ok := f.users[u.User]; ok {
			w.WriteHeader(http.StatusConflict)
			return
		}
		f.users[u.User] = u.Password
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/roster"):
		user := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/users/"), "/roster")
		if _, ok := f.users[user]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		var body struct{ Items []rosterItem }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.rosters[user] = body.Items
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func TestProvisionAPI(t *testing.T) {
	f := &fakeAPI{users: map[string]string{"user3": "x"}, rosters: map[string][]rosterItem{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := Config{API: srv.URL + "/api/v1/", Users: 8, Contacts: 2, Domain: "d"}
	c.EnsureDefaults()
	offs, _ := contactOffsets(c.Users, c.Contacts)
	var fails Failures
	created, existed := provisionAPI(context.Background(), &c, 0, 8, offs, &fails)
	if created != 7 || existed != 1 || fails.Total() != 0 {
		t.Fatalf("created %d, existed %d, failures %v", created, existed, fails.Map())
	}
	got := f.rosters["user0"]
	if len(got) != 2 || got[0] != (rosterItem{"user1@d", "both"}) || got[1] != (rosterItem{"user7@d", "both"}) {
		t.Fatalf("user0's roster: %+v", got)
	}
	// A server that refuses: every account is a failure, with its step.
	c.API = srv.URL + "/nowhere"
	provisionAPI(context.Background(), &c, 0, 2, nil, &fails)
	if fails.Map()["register:other"] != 2 {
		t.Fatalf("failures: %v", fails.Map())
	}
}
