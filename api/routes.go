package api

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Function names. The bootstrap binary, the local gateway and the CDK stack
// all refer to the Lambda functions by these names.
const (
	FunctionList = "list"
	FunctionGet  = "get"
)

// Route maps an HTTP API route key to the Lambda function that serves it.
type Route struct {
	Method   string // HTTP method, e.g. GET
	Path     string // API Gateway route path, e.g. /get/{year}/{title+}
	Function string // function name, e.g. get
}

// TitleParam is the name of the title, both as the greedy path parameter of
// GET /get/{year}/{title+} and as the query parameter of GET /get/{year}.
const TitleParam = "title"

// Key returns the API Gateway route key, e.g. "GET /list".
func (r Route) Key() string { return r.Method + " " + r.Path }

// Routes is the one routes table of the API. The local gateway serves it and
// the CDK stack deploys it, so local and cloud routes cannot drift.
//
// GET /get/{year}?title=TITLE reaches every movie in the cloud: API Gateway
// decodes the path before routing and cuts it at a decoded '?', so a title
// with '?' (or one whose '%' does not survive a second decoding) cannot be
// sent in the path; the query form carries any title.
var Routes = []Route{
	{Method: "GET", Path: "/list", Function: FunctionList},
	{Method: "GET", Path: "/get/{year}/{title+}", Function: FunctionGet},
	{Method: "GET", Path: "/get/{year}", Function: FunctionGet},
}

// FunctionNames returns the distinct function names in the routes table, in table order.
func FunctionNames() []string {
	var names []string
	for _, r := range Routes {
		if !slices.Contains(names, r.Function) {
			names = append(names, r.Function)
		}
	}
	return names
}

// FunctionFor returns the name of the function of the route whose key is
// routeKey, or "" when no route has it.
func FunctionFor(routeKey string) string {
	for _, r := range Routes {
		if r.Key() == routeKey {
			return r.Function
		}
	}
	return ""
}

// GetPath returns the path form /get/{year}/{title} of a movie, as a browser
// or curl sends it: each '/'-separated part of the title URL-encoded, the
// slashes kept for the greedy {title+}. API Gateway decodes the path, cuts
// it at '?', decodes it again and ignores a trailing slash, so a title with
// '?' or '%' or a trailing '/' does not reach the function this way;
// GetQuery's form carries any title.
func GetPath(year int, title string) string {
	parts := strings.Split(title, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/get/" + strconv.Itoa(year) + "/" + strings.Join(parts, "/")
}

// GetQuery returns the path /get/{year} and the raw query title=TITLE of the
// query form of a movie.
func GetQuery(year int, title string) (path, query string) {
	return "/get/" + strconv.Itoa(year), TitleParam + "=" + url.QueryEscape(title)
}
