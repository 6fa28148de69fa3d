package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"xmppd/engine/session"
	"xmppd/storage"
)

// Config configures the API.
type Config struct {
	Sessions *session.Server
	Users    storage.UserStore
	Logger   *slog.Logger
	// Prefix is where the API is mounted; default "/api/v1".
	Prefix string
	// MaxBody bounds a request body; default 64 MiB (a bulk roster import
	// of 100k items is about 8 MiB).
	MaxBody int
	// Prebind, if set, creates an authenticated, bound BOSH session for a
	// user the portal has already authenticated (single sign-on: the
	// browser attaches to it and never sees a password). The BOSH server
	// provides it; the engine tier does not import bosh.
	Prebind func(user string) (jid, sid string, rid uint64, err error)
	// IssueToken, if set, issues a short-lived single sign-on token for a
	// user, to be used as the PLAIN password (engine/extauth.Tokens).
	IssueToken func(user string) (token string, expires time.Time)
}

// API serves the provisioning API.
type API struct {
	cfg Config
}

// New returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Sessions == nil || cfg.Users == nil {
		return nil, errors.New("httpapi: Sessions and Users are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "/api/v1"
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 20
	}
	return &API{cfg: cfg}, nil
}

// apiError is an error with the HTTP status and stable code it maps to.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, msg string) error { return &apiError{status, code, msg} }

var (
	errNotFound     = fail(fasthttp.StatusNotFound, "not_found", "no such resource")
	errUserNotFound = fail(fasthttp.StatusNotFound, "user_not_found", "no such user")
)

// route is one entry of the routing table; Routes exposes it for the
// OpenAPI conformance test.
type route struct {
	method  string
	pattern string // path segments after the prefix; {x} matches one
	handle  func(a *API, ctx *fasthttp.RequestCtx, p map[string]string) error
}

var routes = []route{
	{"POST", "users", (*API).createUser},
	{"GET", "users", (*API).listUsers},
	{"GET", "users/{user}", (*API).getUser},
	{"DELETE", "users/{user}", (*API).deleteUser},
	{"PUT", "users/{user}/password", (*API).setPassword},
	{"GET", "users/{user}/roster", (*API).getRoster},
	{"PUT", "users/{user}/roster", (*API).replaceRoster},
	{"POST", "users/{user}/roster", (*API).addRosterItem},
	{"DELETE", "users/{user}/roster/{jid}", (*API).deleteRosterItem},
	{"GET", "users/{user}/sessions", (*API).getSessions},
	{"DELETE", "users/{user}/sessions", (*API).kickSessions},
	{"GET", "users/{user}/presence", (*API).getPresence},
	{"POST", "messages", (*API).sendMessage},
	{"POST", "broadcast", (*API).broadcast},
	{"GET", "stats", (*API).stats},
	{"POST", "bosh/prebind", (*API).prebind},
	{"POST", "users/{user}/token", (*API).issueToken},
}

// Routes lists "METHOD /prefix/pattern" for every route.
func (a *API) Routes() []string {
	out := make([]string, 0, len(routes))
	for _, r := range routes {
		out = append(out, r.method+" "+a.cfg.Prefix+"/"+r.pattern)
	}
	return out
}

// Handler serves requests under the prefix.
func (a *API) Handler(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	rest, ok := strings.CutPrefix(path, a.cfg.Prefix+"/")
	if !ok {
		a.writeError(ctx, errNotFound)
		return
	}
	segs := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	method := string(ctx.Method())
	matched := false
	for _, r := range routes {
		p, ok := match(r.pattern, segs)
		if !ok {
			continue
		}
		matched = true
		if r.method != method {
			continue
		}
		if len(ctx.PostBody()) > a.cfg.MaxBody {
			a.writeError(ctx, fail(fasthttp.StatusRequestEntityTooLarge, "body_too_large", "the request body is too large"))
			return
		}
		if err := r.handle(a, ctx, p); err != nil {
			a.writeError(ctx, err)
		}
		return
	}
	if matched {
		a.writeError(ctx, fail(fasthttp.StatusMethodNotAllowed, "method_not_allowed", method+" is not allowed here"))
		return
	}
	a.writeError(ctx, errNotFound)
}

// match matches path segments against a pattern, unescaping parameters.
func match(pattern string, segs []string) (map[string]string, bool) {
	ps := strings.Split(pattern, "/")
	if len(ps) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string, 2)
			}
			params[strings.Trim(p, "{}")] = v
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

