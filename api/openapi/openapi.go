// Package openapi generates the API's OpenAPI 3.1 document from the one
// description of the API: the routes table (api.Routes), the parameters and
// handlers of package api, the status table api.StatusCode, and the Go types
// of the response bodies. Adding a route, a parameter or a field changes the
// document; docs/openapi.json is its checked-in copy.
//
// It uses only the standard library, so that nothing of it reaches the
// Lambda binary.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/movieskit/movies/api"
)

// Version is the OpenAPI version of the document.
const Version = "3.1.0"

// object is a JSON object of the document; encoding/json writes its keys
// sorted, so the document's bytes are stable.
type object = map[string]any

// gatewayStatuses are the answers API Gateway HTTP API gives on its own, to a
// request on any route, before or instead of the function's.
var gatewayStatuses = []int{
	http.StatusBadRequest,            // the request cannot be read
	http.StatusRequestEntityTooLarge, // body over 10 MB
	http.StatusInternalServerError,   // the function failed or answered no valid response
	http.StatusServiceUnavailable,    // the function did not answer within the integration timeout
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
		"The request body is larger than API Gateway's 10 MB limit.", true},
	http.StatusInternalServerError: {"InternalServerError",
		"Anything else. The cause is logged, never sent.", true},
	http.StatusServiceUnavailable: {"ServiceUnavailable",
		"The store is unreachable or throttling, or the function did not answer in time. The request may be retried.", true},
}

// document is the top level of the document, in the order people read it.
type document struct {
	OpenAPI    string `json:"openapi"`
	Info       object `json:"info"`
	Paths      object `json:"paths"`
	Components object `json:"components"`
}

// build returns the OpenAPI document of the API.
func build() (*document, error) {
	g := generator{schemas: object{}}
	paths := object{}
	usedStatuses := map[int]bool{}
	for _, r := range api.Routes {
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
	}
	if _, err := g.schema(reflect.TypeFor[api.ErrorBody]()); err != nil {
		return nil, err
	}
	resps := object{}
	for status := range usedStatuses {
		if status == http.StatusOK {
			continue
		}
		resps[responses[status].name] = errorResponse(status)
	}
	return &document{
		OpenAPI: Version,
		Info: object{
			"title":   "movies",
			"version": "1",
			"summary": "A movie catalogue: list every movie page by page, get one by year and title.",
			"description": "The movie-catalogue API behind an API Gateway HTTP API. Every body is JSON. " +
				"Errors are `{\"message\": ...}` with content-type application/json, as API Gateway sends its own.",
		},
		Paths:      paths,
		Components: object{"schemas": g.schemas, "responses": resps},
	}, nil
}

