// Package openapi generates the API's OpenAPI 3.1 document from the one
// description of the API: the routes table (deploy.Routes), the parameters and
// functions described in package api, the status table api.StatusCode, the
// gateway's own answers and headers, the CORS configuration when given, and
// the Go types of the response bodies. Adding a route, a parameter or a field
// changes the document; docs/openapi.json is its checked-in copy.
//
// Besides the project's packages api, deploy and gateway (for the limits and
// the request id form it states) it uses only the standard library, so that
// the CLI, which prints the document (movies openapi), links no OpenAPI
// library; tests validate the document with kin-openapi (internal/openapitest).
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode"

	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
)

// Version is the OpenAPI version of the document.
const Version = "3.1.0"

// object is a JSON object of the document; encoding/json writes its keys
// sorted, so the document's bytes are stable.
type object = map[string]any

// document is the top level of the document, in the order people read it.
type document struct {
	OpenAPI    string `json:"openapi"`
	Info       object `json:"info"`
	Paths      object `json:"paths"`
	Components object `json:"components"`
}

// build returns the OpenAPI document of the API with the CORS configuration
// cors (the zero deploy.CORS for none).
func build(cors deploy.CORS) (*document, error) {
	g := generator{schemas: object{}, headers: refs(headerComponents(cors))}
	paths := object{}
	usedStatuses := map[int]bool{}
	for _, r := range deploy.Routes {
		op, statuses, err := g.operation(r)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Key(), err)
		}
		for _, s := range statuses {
			usedStatuses[s] = true
		}
		p := Path(r.Path)
		item, _ := paths[p].(object)
		if item == nil {
			item = object{}
			paths[p] = item
		}
		item[strings.ToLower(r.Method)] = op
		if cors.Enabled() {
			item["options"] = preflight(p, cors, pathParams(op))
		}
	}
	if _, err := g.schema(reflect.TypeFor[api.ErrorBody]()); err != nil {
		return nil, err
	}
	resps := object{}
	for status := range usedStatuses {
		if status == http.StatusOK {
			continue
		}
		resps[responses[status].name] = errorResponse(status, g.headers)
	}
	headers := object{}
	for _, h := range append(headerComponents(cors), preflightHeaderComponents(cors)...) {
		headers[h.name] = h.value
	}
	return &document{
		OpenAPI: Version,
		Info: object{
			"title":   "movies",
			"version": "1",
			"summary": "A movie catalogue: list every movie page by page, get one by year and title.",
			"description": "The movie-catalogue API behind an API Gateway HTTP API. Every body is JSON. " +
				"Errors are `{\"message\": ...}` with content-type application/json, as API Gateway sends its own. " +
				"Every answer has an apigw-requestid header." + corsDescription(cors),
		},
		Paths:      paths,
		Components: object{"schemas": g.schemas, "responses": resps, "headers": headers},
	}, nil
}

// corsDescription is the sentence of the document's description on CORS.
func corsDescription(cors deploy.CORS) string {
	if !cors.Enabled() {
		return " The API has no CORS configuration (`movies openapi --cors` describes one)."
	}
	return " The API has a CORS configuration: API Gateway answers preflights itself and sets the CORS headers on every other answer."
}

// JSON returns the document, with the CORS configuration cors (the zero
// deploy.CORS for none), as indented JSON with a final newline: without CORS,
// the content of docs/openapi.json.
func JSON(cors deploy.CORS) ([]byte, error) {
	doc, err := build(cors)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the OpenAPI document: %w", err)
	}
	return buf.Bytes(), nil
}

// Path returns the OpenAPI path of an API Gateway route path: a greedy
// {name+} becomes {name}, whose description says that it takes the rest of
// the path.
func Path(routePath string) string { return strings.ReplaceAll(routePath, "+}", "}") }

// OperationID returns the operationId of the route with key: its method and
// path segments in camel case, e.g. getGetYearTitle for GET /get/{year}/{title+}.
func OperationID(r deploy.Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, seg := range strings.Split(r.Path, "/") {
		word := strings.Trim(seg, "{}+")
		if word == "" {
			continue
		}
		rs := []rune(word)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	return b.String()
}
