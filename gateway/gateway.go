// Package gateway emulates Amazon API Gateway HTTP APIs (payload format 2.0)
// locally: it turns HTTP requests into the Lambda events API Gateway would
// send, invokes a function through an invoke.Invoker (in process, see
// InProcess, or in aws-lambda-rie processes, see package riepool) and turns
// the function's response payload back into HTTP, with API Gateway's status
// codes, error bodies and limits.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/sync/semaphore"

	"github.com/movieskit/movies/gateway/invoke"
)

// gateway is the http.Handler returned by New.
type gateway struct {
	cfg      Config
	inFlight *semaphore.Weighted // the response bytes requests hold, at most cfg.maxBytesInFlight
}

// New returns the http.Handler that emulates API Gateway HTTP API (payload
// 2.0) in front of cfg.Invoker: it matches the request to a route, sends the
// event to the route's function and turns the function's response into HTTP.
// Every response carries an apigw-requestid header, and every request is
// logged once to cfg.Logger.
func New(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	return &gateway{cfg: cfg, inFlight: semaphore.NewWeighted(cfg.maxBytesInFlight)}
}

// ServeHTTP implements http.Handler.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := g.cfg.NewRequestID()
	ex := &exchange{requestID: requestID}
	defer func() { g.inFlight.Release(ex.held) }() // the body is written, or the client is gone
	resp := g.handle(r, ex)
	if ex.clientGone = r.Context().Err() != nil; ex.clientGone {
		g.logAccess(r, ex, statusClientClosed, 0, time.Since(start))
		return
	}
	n := writeResponse(w, resp, requestID)
	g.logAccess(r, ex, resp.status, n, time.Since(start))
}

// exchange collects what the access log reports about one request.
type exchange struct {
	requestID  string
	routeKey   string
	err        error // integration error, for the log only
	clientGone bool  // the client went away before the answer
	held       int64 // bytes of the response budget the request holds
}

// statusClientClosed is the status the access log gives a request whose
// client went away before the answer (nginx's convention); nothing is sent.
const statusClientClosed = 499

// handle routes, invokes and converts; it never fails, it answers an error response.
func (g *gateway) handle(r *http.Request, ex *exchange) *httpResponse {
	if g.cfg.CORS.Enabled() && isPreflight(r) {
		return g.preflightResponse(r)
	}
	resp := g.route(r, ex)
	if g.cfg.CORS.Enabled() && ex.routeKey != "" {
		return g.applyCORS(r, resp)
	}
	return resp
}

// route routes, invokes and converts.
func (g *gateway) route(r *http.Request, ex *exchange) *httpResponse {
	req, err := routeRequest(r, g.cfg.Routes)
	switch {
	case errors.Is(err, errBadPath), errors.Is(err, errTooManyQueryParameters):
		ex.err = err
		return respBadRequest()
	case errors.Is(err, errTooManyHeaderFields):
		ex.err = err
		return respHeadersTooLarge()
	case err != nil:
		return respNotFound()
	}
	ex.routeKey = req.route.Key()
	body, err := readBody(r)
	if err != nil {
		ex.err = err
		if errors.Is(err, errBodyTooLarge) {
			return respTooLarge()
		}
		return respBadRequest()
	}
	ev := buildEvent(r, body, req, &g.cfg, ex.requestID)
	ctx, cancel := context.WithTimeoutCause(r.Context(), g.cfg.Timeout, errIntegrationTimeout)
	defer cancel()
	if err := g.inFlight.Acquire(ctx, invoke.MaxPayloadBytes); err != nil {
		return invokeFailed(ex, fmt.Errorf("function %s: waiting for %d bytes of the %d-byte response budget: %w",
			req.route.Function, invoke.MaxPayloadBytes, g.cfg.maxBytesInFlight, invokeError(ctx, req.route.Function, err)))
	}
	ex.held = invoke.MaxPayloadBytes
	var resp *httpResponse
	if inv, ok := typedInvoker(g.cfg.Invoker, &ev); ok {
		resp = g.callTyped(ctx, ex, inv, req.route.Function, &ev)
	} else {
		resp = g.callJSON(ctx, ex, req.route.Function, &ev)
	}
	if n := int64(len(resp.body)); n < ex.held { // keep what the body needs until it is written
		g.inFlight.Release(ex.held - n)
		ex.held = n
	}
	return resp
}

// callJSON invokes the function with ev's JSON payload and converts the
// response payload.
func (g *gateway) callJSON(ctx context.Context, ex *exchange, function string, ev *events.APIGatewayV2HTTPRequest) *httpResponse {
	payload, err := MarshalEvent(*ev)
	if err != nil {
		ex.err = err
		return respInternalError()
	}
	if len(payload) > invoke.MaxPayloadBytes {
		// Lambda refuses the invocation (RequestEntityTooLargeException);
		// the one check of the event's size, for every invoker (docs/FIDELITY.md).
		ex.err = fmt.Errorf("function %s: %w: %d bytes, over %d", function, errEventTooLarge, len(payload), invoke.MaxPayloadBytes)
		return respTooLarge()
	}
	out, err := g.invoke(ctx, function, payload)
	if err != nil {
		return invokeFailed(ex, err)
	}
	resp, err := parseResponse(out)
	if err != nil {
		ex.err = fmt.Errorf("function %s: %w", function, err)
		return respInternalError()
	}
	return resp
}

