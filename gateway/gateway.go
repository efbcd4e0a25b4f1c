// Package gateway emulates Amazon API Gateway HTTP APIs (payload format 2.0)
// locally: it turns HTTP requests into the Lambda events API Gateway would
// send, invokes a function through an Invoker (in process, see InProcess, or
// in aws-lambda-rie processes, see package riepool) and turns the function's
// response payload back into HTTP, with API Gateway's status codes, error
// bodies and limits.
//
// A request's way through the package: gateway.go serves it (New) and logs
// it; route.go decides it before any function runs (the request target, the
// path as API Gateway decodes it, the route, the bounds); event.go builds the
// function's event; invoke.go invokes the function within the integration
// timeout, with the event's JSON payload or, in process, with the event
// itself when typed.go finds that gives the same result; response.go turns
// the function's answer into HTTP. cors.go answers preflights and sets CORS
// headers; throttle.go is the stage's token bucket per route; serve.go and
// conn.go run the server.
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

	"golang.org/x/sync/semaphore"
)

// gateway is the http.Handler returned by New.
type gateway struct {
	cfg      Config
	inFlight *semaphore.Weighted // the response bytes requests hold, at most cfg.maxBytesInFlight
	throttle throttle
}

// New returns the http.Handler that emulates API Gateway HTTP API (payload
// 2.0) in front of cfg.Invoker: it matches the request to a route, sends the
// event to the route's function and turns the function's response into HTTP.
// Every response carries an apigw-requestid header, and every request is
// logged once to cfg.Logger.
func New(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	return &gateway{
		cfg: cfg, inFlight: semaphore.NewWeighted(cfg.maxBytesInFlight),
		throttle: newThrottle(cfg.Throttle, cfg.Routes, cfg.Now),
	}
}

// ServeHTTP implements http.Handler.
func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &accessRecord{requestID: g.cfg.NewRequestID()}
	defer func() { g.inFlight.Release(rec.held) }() // the body is written, or the client is gone
	resp := g.handle(r, rec)
	if rec.clientGone = r.Context().Err() != nil; rec.clientGone {
		g.logAccess(r, rec, statusClientClosed, 0, time.Since(start))
		return
	}
	n := writeResponse(w, resp, rec.requestID)
	g.logAccess(r, rec, resp.status, n, time.Since(start))
}

// accessRecord is what the access log reports about one request.
type accessRecord struct {
	requestID  string
	routeKey   string
	err        error // why the request was refused or its integration failed, for the log only
	clientGone bool  // the client went away before the answer
	held       int64 // bytes of the response budget the request holds
}

// statusClientClosed is the status the access log gives a request whose
// client went away before the answer (nginx's convention); nothing is sent.
const statusClientClosed = 499

// handle answers r as API Gateway would; it never fails, it answers an
// error response. In order: the header quota, the CORS preflight (and any
// OPTIONS no route takes, when the API has CORS), the route, the route's
// throttle, then the function. With CORS on, every answer carries the CORS
// headers, the gateway's own refusals too, but those to the OPTIONS requests
// the gateway takes itself: an allowed preflight gets the preflight's
// headers, a refused one and an OPTIONS no route takes a bare 204.
func (g *gateway) handle(r *http.Request, rec *accessRecord) *httpResponse {
	if n := requestHeaderBytes(r); n > g.cfg.HeaderQuota {
		return g.withCORS(r, refuse(rec, fmt.Errorf("%w: %d bytes, over %d", errHeaderQuota, n, g.cfg.HeaderQuota)))
	}
	cors := g.cfg.CORS.Enabled()
	if cors && isPreflight(r) {
		return g.preflightResponse(r)
	}
	req, err := routeRequest(r, g.cfg.Routes)
	switch {
	case cors && r.Method == http.MethodOptions && errors.Is(err, errNoRoute):
		return optionsResponse()
	case err != nil:
		return g.withCORS(r, refuse(rec, err))
	}
	rec.routeKey = req.route.Key()
	if !g.throttle.allow(rec.routeKey) {
		return g.withCORS(r, refuse(rec, errThrottled))
	}
	return g.withCORS(r, g.call(r, rec, req))
}

// call reads the body of r, routed as req, invokes the route's function and
// converts its answer.
func (g *gateway) call(r *http.Request, rec *accessRecord, req routedRequest) *httpResponse {
	body, err := readBody(r)
	if err != nil {
		return refuse(rec, err)
	}
	ev := buildEvent(r, body, req, &g.cfg, rec.requestID)
	ctx, cancel := context.WithTimeoutCause(r.Context(), g.cfg.Timeout, errIntegrationTimeout)
	defer cancel()
	function := req.route.Function
	var resp *httpResponse // with its answer the invocation hands its 6 MB of the budget to rec.held (callWithTimeout)
	if inv, ok := typedInvoker(g.cfg.Invoker, &ev); ok {
		resp = g.callTyped(ctx, rec, inv, function, &ev)
	} else {
		resp = g.callJSON(ctx, rec, function, &ev)
	}
	if n := int64(len(resp.body)); n < rec.held { // keep what the body needs until it is written
		g.inFlight.Release(rec.held - n)
		rec.held = n
	}
	return resp
}

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
func (g *gateway) logAccess(r *http.Request, rec *accessRecord, status, bytes int, latency time.Duration) {
	level := slog.LevelInfo
	if rec.err != nil && !rec.clientGone {
		level = slog.LevelError
	}
	if !g.cfg.Logger.Enabled(r.Context(), level) {
		return
	}
	path, _ := splitRequestURI(r)
	attrs := []slog.Attr{
		slog.String("requestId", rec.requestID),
		slog.String("ip", remoteIP(r)),
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.String("routeKey", rec.routeKey),
		slog.Int("status", status),
		slog.Int("bytes", bytes),
		slog.Float64("latencyMs", float64(latency.Microseconds())/1000),
	}
	if rec.err != nil {
		attrs = append(attrs, slog.String("integrationError", rec.err.Error()))
	}
	g.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}
