package deploy

import (
	"context"
	"slices"

	"github.com/aws/aws-lambda-go/events"
)

// Function names. The bootstrap binary, the local gateway and the CDK stack
// all refer to the Lambda functions by these names.
const (
	FunctionList = "list"
	FunctionGet  = "get"
)

// Function is the signature of the Lambda functions behind the routes: the
// integrations are deployed with payload format 2.0, so a function takes an
// API Gateway HTTP API payload 2.0 event and returns its response.
type Function func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Route maps an HTTP API route key to the Lambda function that serves it.
type Route struct {
	Method   string // HTTP method, e.g. GET
	Path     string // API Gateway route path, e.g. /get/{year}/{title+}
	Function string // function name, e.g. get
}

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
