package admin

import (
	"context"
	"strings"

	"github.com/valyala/fasthttp"
)

// HealthChecker reports whether one part of the server (a listener, the
// store) is up: nil when it is. It must be cheap and honour ctx's deadline.
type HealthChecker interface {
	CheckHealth(ctx context.Context) error
}

// HealthFunc adapts a function to HealthChecker.
type HealthFunc func(ctx context.Context) error

// CheckHealth calls f.
func (f HealthFunc) CheckHealth(ctx context.Context) error { return f(ctx) }

// healthz answers 200 "ok" when every check passes, else 503 with the
// failures, by name, in the JSON error message.
func (s *Server) healthz(ctx *fasthttp.RequestCtx) {
	if !allowMethods(ctx, fasthttp.MethodGet, fasthttp.MethodHead) {
		return
	}
	ctx.Response.Header.Set(fasthttp.HeaderCacheControl, "no-store")
	c, cancel := context.WithTimeout(context.Background(), s.cfg.HealthTimeout)
	defer cancel()
	var failed []string
	for _, h := range s.health {
		if err := h.check.CheckHealth(c); err != nil {
			failed = append(failed, h.name+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		WriteError(ctx, fasthttp.StatusServiceUnavailable, CodeUnavailable, strings.Join(failed, "; "))
		return
	}
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("ok")
}
