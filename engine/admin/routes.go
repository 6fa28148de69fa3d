package admin

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/valyala/fasthttp"
)

// routeTable is immutable once published; Mount publishes a new one.
type routeTable struct {
	exact   map[string]fasthttp.RequestHandler
	subtree []mount // longest prefix first
}

type mount struct {
	prefix string // ends in "/"
	h      fasthttp.RequestHandler
}

func (t *routeTable) lookup(p string) fasthttp.RequestHandler {
	if h := t.exact[p]; h != nil {
		return h
	}
	for _, m := range t.subtree {
		if strings.HasPrefix(p, m.prefix) {
			return m.h
		}
	}
	return nil
}

// Mount serves h at prefix: exactly that path, or, when prefix ends in "/",
// that path and everything below it. The longest match wins; an exact mount
// wins over a subtree. Requests reach h only once authenticated, and h owns
// the RequestCtx only until it returns (fasthttp's rule). Mount may be
// called before or after Start. It fails with ErrBadMount for a nil handler
// or a path that is not absolute and clean, and with ErrMounted when the
// path is taken (/metrics, /healthz and /debug/pprof/ are).
func (s *Server) Mount(prefix string, h fasthttp.RequestHandler) error {
	if h == nil || !strings.HasPrefix(prefix, "/") || !isCleanPath(prefix) {
		return fmt.Errorf("%w: %q", ErrBadMount, prefix)
	}
	s.mountMu.Lock()
	defer s.mountMu.Unlock()
	old := s.routes.Load()
	t := &routeTable{exact: maps.Clone(old.exact), subtree: slices.Clone(old.subtree)}
	if strings.HasSuffix(prefix, "/") {
		for _, m := range t.subtree {
			if m.prefix == prefix {
				return fmt.Errorf("%w: %q", ErrMounted, prefix)
			}
		}
		t.subtree = append(t.subtree, mount{prefix, h})
		sort.SliceStable(t.subtree, func(i, j int) bool { return len(t.subtree[i].prefix) > len(t.subtree[j].prefix) })
	} else {
		if t.exact[prefix] != nil {
			return fmt.Errorf("%w: %q", ErrMounted, prefix)
		}
		t.exact[prefix] = h
	}
	s.routes.Store(t)
	return nil
}

// isCleanPath accepts what fasthttp's path normalisation can produce, so
// that every mount is reachable.
func isCleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// redirectTo answers every method with a permanent redirect to target.
func redirectTo(target string) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set(fasthttp.HeaderLocation, target)
		ctx.SetStatusCode(fasthttp.StatusMovedPermanently)
	}
}
