package openapi

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
)

// operation returns the operation of route r and the statuses it declares.
func (g *generator) operation(r deploy.Route) (object, []int, error) {
	doc, ok := api.FunctionDocs[r.Function]
	if !ok {
		return nil, nil, fmt.Errorf("function %q is not described in api.FunctionDocs", r.Function)
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
				"headers":     g.headers,
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
		"description": doc.Description + " Served by the `" + r.Function + "` function.",
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