func (a *API) writeError(ctx *fasthttp.RequestCtx, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, session.ErrNoUser):
		ae = errUserNotFound.(*apiError)
	case errors.Is(err, storage.ErrUserExists):
		ae = &apiError{fasthttp.StatusConflict, "user_exists", "the user name is taken"}
	case errors.Is(err, storage.ErrNotFound):
		ae = errNotFound.(*apiError)
	case errors.Is(err, session.ErrInvalid), errors.Is(err, storage.ErrInvalid):
		ae = &apiError{fasthttp.StatusUnprocessableEntity, "invalid", err.Error()}
	default:
		a.cfg.Logger.Error("api: internal error", "path", string(ctx.Path()), "err", err)
		ae = &apiError{fasthttp.StatusInternalServerError, "internal", "internal error"}
	}
	writeJSON(ctx, ae.status, map[string]any{"error": map[string]string{"code": ae.code, "message": ae.message}})
}

func writeJSON(ctx *fasthttp.RequestCtx, status int, v any) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json; charset=utf-8")
	if v == nil {
		return
	}
	b, _ := json.Marshal(v)
	ctx.SetBody(append(b, '\n'))
}

// decode reads a JSON body into v, rejecting unknown fields.
func decode(ctx *fasthttp.RequestCtx, v any) error {
	ct := string(ctx.Request.Header.ContentType())
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fail(fasthttp.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	}
	dec := json.NewDecoder(strings.NewReader(string(ctx.PostBody())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fail(fasthttp.StatusBadRequest, "bad_json", "the body is not the expected JSON: "+err.Error())
	}
	return nil
}

func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i+1] == "" {
			return fail(fasthttp.StatusUnprocessableEntity, "missing_field", fields[i]+" is required")
		}
	}
	return nil
}

func (a *API) createUser(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	var in struct{ User, Password string }
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if err := required("user", in.User, "password", in.Password); err != nil {
		return err
	}
	if err := a.cfg.Sessions.CreateUser(in.User, in.Password); err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusCreated, map[string]string{"user": strings.ToLower(in.User)})
	return nil
}

func (a *API) listUsers(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	after := string(ctx.QueryArgs().Peek("after"))
	limit := 100
	if v := ctx.QueryArgs().Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > 10000 {
			return fail(fasthttp.StatusBadRequest, "bad_limit", "limit is 1 to 10000")
		}
		limit = n
	}
	names, err := a.cfg.Users.ListUsers(after, limit)
	if err != nil {
		return err
	}
	out := map[string]any{"users": names}
	if len(names) == limit {
		out["next"] = names[len(names)-1]
	}
	if names == nil {
		out["users"] = []string{}
	}
	writeJSON(ctx, fasthttp.StatusOK, out)
	return nil
}

func (a *API) getUser(ctx *fasthttp.RequestCtx, p map[string]string) error {
	u, err := a.cfg.Users.User(strings.ToLower(p["user"]))
	if errors.Is(err, storage.ErrNotFound) {
		return errUserNotFound
	} else if err != nil {
		return err
	}
	sessions, err := a.cfg.Sessions.Sessions(u.Name)
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"user": u.Name, "created": u.Created.UTC(), "online_sessions": len(sessions)})
	return nil
}

func (a *API) deleteUser(ctx *fasthttp.RequestCtx, p map[string]string) error {
	if err := a.cfg.Sessions.DeleteUser(p["user"]); err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusNoContent, nil)
	return nil
}

func (a *API) setPassword(ctx *fasthttp.RequestCtx, p map[string]string) error {
	var in struct{ Password string }
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if err := required("password", in.Password); err != nil {
		return err
	}
	if err := a.cfg.Sessions.SetPassword(p["user"], in.Password); err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusNoContent, nil)
	return nil
}

func (a *API) getRoster(ctx *fasthttp.RequestCtx, p map[string]string) error {
	items, ver, err := a.cfg.Sessions.Roster(p["user"])
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"version": strconv.FormatUint(ver, 10), "items": items})
	return nil
}

func (a *API) replaceRoster(ctx *fasthttp.RequestCtx, p map[string]string) error {
	var in struct{ Items []session.RosterItem }
	if err := decode(ctx, &in); err != nil {
		return err
	}
	ver, err := a.cfg.Sessions.ReplaceRoster(p["user"], in.Items)
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"version": strconv.FormatUint(ver, 10), "items": len(in.Items)})
	return nil
}

func (a *API) addRosterItem(ctx *fasthttp.RequestCtx, p map[string]string) error {
	var in session.RosterItem
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if err := required("jid", in.JID); err != nil {
		return err
	}
	if err := a.cfg.Sessions.SetRosterItem(p["user"], in); err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusNoContent, nil)
	return nil
}

