package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/movieskit/movies/deploy"
)

// Routing: everything that decides a request before any function runs. The
// request target is split as sent, the path decoded as API Gateway decodes
// it, the gateway's bounds applied, and the path matched against the routes
// table; a request refused on the way gets API Gateway's answer (refuse).

// Errors of requests API Gateway answers itself.
var (
	// ErrBadPath reports a request path that API Gateway rejects with 400
	// before any function runs: it does not survive URL decoding once, or twice.
	ErrBadPath = errors.New("request path is not valid URL encoding")
	// errNoRoute reports a request that matches no route (404).
	errNoRoute = errors.New("no route matches the request")
	// errBodyTooLarge reports a request body over MaxRequestBytes (413).
	errBodyTooLarge = errors.New("request body exceeds 10 MB")
	// errHeaderQuota reports a request line and header values over the
	// gateway's HeaderQuota (431).
	errHeaderQuota = errors.New("request line and header values exceed the quota")
	// The gateway's own bounds: more query parameters is 400, more header
	// fields 431.
	errTooManyQueryParameters = fmt.Errorf("query has more than %d parameters", MaxQueryParameters)
	errTooManyHeaderFields    = fmt.Errorf("request has more than %d header fields", MaxHeaderFields)
)

// routedRequest is a request as API Gateway routes it.
type routedRequest struct {
	route    deploy.Route
	params   map[string]string // decoded path parameters
	path     string            // the decoded path: rawPath and requestContext.http.path
	rawQuery string            // the query as sent
}

// routeRequest decodes r's path and matches it against routes. A request over
// MaxQueryParameters or MaxHeaderFields is refused before any other work.
func routeRequest(r *http.Request, routes []deploy.Route) (routedRequest, error) {
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
	route, params, ok := match(routes, r.Method, path)
	if !ok {
		return routedRequest{}, fmt.Errorf("%w: %s %s", errNoRoute, r.Method, path)
	}
	return routedRequest{route: route, params: params, path: path, rawQuery: rawQuery}, nil
}

// refuse records err, the reason API Gateway refuses a request before any
// function runs, and answers as API Gateway does: 404 for no route (not an
// error of the gateway's: nothing is recorded), 431 for too many header
// fields or bytes, 429 for a throttled route, 413 for a body over
// MaxRequestBytes, 400 otherwise.
func refuse(rec *accessRecord, err error) *httpResponse {
	if errors.Is(err, errNoRoute) {
		return errorResponse(http.StatusNotFound)
	}
	rec.err = err
	switch {
	case errors.Is(err, errTooManyHeaderFields), errors.Is(err, errHeaderQuota):
		return errorResponse(http.StatusRequestHeaderFieldsTooLarge)
	case errors.Is(err, errThrottled):
		return errorResponse(http.StatusTooManyRequests)
	case errors.Is(err, errBodyTooLarge):
		return errorResponse(http.StatusRequestEntityTooLarge)
	}
	return errorResponse(http.StatusBadRequest)
}

// splitRequestURI returns the path and query of r exactly as the client sent
// them. r.URL.EscapedPath may re-encode the path, so the request line is used.
func splitRequestURI(r *http.Request) (rawPath, rawQuery string) {
	uri := r.RequestURI
	if uri == "" { // a client-side request, as in tests and `movies event`
		uri = r.URL.RequestURI()
	}
	if !strings.HasPrefix(uri, "/") {
		uri = originForm(uri)
	}
	rawPath, rawQuery, _ = strings.Cut(uri, "?")
	return rawPath, rawQuery
}

// originForm returns the path and query of an absolute-form request target
// ("http://host/path?q", "HTTP://host?q") as sent, "/" for an empty path.
// The scheme and host are case-insensitive (RFC 9110, section 4.2.3), so
// they are skipped whatever their spelling rather than matched. Any other
// target ("*") is returned unchanged.
func originForm(target string) string {
	scheme, rest, ok := strings.Cut(target, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/?") {
		return target
	}
	end := strings.IndexAny(rest, "/?")
	switch {
	case end == 0: // no authority
		return target
	case end < 0:
		return "/"
	case rest[end] == '?':
		return "/" + rest[end:]
	}
	return rest[end:]
}

