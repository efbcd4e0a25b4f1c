package api

import (
	"net/url"
	"strings"
)

// Handler names. The bootstrap binary, the local gateway and the CDK stack all
// refer to functions by these names.
const (
	HandlerList = "list"
	HandlerGet  = "get"
)

// Route maps an HTTP API route key to the Lambda handler that serves it.
type Route struct {
	Method  string // HTTP method, e.g. GET
	Path    string // API Gateway route path, e.g. /get/{year}/{title+}
	Handler string // handler name, e.g. get
}

// Key returns the API Gateway route key, e.g. "GET /list".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Routes is the one routes table of the API. The local gateway serves it and
// the CDK stack deploys it, so local and cloud routes cannot drift.
var Routes = []Route{
	{Method: "GET", Path: "/list", Handler: HandlerList},
	{Method: "GET", Path: "/get/{year}/{title+}", Handler: HandlerGet},
}

// HandlerNames returns the distinct handler names in the routes table, in table order.
func HandlerNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range Routes {
		if !seen[r.Handler] {
			seen[r.Handler] = true
			names = append(names, r.Handler)
		}
	}
	return names
}

// Match finds the route for method and rawPath (the path as sent, still
// URL-encoded) the way API Gateway HTTP API does: literal segments must match,
// {name} takes one non-empty segment, and a final {name+} takes the rest of the
// path including slashes. Path parameters are URL-decoded once. ok is false when
// no route matches or when a parameter is not valid URL encoding.
func Match(routes []Route, method, rawPath string) (r Route, params map[string]string, ok bool) {
	for _, r := range routes {
		if r.Method != method {
			continue
		}
		if p, ok := matchPath(r.Path, rawPath); ok {
			return r, p, true
		}
	}
	return Route{}, nil, false
}

func matchPath(pattern, rawPath string) (map[string]string, bool) {
	if !strings.HasPrefix(rawPath, "/") {
		return nil, false
	}
	pat := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	segs := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	var params map[string]string
	set := func(name, raw string) bool {
		v, err := url.PathUnescape(raw)
		if err != nil || v == "" {
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
