package openapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
)

// The response headers of the document: apigw-requestid on every answer
// and, when the API has a CORS configuration, the CORS headers API Gateway
// sets (docs/FIDELITY.md, "CORS"). Each is a component of
// components/headers, named by headerComponents.

// headerComponents are the components/headers of the document for cors:
// their names in the document, the header each describes, and its object.
func headerComponents(cors deploy.CORS) []headerComponent {
	hs := []headerComponent{{"ApigwRequestId", "apigw-requestid", object{
		"description": "The request's id, unique per request: the function's event has it as requestContext.requestId. " +
			"Quote it when reporting a problem.",
		"required": true,
		"schema":   object{"type": "string", "pattern": gateway.RequestIDPattern},
	}}}
	if !cors.Enabled() {
		return hs
	}
	origin := "The request's Origin when it is allowed"
	if containsStar(cors.AllowOrigins) {
		origin = "`*`, when the request has an Origin"
	}
	hs = append(hs, headerComponent{"AccessControlAllowOrigin", "Access-Control-Allow-Origin", object{
		"description": origin + " (allowOrigins: " + list(cors.AllowOrigins) + "); absent otherwise.",
		"schema":      object{"type": "string"},
	}})
	if !containsStar(cors.AllowOrigins) {
		hs = append(hs, headerComponent{"VaryOrigin", "Vary", object{
			"description": "`origin` beside an Access-Control-Allow-Origin that echoes the request's Origin, after any Vary of the function's.",
			"schema":      object{"type": "string"},
		}})
	}
	if cors.AllowCredentials {
		hs = append(hs, headerComponent{"AccessControlAllowCredentials", "Access-Control-Allow-Credentials", object{
			"description": "`true` beside an Access-Control-Allow-Origin.",
			"schema":      object{"type": "string", "const": "true"},
		}})
	}
	if len(cors.ExposeHeaders) > 0 {
		hs = append(hs, headerComponent{"AccessControlExposeHeaders", "Access-Control-Expose-Headers", object{
			"description": "The headers a page may read: `" + strings.Join(cors.ExposeHeaders, ",") + "`, beside an Access-Control-Allow-Origin; not on preflight answers.",
			"schema":      object{"type": "string", "const": strings.Join(cors.ExposeHeaders, ",")},
		}})
	}
	return hs
}

// preflightHeaderComponents are the components/headers that only the
// answer to a preflight carries.
func preflightHeaderComponents(cors deploy.CORS) []headerComponent {
	var hs []headerComponent
	if len(cors.AllowMethods) > 0 {
		hs = append(hs, headerComponent{"AccessControlAllowMethods", "Access-Control-Allow-Methods", object{
			"description": "The allowed methods, beside an Access-Control-Allow-Origin.",
			"schema":      object{"type": "string", "const": strings.Join(cors.AllowMethods, ",")},
		}})
	}
	if len(cors.AllowHeaders) > 0 {
		hs = append(hs, headerComponent{"AccessControlAllowHeaders", "Access-Control-Allow-Headers", object{
			"description": "The headers a request may send, beside an Access-Control-Allow-Origin.",
			"schema":      object{"type": "string", "const": strings.Join(cors.AllowHeaders, ",")},
		}})
	}
	if cors.MaxAge != 0 {
		hs = append(hs, headerComponent{"AccessControlMaxAge", "Access-Control-Max-Age", object{
			"description": "How long a browser may keep the preflight's answer, in seconds (-1: not at all), beside an Access-Control-Allow-Origin.",
			"schema":      object{"type": "string", "const": strconv.Itoa(cors.MaxAge)},
		}})
	}
	return hs
}

// headerComponent is one component of components/headers.
type headerComponent struct {
	name, header string
	value        object
}

// refs returns the headers object of a response that carries hs.
func refs(hs []headerComponent) object {
	o := object{}
	for _, h := range hs {
		o[h.header] = object{"$ref": "#/components/headers/" + h.name}
	}
	return o
}

// preflight returns the operation API Gateway answers itself on every path
// when the API has a CORS configuration: OPTIONS, 204. params are the
// path's parameters.
func preflight(path string, cors deploy.CORS, params []any) object {
	headers := append(headerComponents(cors), preflightHeaderComponents(cors)...)
	return object{
		"operationId": "preflight" + strings.TrimPrefix(OperationID(deploy.Route{Method: "get", Path: path}), "get"),
		"summary":     "CORS preflight",
		"description": "Answered by API Gateway itself, never by a function. A preflight from an allowed Origin asking for an " +
			"allowed method (allowMethods: " + list(cors.AllowMethods) + ") and only allowed headers (allowHeaders: " +
			list(cors.AllowHeaders) + "; names compared in any case) gets the CORS headers; any other OPTIONS request gets a bare 204.",
		"parameters": append(params,
			headerParam("Origin", false, "The page's origin; a preflight has one."),
			headerParam("Access-Control-Request-Method", false, "The method of the request the page wants to send."),
			headerParam("Access-Control-Request-Headers", false, "The headers of the request the page wants to send, comma-separated."),
		),
		"responses": object{
			strconv.Itoa(http.StatusNoContent): object{"description": "The preflight's answer, without a body.", "headers": refs(headers)},
			strconv.Itoa(http.StatusRequestHeaderFieldsTooLarge): object{
				"$ref": "#/components/responses/" + responses[http.StatusRequestHeaderFieldsTooLarge].name},
		},
	}
}

// pathParams returns the path parameters of operation op.
func pathParams(op object) []any {
	var out []any
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if o, ok := p.(object); ok && o["in"] == "path" {
			out = append(out, o)
		}
	}
	return out
}

// headerParam is a request header parameter.
func headerParam(name string, required bool, description string) object {
	return object{"name": name, "in": "header", "required": required, "description": description, "schema": object{"type": "string"}}
}

// list returns the values of a CORS setting for a description.
func list(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	return "`" + strings.Join(values, "`, `") + "`"
}

func containsStar(values []string) bool {
	for _, v := range values {
		if v == "*" {
			return true
		}
	}
	return false
}
