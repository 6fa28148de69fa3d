package admin

import (
	"net/http/pprof"
	"runtime"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// maxSampleWindow caps the seconds of a request that switches mutex or
// block sampling on for itself, so that a forgotten request cannot leave
// the server paying for it for hours.
const maxSampleWindow = 600

// pprofHandler serves net/http/pprof under /debug/pprof/. The handlers run
// on a goroutine of fasthttpadaptor's; the request context is the
// RequestCtx, cancelled only by Shutdown, which therefore ends a running
// CPU profile or trace early.
func (s *Server) pprofHandler() fasthttp.RequestHandler {
	handlers := map[string]fasthttp.RequestHandler{
		"":        fasthttpadaptor.NewFastHTTPHandlerFunc(pprof.Index),
		"cmdline": fasthttpadaptor.NewFastHTTPHandlerFunc(pprof.Cmdline),
		"profile": fasthttpadaptor.NewFastHTTPHandlerFunc(pprof.Profile),
		"symbol":  fasthttpadaptor.NewFastHTTPHandlerFunc(pprof.Symbol),
		"trace":   fasthttpadaptor.NewFastHTTPHandlerFunc(pprof.Trace),
	}
	for _, name := range []string{"allocs", "block", "goroutine", "heap", "mutex", "threadcreate"} {
		handlers[name] = fasthttpadaptor.NewFastHTTPHandler(pprof.Handler(name))
	}
	handlers["mutex"] = s.sampled(&s.mutexWindow, handlers["mutex"], func(rate int) {
		runtime.SetMutexProfileFraction(rate)
	}, s.cfg.MutexProfileFraction)
	handlers["block"] = s.sampled(&s.blockWindow, handlers["block"], runtime.SetBlockProfileRate, s.cfg.BlockProfileRate)

	return func(ctx *fasthttp.RequestCtx) {
		name := strings.TrimPrefix(string(ctx.Path()), "/debug/pprof/")
		h := handlers[name]
		if h == nil && rpprof.Lookup(name) != nil {
			// A profile some library registered; the index links to it.
			h = fasthttpadaptor.NewFastHTTPHandler(pprof.Handler(name))
		}
		if h == nil {
			WriteError(ctx, fasthttp.StatusNotFound, CodeNotFound, "no such profile: "+name)
			return
		}
		h(ctx)
	}
}

// sampled wraps the mutex or block profile handler: with ?rate=N (and the
// ?seconds=S that makes it a delta profile) sampling runs at N for that
// window only, then returns to base. One window per profile at a time.
func (s *Server) sampled(busy *atomic.Bool, h fasthttp.RequestHandler, set func(int), base int) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		args := ctx.QueryArgs()
		if !args.Has("rate") {
			h(ctx)
			return
		}
		rate, err := strconv.Atoi(string(args.Peek("rate")))
		if err != nil || rate <= 0 {
			WriteError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "rate must be a positive integer")
			return
		}
		secs, err := strconv.Atoi(string(args.Peek("seconds")))
		if err != nil || secs <= 0 || secs > maxSampleWindow {
			WriteError(ctx, fasthttp.StatusBadRequest, CodeBadRequest,
				"rate needs seconds=1.."+strconv.Itoa(maxSampleWindow)+": sampling is on for the profile's window only")
			return
		}
		if !busy.CompareAndSwap(false, true) {
			WriteError(ctx, fasthttp.StatusConflict, CodeConflict, "another request is sampling this profile")
			return
		}
		defer busy.Store(false)
		set(rate)
		defer set(base)
		h(ctx)
	}
}