func (a *API) deleteRosterItem(ctx *fasthttp.RequestCtx, p map[string]string) error {
	err := a.cfg.Sessions.DeleteRosterItem(p["user"], p["jid"])
	if errors.Is(err, storage.ErrNotFound) {
		return fail(fasthttp.StatusNotFound, "item_not_found", "no such roster item")
	} else if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusNoContent, nil)
	return nil
}

func (a *API) getSessions(ctx *fasthttp.RequestCtx, p map[string]string) error {
	list, err := a.userSessions(p["user"])
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"sessions": list, "count": len(list)})
	return nil
}

// userSessions lists the sessions of an existing user.
func (a *API) userSessions(user string) ([]session.SessionInfo, error) {
	if _, err := a.cfg.Users.User(strings.ToLower(user)); errors.Is(err, storage.ErrNotFound) {
		return nil, errUserNotFound
	}
	list, err := a.cfg.Sessions.Sessions(user)
	if list == nil && err == nil {
		list = []session.SessionInfo{}
	}
	return list, err
}

func (a *API) kickSessions(ctx *fasthttp.RequestCtx, p map[string]string) error {
	if _, err := a.userSessions(p["user"]); err != nil {
		return err
	}
	n := a.cfg.Sessions.Kick(p["user"], string(ctx.QueryArgs().Peek("resource")), "policy-violation", "disconnected by an administrator")
	writeJSON(ctx, fasthttp.StatusOK, map[string]int{"kicked": n})
	return nil
}

func (a *API) getPresence(ctx *fasthttp.RequestCtx, p map[string]string) error {
	list, err := a.userSessions(p["user"])
	if err != nil {
		return err
	}
	available := false
	for _, s := range list {
		available = available || s.Available
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"available": available, "resources": list})
	return nil
}

type messageIn struct {
	From, To, Type, Subject, Body string
}

func (a *API) sendMessage(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	var in messageIn
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if err := required("from", in.From, "to", in.To); err != nil {
		return err
	}
	if in.Body == "" && in.Subject == "" {
		return fail(fasthttp.StatusUnprocessableEntity, "missing_field", "body or subject is required")
	}
	if err := a.cfg.Sessions.SendMessage(in.From, in.To, in.Type, in.Subject, in.Body); err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusAccepted, map[string]string{"status": "accepted"})
	return nil
}

func (a *API) broadcast(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	var in messageIn
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if in.Body == "" && in.Subject == "" {
		return fail(fasthttp.StatusUnprocessableEntity, "missing_field", "body or subject is required")
	}
	if in.To != "" {
		return fail(fasthttp.StatusUnprocessableEntity, "invalid", "a broadcast has no 'to'")
	}
	if in.From == "" {
		in.From = a.cfg.Sessions.Domain()
	}
	n, err := a.cfg.Sessions.Broadcast(in.From, in.Type, in.Subject, in.Body)
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]int{"delivered": n})
	return nil
}

func (a *API) stats(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	st := a.cfg.Sessions.StatsSnapshot()
	if n, err := a.cfg.Users.CountUsers(); err == nil {
		st["users"] = int64(n)
	}
	writeJSON(ctx, fasthttp.StatusOK, st)
	return nil
}

func (a *API) prebind(ctx *fasthttp.RequestCtx, _ map[string]string) error {
	if a.cfg.Prebind == nil {
		return fail(fasthttp.StatusNotFound, "not_enabled", "BOSH is not enabled on this server")
	}
	var in struct{ User string }
	if err := decode(ctx, &in); err != nil {
		return err
	}
	if err := required("user", in.User); err != nil {
		return err
	}
	if _, err := a.cfg.Users.User(strings.ToLower(in.User)); errors.Is(err, storage.ErrNotFound) {
		return errUserNotFound
	}
	j, sid, rid, err := a.cfg.Prebind(in.User)
	if err != nil {
		return err
	}
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"jid": j, "sid": sid, "rid": rid})
	return nil
}

func (a *API) issueToken(ctx *fasthttp.RequestCtx, p map[string]string) error {
	if a.cfg.IssueToken == nil {
		return fail(fasthttp.StatusNotFound, "not_enabled", "single sign-on tokens are not enabled")
	}
	u, err := a.cfg.Users.User(strings.ToLower(p["user"]))
	if errors.Is(err, storage.ErrNotFound) {
		return errUserNotFound
	} else if err != nil {
		return err
	}
	tok, exp := a.cfg.IssueToken(u.Name)
	writeJSON(ctx, fasthttp.StatusOK, map[string]any{"token": tok, "expires": exp.UTC()})
	return nil
}
