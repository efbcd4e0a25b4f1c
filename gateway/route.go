package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/movieskit/movies/api"
)

// errBadPath reports a request path that API Gateway rejects before any
// function runs: it is not valid URL encoding once decoded, or twice.
var errBadPath = errors.New("request path is not valid URL encoding")

// decodePath returns the path API Gateway HTTP API routes on and hands the
// function as rawPath and requestContext.http.path, from the path as sent
// (docs/FIDELITY.md, "Request path"): it is URL-decoded, cut at the first
// decoded '?', and decoded a second time. So "/a%20b" is "/a b",
// "/a%3Fb" is "/a", "/a%252F" is "/a/" and "/a%253Fb" is "/a?b"; a path
// that does not survive either decoding ("/a%zz", "/a%25zz") is errBadPath.
func decodePath(sent string) (string, error) {
	once, err := url.PathUnescape(sent)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", errBadPath, sent, err)
	}
	once, _, _ = strings.Cut(once, "?")
	twice, err := url.PathUnescape(once)
	if err != nil {
		return "", fmt.Errorf("%w: %q decoded once is %q: %w", errBadPath, sent, once, err)
	}
	return twice, nil
}

// ErrNoRoute reports a request that matches no route (API Gateway's 404).
var ErrNoRoute = errors.New("no route matches the request")

// ErrBadPath reports a request path that API Gateway rejects with 400 before
// any function runs: it does not survive URL decoding once, or twice.
var ErrBadPath = errBadPath

// routedRequest is a request as API Gateway routes it.
type routedRequest struct {
	route    api.Route
	params   map[string]string // decoded path parameters
	path     string            // the decoded path: rawPath and requestContext.http.path
	rawQuery string            // the query as sent
}

// Errors of requests that exceed the gateway's own bounds.
var (
	errTooManyQueryParameters = fmt.Errorf("query has more than %d parameters", MaxQueryParameters)
	errTooManyHeaderFields    = fmt.Errorf("request has more than %d header fields", MaxHeaderFields)
)

// routeRequest decodes r's path and matches it against routes. A request over
// MaxQueryParameters or MaxHeaderFields is refused before any other work.
func routeRequest(r *http.Request, routes []api.Route) (routedRequest, error) {
	sent, rawQuery := splitRequestURI(r)
	if strings.Count(rawQuery, "&") >= MaxQueryParameters {
		return routedRequest{}, errTooManyQueryParameters
	}
	if headerFields(r.Header) > MaxHeaderFields {
		return routedRequest{}, errTooManyHeaderFields
	}
	path, err := decodePath(sent)
	if err != nil {
		return routedRequest{}, err
	}
	route, params, ok := api.Match(routes, r.Method, path)
	if !ok {
		return routedRequest{}, fmt.Errorf("%w: %s %s", ErrNoRoute, r.Method, path)
	}
	return routedRequest{route: route, params: params, path: path, rawQuery: rawQuery}, nil
}

// headerFields counts the header lines of h.
func headerFields(h http.Header) int {
	n := 0
	for _, values := range h {
		n += len(values)
	}
	return n
}
