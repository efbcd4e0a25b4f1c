// Package openapitest checks HTTP responses against the API's OpenAPI
// document (package api/openapi) with kin-openapi's validator, so that tests
// across packages hold the code to its published contract. Only tests import
// it; no binary links the validator.
package openapitest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/movieskit/movies/api/openapi"
	"github.com/movieskit/movies/deploy"
)

// Validator checks responses against the document.
type Validator struct {
	doc *openapi3.T
}

// New loads the document openapi.JSON generates, without CORS, and checks
// that it is a valid OpenAPI document.
func New(ctx context.Context) (*Validator, error) {
	b, err := openapi.JSON(deploy.CORS{})
	if err != nil {
		return nil, err
	}
	doc, err := Load(ctx, b)
	if err != nil {
		return nil, err
	}
	return &Validator{doc: doc}, nil
}

// Load parses an OpenAPI document and validates it.
func Load(ctx context.Context, b []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	return doc, nil
}

// Doc returns the loaded document.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Response checks the answer (status, header, body) to a GET on route r with
// the given path parameters and query: the status must be declared by the
// route's operation, the content type must be the declared one and the body
// must match its schema.
func (v *Validator) Response(ctx context.Context, r deploy.Route, pathParams map[string]string, query url.Values, status int, header http.Header, body []byte) error {
	path := openapi.Path(r.Path)
	item := v.doc.Paths.Find(path)
	if item == nil {
		return fmt.Errorf("route %s: path %s is not in the document", r.Key(), path)
	}
	op := item.GetOperation(r.Method)
	if op == nil {
		return fmt.Errorf("route %s: no %s operation in the document", r.Key(), r.Method)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://localhost"+path+"?"+query.Encode(), nil)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      &routers.Route{Spec: v.doc, Path: path, PathItem: item, Method: r.Method, Operation: op},
		},
		Status:  status,
		Header:  header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return fmt.Errorf("route %s: %d response %.200s: %w", r.Key(), status, body, err)
	}
	return nil
}

// NotFound checks API Gateway's answer to a request that matches no route
// against the document's NotFound response.
func (v *Validator) NotFound(header http.Header, body []byte) error {
	ref := v.doc.Components.Responses["NotFound"]
	if ref == nil || ref.Value == nil {
		return errors.New("the document has no NotFound response")
	}
	ct, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("content type %q: %w", header.Get("Content-Type"), err)
	}
	media := ref.Value.Content.Get(ct)
	if media == nil || media.Schema == nil {
		return fmt.Errorf("the NotFound response declares no %s body", ct)
	}
	var value any
	if value, err = decode(body); err != nil {
		return err
	}
	if err := media.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("404 response %.200s: %w", body, err)
	}
	return nil
}

// decode decodes a JSON body into the generic form the schemas visit.
func decode(body []byte) (any, error) {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil, fmt.Errorf("decode body %.200s: %w", body, err)
	}
	return value, nil
}

// Routes returns the routes of the table whose operation declares status.
func (v *Validator) Routes(status int) []deploy.Route {
	var out []deploy.Route
	for _, r := range deploy.Routes {
		item := v.doc.Paths.Find(openapi.Path(r.Path))
		if item == nil || item.GetOperation(r.Method) == nil {
			continue
		}
		if item.GetOperation(r.Method).Responses.Status(status) != nil {
			out = append(out, r)
		}
	}
	return out
}