// callTyped invokes the function with ev itself and converts the response
// struct, with the same result as callJSON.
func (g *gateway) callTyped(ctx context.Context, ex *exchange, inv eventInvoker, function string, ev *events.APIGatewayV2HTTPRequest) *httpResponse {
	normalizeEvent(ev)
	out, err := g.invokeEvent(ctx, inv, function, ev)
	if err != nil {
		return invokeFailed(ex, err)
	}
	resp, err := convertResponse(&out)
	if err != nil {
		ex.err = fmt.Errorf("function %s: %w", function, err)
		return respInternalError()
	}
	return resp
}

// invokeFailed records a failed invocation and answers 503 past the
// timeout, 500 otherwise.
func invokeFailed(ex *exchange, err error) *httpResponse {
	ex.err = err
	if errors.Is(err, context.DeadlineExceeded) {
		return respServiceUnavail()
	}
	return respInternalError()
}

// errEventTooLarge reports an event over Lambda's payload limit.
var errEventTooLarge = errors.New("event is over Lambda's payload limit")

// errBodyTooLarge reports a request body over MaxRequestBytes.
var errBodyTooLarge = errors.New("request body exceeds 10 MB")

// readBody reads the request body, failing fast on a declared or actual size
// over MaxRequestBytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxRequestBytes {
		return nil, errBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(b) > MaxRequestBytes {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// invoke calls the function within ctx's integration timeout.
func (g *gateway) invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	out, err := callWithTimeout(ctx, function, func(ctx context.Context) ([]byte, error) {
		if g.cfg.Invoker == nil {
			return nil, errors.New("gateway has no invoker")
		}
		return g.cfg.Invoker.Invoke(ctx, function, payload)
	})
	if err == nil && len(out) > invoke.MaxPayloadBytes {
		return nil, fmt.Errorf("invoke %s: response is %d bytes, over Lambda's %d-byte limit", function, len(out), invoke.MaxPayloadBytes)
	}
	return out, err
}

// callWithTimeout runs call on its own goroutine under ctx, which carries
// the integration timeout (errIntegrationTimeout is its cause), and turns a
// panic in call into an error, which would otherwise take the whole server
// down. It returns when ctx ends even if call does not honour it, so that
// the client gets its 503 on time; call's late result is discarded. Errors
// past the deadline wrap context.DeadlineExceeded.
func callWithTimeout[T any](ctx context.Context, function string, call func(context.Context) (T, error)) (T, error) {
	type result struct {
		out T
		err error
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if v := recover(); v != nil {
				res = result{err: fmt.Errorf("invoker panicked: %v", v)}
			}
			done <- res
		}()
		res.out, res.err = call(ctx)
	}()
	var zero T
	select {
	case res := <-done:
		if res.err != nil {
			return zero, invokeError(ctx, function, res.err)
		}
		return res.out, nil
	case <-ctx.Done():
		return zero, invokeError(ctx, function, context.Cause(ctx))
	}
}

// invokeError wraps the error of an invocation under ctx: past the gateway's
// timeout it is the integration timeout, whatever the invoker returned.
func invokeError(ctx context.Context, function string, err error) error {
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), errIntegrationTimeout) {
		return fmt.Errorf("invoke %s: %w", function, errIntegrationTimeout)
	}
	return fmt.Errorf("invoke %s: %w", function, err)
}

// timeoutError is the integration timeout; it matches context.DeadlineExceeded.
type timeoutError struct{}

func (timeoutError) Error() string   { return "integration timed out" }
func (timeoutError) Is(t error) bool { return t == context.DeadlineExceeded }

var errIntegrationTimeout error = timeoutError{}

// writeResponse writes resp with API Gateway's apigw-requestid header and
// returns the number of body bytes written.
func writeResponse(w http.ResponseWriter, resp *httpResponse, requestID string) int {
	h := w.Header()
	for name, values := range resp.header {
		h[name] = values
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // API Gateway adds none; stop net/http sniffing one
	}
	h.Set("Apigw-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	n, _ := io.WriteString(w, resp.body) // a client that went away is not our error
	return n
}

// logAccess writes the access-log line of one request.
func (g *gateway) logAccess(r *http.Request, ex *exchange, status, bytes int, latency time.Duration) {
	level := slog.LevelInfo
	if ex.err != nil && !ex.clientGone {
		level = slog.LevelError
	}
	if !g.cfg.Logger.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("requestId", ex.requestID),
		slog.String("ip", remoteIP(r)),
		slog.String("method", r.Method),
		slog.String("path", rawPath(r)),
		slog.String("routeKey", ex.routeKey),
		slog.Int("status", status),
		slog.Int("bytes", bytes),
		slog.Float64("latencyMs", float64(latency.Microseconds())/1000),
	}
	if ex.err != nil {
		attrs = append(attrs, slog.String("integrationError", ex.err.Error()))
	}
	g.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// rawPath returns the request path as sent.
func rawPath(r *http.Request) string {
	p, _ := splitRequestURI(r)
	return p
}
