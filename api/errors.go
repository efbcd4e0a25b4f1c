package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// StatusCode is the one table mapping domain error codes to HTTP statuses:
// EINVALID 400, ENOTFOUND 404, EUNAVAILABLE 503, EINTERNAL and anything else 500.
func StatusCode(code string) int {
	switch code {
	case movies.EINVALID:
		return http.StatusBadRequest
	case movies.ENOTFOUND:
		return http.StatusNotFound
	case movies.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ErrorBody is the body of every error response, as API Gateway words its own:
// {"message":"..."}.
type ErrorBody struct {
	Message string `json:"message"`
}

// errorResponse returns {"message": msg} with content-type application/json.
func errorResponse(status int, msg string) events.APIGatewayV2HTTPResponse {
	var body bytes.Buffer
	_ = movies.AppendJSON(&body, ErrorBody{Message: msg}) // cannot fail: one string field
	return jsonResponse(status, body.String())
}

// jsonResponse returns a response with a JSON body.
func jsonResponse(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       body,
	}
}

// errorBody returns the status and caller-safe message for err: for a 5xx
// status, its fixed text, so that no internal detail can reach a response.
func errorBody(err error) (int, string) {
	status := StatusCode(movies.ErrorCode(err))
	if status >= 500 {
		return status, http.StatusText(status)
	}
	return status, movies.ErrorMessage(err)
}

// fail answers a request that failed with err. Server faults and store errors
// are logged with the full cause; the response carries only the safe message.
func (s *server) fail(ctx context.Context, req events.APIGatewayV2HTTPRequest, err error, fromStore bool) events.APIGatewayV2HTTPResponse {
	err = classifyContextError(err)
	status, msg := errorBody(err)
	if status >= 500 || fromStore {
		level := slog.LevelInfo
		if status >= 500 && !errors.Is(ctx.Err(), context.Canceled) {
			level = slog.LevelError // a caller that cancelled (went away) is no fault here
		}
		s.logger.LogAttrs(ctx, level, "request failed",
			slog.String("requestId", req.RequestContext.RequestID),
			slog.String("routeKey", routeKey(req)),
			slog.Int("status", status),
			slog.String("code", movies.ErrorCode(err)),
			slog.String("error", err.Error()),
		)
	}
	return errorResponse(status, msg)
}

// classifyContextError marks a store call that ran out of time or was
// cancelled as EUNAVAILABLE, so the caller learns it may retry, unless the
// store already gave it a domain code.
func classifyContextError(err error) error {
	var de *movies.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return movies.WrapError(movies.EUNAVAILABLE, err, "the store did not answer in time")
	}
	return err
}

// routeKey returns the route key of req, falling back to the request context's.
func routeKey(req events.APIGatewayV2HTTPRequest) string {
	if req.RouteKey != "" {
		return req.RouteKey
	}
	return req.RequestContext.RouteKey
}

// recoverPanic turns a panic in a handler into a logged 500 response, so one
// bad request cannot take down the function instance's other invocations.
func (s *server) recoverPanic(ctx context.Context, req events.APIGatewayV2HTTPRequest, resp *events.APIGatewayV2HTTPResponse) {
	if v := recover(); v != nil {
		err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		*resp = s.fail(ctx, req, err, false)
	}
}
