package openapi

import (
	"fmt"
	"net/http"

	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
)

// gatewayStatuses are the answers API Gateway HTTP API gives on its own, to a
// request on any route, before or instead of the function's.
var gatewayStatuses = []int{
	http.StatusBadRequest,                  // the request cannot be read
	http.StatusRequestEntityTooLarge,       // body over 10 MB, or an event over Lambda's 6 MB
	http.StatusTooManyRequests,             // the route's throttle
	http.StatusRequestHeaderFieldsTooLarge, // request line and header values over the quota
	http.StatusInternalServerError,         // the function failed or answered no valid response
	http.StatusServiceUnavailable,          // the function did not answer within the integration timeout
}

// responses describes each error status: its component name, when it is
// sent, and whether its message is always http.StatusText(status).
var responses = map[int]struct {
	name, description string
	fixed             bool
}{
	http.StatusBadRequest: {"BadRequest",
		"A parameter is missing, malformed or out of its limits; the message names it " +
			"(e.g. `limit must be an integer from 1 to 1000`). API Gateway answers `Bad Request` when it cannot read the request.", false},
	http.StatusNotFound: {"NotFound",
		"No movie has that key: `movie not found`. A request whose method and path match no route gets " +
			"API Gateway's own 404 with the message `Not Found`, on any path.", false},
	http.StatusRequestEntityTooLarge: {"PayloadTooLarge",
		fmt.Sprintf("The request body is larger than API Gateway's %d MB limit, or the event made of the request "+
			"(its headers and body, a binary body base64-encoded) is larger than Lambda's %d MB invocation payload limit.",
			gateway.MaxRequestBytes>>20, gateway.MaxPayloadBytes>>20), true},
	http.StatusTooManyRequests: {"TooManyRequests",
		fmt.Sprintf("The route's throttle: API Gateway lets each route of the stage take `throttleRate` requests a second, "+
			"with bursts of `throttleBurst` (a token bucket; %g and %d unless the stack sets them). Retry later, with backoff. "+
			"`movies serve` throttles only with `--throttle`.", deploy.DefaultThrottle.Rate, deploy.DefaultThrottle.Burst), true},
	http.StatusRequestHeaderFieldsTooLarge: {"RequestHeaderFieldsTooLarge",
		fmt.Sprintf("The request line and the header values together are over API Gateway's quota of %d bytes, "+
			"which cannot be raised: send shorter cookies, tokens or cursors.", gateway.HeaderQuotaBytes), true},
	http.StatusInternalServerError: {"InternalServerError",
		"Anything else. The cause is logged, never sent.", true},
	http.StatusServiceUnavailable: {"ServiceUnavailable",
		"The store is unreachable or throttling, or the function did not answer in time. The request may be retried.", true},
}

// errorResponse returns the response object of an error status, with the
// headers every answer carries (headers).
func errorResponse(status int, headers object) object {
	rd := responses[status]
	schema := object{"$ref": "#/components/schemas/Error"}
	media := object{"schema": schema}
	if rd.fixed {
		msg := http.StatusText(status)
		media["schema"] = object{
			"allOf":      []any{schema},
			"properties": object{"message": object{"const": msg}},
		}
		media["example"] = object{"message": msg}
	}
	return object{
		"description": rd.description,
		"headers":     headers,
		"content":     object{"application/json": media},
	}
}
