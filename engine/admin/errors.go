package admin

import (
	"encoding/json"
	"errors"
	"net"

	"github.com/valyala/fasthttp"
)

// Error codes this package writes; mounted handlers may add their own.
const (
	CodeBadRequest       = "bad_request"
	CodeUnauthorized     = "unauthorized"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeTimeout          = "timeout"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteError answers with status and the JSON body
// {"error":{"code":code,"message":message}}, the one error shape of the
// admin listener. Headers already set are kept.
func WriteError(ctx *fasthttp.RequestCtx, status int, code, message string) {
	body, _ := json.Marshal(errorBody{errorDetail{Code: code, Message: message}}) // strings only: cannot fail
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(append(body, '\n'))
}

// parseError answers requests fasthttp could not read, in the same shape.
func parseError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr *net.OpError
	switch {
	case errors.As(err, &small):
		WriteError(ctx, fasthttp.StatusRequestHeaderFieldsTooLarge, CodeTooLarge, "request header too large")
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		WriteError(ctx, fasthttp.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large")
	case errors.As(err, &netErr) && netErr.Timeout():
		WriteError(ctx, fasthttp.StatusRequestTimeout, CodeTimeout, "request not received in time")
	default:
		WriteError(ctx, fasthttp.StatusBadRequest, CodeBadRequest, "malformed HTTP request")
	}
}

// allowMethods answers 405 and returns false unless the request's method is
// one of methods.
func allowMethods(ctx *fasthttp.RequestCtx, methods ...string) bool {
	m := ctx.Method()
	for _, want := range methods {
		if string(m) == want {
			return true
		}
	}
	allow := ""
	for i, want := range methods {
		if i > 0 {
			allow += ", "
		}
		allow += want
	}
	ctx.Response.Header.Set(fasthttp.HeaderAllow, allow)
	WriteError(ctx, fasthttp.StatusMethodNotAllowed, CodeMethodNotAllowed, "method "+string(m)+" not allowed; use "+allow)
	return false
}