// requestHeaderBytes measures r the way API Gateway states its quota on
// the "total combined size of request line and header values"
// (HeaderQuotaBytes): the request line as sent, without its line end
// ("GET /list?limit=3 HTTP/1.1"), plus the value of every header field, each
// repeated field once per line. Header names, colons, spaces around values
// and line ends are not counted. net/http takes the Host and
// Transfer-Encoding fields out of the header map; their values count as
// r.Host and r.TransferEncoding hold them.
func requestHeaderBytes(r *http.Request) int {
	target := r.RequestURI
	if target == "" { // a client-side request, as in tests
		target = r.URL.RequestURI()
	}
	n := len(r.Method) + 1 + len(target) + 1 + len(r.Proto) + len(r.Host)
	for _, values := range r.Header {
		for _, v := range values {
			n += len(v)
		}
	}
	for i, te := range r.TransferEncoding {
		n += len(te)
		if i > 0 {
			n += len(", ")
		}
	}
	return n
}

// headerFields counts the header lines of h.
func headerFields(h http.Header) int {
	n := 0
	for _, values := range h {
		n += len(values)
	}
	return n
}

// decodePath returns the path API Gateway HTTP API routes on and hands the
// function as rawPath and requestContext.http.path, from the path as sent
// (docs/FIDELITY.md, "Request path"): it is URL-decoded, cut at the first
// decoded '?', and decoded a second time. So "/a%20b" is "/a b",
// "/a%3Fb" is "/a", "/a%252F" is "/a/" and "/a%253Fb" is "/a?b"; a path
// that does not survive either decoding ("/a%zz", "/a%25zz") is ErrBadPath.
func decodePath(sent string) (string, error) {
	once, err := url.PathUnescape(sent)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadPath, sent, err)
	}
	once, _, _ = strings.Cut(once, "?")
	twice, err := url.PathUnescape(once)
	if err != nil {
		return "", fmt.Errorf("%w: %q decoded once is %q: %w", ErrBadPath, sent, once, err)
	}
	return twice, nil
}

// match finds the route for method and path the way API Gateway HTTP API
// does. path is the request path as API Gateway routes it, already decoded
// (decodePath), so parameters are taken as they stand. One trailing slash is
// ignored ("/list/" is "/list"); literal segments must match, {name} takes
// one non-empty segment, and a final {name+} takes the rest of the path
// including slashes. ok is false when no route matches.
func match(routes []deploy.Route, method, path string) (r deploy.Route, params map[string]string, ok bool) {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	for _, r := range routes {
		if r.Method != method {
			continue
		}
		if p, ok := matchPath(r.Path, path); ok {
			return r, p, true
		}
	}
	return deploy.Route{}, nil, false
}

// matchPath matches path against a route's pattern and returns its parameters.
func matchPath(pattern, path string) (map[string]string, bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, false
	}
	pat := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var params map[string]string
	set := func(name, v string) bool {
		if v == "" {
			return false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = v
		return true
	}
	for i, p := range pat {
		if i >= len(segs) {
			return nil, false
		}
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(pat)-1 || !set(p[1:len(p)-2], strings.Join(segs[i:], "/")) {
				return nil, false
			}
			return params, true
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			if !set(p[1:len(p)-1], segs[i]) {
				return nil, false
			}
		default:
			if segs[i] != p {
				return nil, false
			}
		}
	}
	if len(segs) != len(pat) {
		return nil, false
	}
	return params, true
}

// readBody reads the request body of a routed request, failing fast on a
// declared or actual size over MaxRequestBytes.
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