// JSON returns the document as indented JSON with a final newline: the
// content of docs/openapi.json.
func JSON() ([]byte, error) {
	doc, err := build()
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
func OperationID(r api.Route) string {
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

// generator collects the schemas of the Go types it meets.
type generator struct {
	schemas object
}

// operation returns the operation of route r and the statuses it declares.
func (g *generator) operation(r api.Route) (object, []int, error) {
	doc, ok := api.Handlers[r.Handler]
	if !ok {
		return nil, nil, fmt.Errorf("handler %q is not described in api.Handlers", r.Handler)
	}
	query, ok := api.RouteQuery[r.Key()]
	if !ok {
		return nil, nil, fmt.Errorf("no entry in api.RouteQuery")
	}
	var params []any
	for _, seg := range strings.Split(r.Path, "/") {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name, greedy := strings.CutSuffix(strings.Trim(seg, "{}"), "+")
		extra := ""
		if greedy {
			extra = " It is the rest of the path and may hold slashes, as is or escaped (`/get/1997/Face/Off`, `/get/1997/Face%2FOff`). " +
				"API Gateway decodes the path before routing, so a title with `?` or `%`, or ending in `/`, cannot be sent here: send it as `?title=` instead."
		}
		p, err := parameter(name, "path", true, extra)
		if err != nil {
			return nil, nil, err
		}
		params = append(params, p)
	}
	for _, q := range query {
		p, err := parameter(q.Name, "query", q.Required, "")
		if err != nil {
			return nil, nil, err
		}
		params = append(params, p)
	}
	body, err := g.schema(reflect.TypeOf(doc.Body))
	if err != nil {
		return nil, nil, err
	}
	statuses := []int{http.StatusOK}
	for _, code := range doc.Errors {
		statuses = append(statuses, api.StatusCode(code))
	}
	statuses = append(statuses, gatewayStatuses...)
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)
	resps := object{}
	for _, s := range statuses {
		if s == http.StatusOK {
			resps["200"] = object{
				"description": doc.Summary + ".",
				"content":     object{"application/json": object{"schema": body}},
			}
			continue
		}
		rd, ok := responses[s]
		if !ok {
			return nil, nil, fmt.Errorf("status %d has no description", s)
		}
		resps[strconv.Itoa(s)] = object{"$ref": "#/components/responses/" + rd.name}
	}
	op := object{
		"operationId": OperationID(r),
		"summary":     doc.Summary,
		"description": doc.Description + " Served by the `" + r.Handler + "` function.",
		"responses":   resps,
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return op, statuses, nil
}

// parameter returns the parameter object of the parameter name in in, its
// description followed by extra.
func parameter(name, in string, required bool, extra string) (object, error) {
	p, ok := api.Params[name]
	if !ok {
		return nil, fmt.Errorf("parameter %q is not described in api.Params", name)
	}
	return object{
		"name":        name,
		"in":          in,
		"required":    required,
		"description": p.Description + extra,
		"schema":      paramSchema(p),
	}, nil
}

// paramSchema returns the JSON Schema of a parameter's values.
func paramSchema(p api.Param) object {
	s := object{"type": p.Type}
	switch p.Type {
	case "integer":
		s["minimum"], s["maximum"] = p.Min, p.Max
		if p.Default != 0 {
			s["default"] = p.Default
		}
	case "string":
		s["minLength"], s["maxLength"] = p.Min, p.Max
		if p.Pattern != "" {
			s["pattern"] = p.Pattern
		}
	}
	return s
}

// fieldParams ties fields of the body types to the parameter whose values
// they hold, so that they share its limits.
var fieldParams = map[string]string{
	"Movie.year":  "year",
	"Movie.title": "title",
	"Page.next":   "cursor",
}

// fieldDocs describe the fields of the body types.
var fieldDocs = map[string]object{
	"Movie.info": {
		"type": "object",
		"description": "The record's info object exactly as loaded: any JSON object. In the AWS movie sample it holds " +
			"directors, release_date, rating, genres, image_url, plot, rank, running_time_secs and actors, each absent in some records.",
	},
	"Page.movies": {"description": "The page's movies in store order: by year, then by title bytes."},
	"Page.next":   {"description": "The cursor of the next page; absent on the last page."},
	"ErrorBody.message": {
		"description": "What went wrong, for people. 5xx messages are fixed and never carry internal details.",
	},
}

// schema returns the schema of t, as a reference for named struct types,
// whose schema it adds to the components.
func (g *generator) schema(t reflect.Type) (object, error) {
	switch t.Kind() {
	case reflect.String:
		return object{"type": "string"}, nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		return object{"type": "integer"}, nil
	case reflect.Float64:
		return object{"type": "number"}, nil
	case reflect.Bool:
		return object{"type": "boolean"}, nil
	case reflect.Slice:
		if t == reflect.TypeFor[json.RawMessage]() {
			return object{}, nil // any JSON value, unless the field's doc says more
		}
		items, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return object{"type": "array", "items": items}, nil
	case reflect.Struct:
		name := componentName(t)
		ref := object{"$ref": "#/components/schemas/" + name}
		if _, ok := g.schemas[name]; ok {
			return ref, nil
		}
		g.schemas[name] = nil // a placeholder against recursion
		s, err := g.structSchema(t)
		if err != nil {
			return nil, err
		}
		g.schemas[name] = s
		return ref, nil
	}
	return nil, fmt.Errorf("type %s: kind %s has no schema", t, t.Kind())
}

// componentName is the schema name of a struct type: its Go name, with
// ErrorBody called Error.
func componentName(t reflect.Type) string {
	if t == reflect.TypeFor[api.ErrorBody]() {
		return "Error"
	}
	return t.Name()
}

// structSchema returns the schema of a struct's JSON encoding: a property
// per exported field, required unless omitempty, and no other property.
func (g *generator) structSchema(t reflect.Type) (object, error) {
	props := object{}
	var required []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		key := t.Name() + "." + name
		var s object
		if p, ok := fieldParams[key]; ok {
			s = paramSchema(api.Params[p])
			s["description"] = api.Params[p].Description
		} else {
			var err error
			if s, err = g.schema(f.Type); err != nil {
				return nil, fmt.Errorf("field %s: %w", key, err)
			}
		}
		if doc, ok := fieldDocs[key]; ok {
			if _, isRef := s["$ref"]; !isRef || len(doc) == 1 {
				merged := object{}
				for k, v := range s {
					merged[k] = v
				}
				for k, v := range doc {
					merged[k] = v
				}
				s = merged
			}
		}
		props[name] = s
		if !slices.Contains(strings.Split(opts, ","), "omitempty") {
			required = append(required, name)
		}
	}
	s := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s, nil
}

// errorResponse returns the response object of an error status.
func errorResponse(status int) object {
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
		"content":     object{"application/json": media},
	}
}
