package api

import (
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// This file describes the API for its contract (the OpenAPI document of
// package api/openapi): the parameters with their limits, the query
// parameters of each route, and what each function answers. The routes
// themselves come from deploy.Routes.

// Param describes a request parameter, in the path or in the query.
type Param struct {
	// Type is "integer" or "string".
	Type string
	// Min and Max bound an integer's value or a string's length in bytes.
	Min, Max int
	// Default is the value of an absent integer parameter; 0 means none.
	Default int
	// Pattern is a regular expression a string parameter matches, or "".
	Pattern string
	// Description says what the parameter is, for people.
	Description string
}

// Params describes every request parameter of the API by name. The limits
// are the domain's, so that the contract and the checks cannot differ.
var Params = map[string]Param{
	"year": {
		Type: "integer", Min: movies.MinYear, Max: movies.MaxYear,
		Description: "The release year.",
	},
	TitleParam: {
		Type: "string", Min: 1, Max: movies.MaxTitleBytes,
		Description: "The exact title, case and accents included: valid UTF-8 of at most 1,024 bytes (JSON Schema's maxLength counts characters, so it bounds but does not check the byte limit).",
	},
	"limit": {
		Type: "integer", Min: movies.MinLimit, Max: movies.MaxLimit, Default: movies.DefaultLimit,
		Description: "The most movies on the page. A page may hold fewer, even none, and still have a next cursor: it is cut to stay under Lambda's 6 MB response limit.",
	},
	"cursor": {
		Type: "string", Min: 1, Max: movies.MaxCursorBytes, Pattern: "^[A-Za-z0-9_-]+$",
		Description: "The next value of the previous page, as it was received. It is opaque; a cursor of another year's listing is refused.",
	},
}

// QueryParam names a query parameter of a route.
type QueryParam struct {
	Name     string // a key of Params
	Required bool
}

// RouteQuery lists the query parameters of each route of deploy.Routes, by route
// key. Every route has an entry, even when it takes none. Path parameters
// come from the route's path.
var RouteQuery = map[string][]QueryParam{
	"GET /list":                {{Name: "limit"}, {Name: "cursor"}, {Name: "year"}},
	"GET /get/{year}/{title+}": nil,
	"GET /get/{year}":          {{Name: TitleParam, Required: true}},
}

// FunctionDoc describes what a function answers.
type FunctionDoc struct {
	Summary     string
	Description string
	// Body is a value of the Go type of the 200 response body.
	Body any
	// Errors are the domain error codes the function answers with; StatusCode
	// maps each to its HTTP status.
	Errors []string
}

// FunctionDocs describes each function of the routes table, by function name.
var FunctionDocs = map[string]FunctionDoc{
	deploy.FunctionList: {
		Summary: "List movies, one page at a time",
		Description: "Movies in store order (year, then title bytes), or only one year's. " +
			"Follow next until a page has none to see every movie exactly once.",
		Body:   movies.Page{},
		Errors: []string{movies.EINVALID, movies.EUNAVAILABLE, movies.EINTERNAL},
	},
	deploy.FunctionGet: {
		Summary:     "Get one movie by year and title",
		Description: "The movie exactly as it was loaded: fields its record lacks stay absent and numbers keep their text.",
		Body:        movies.Movie{},
		Errors:      []string{movies.EINVALID, movies.ENOTFOUND, movies.EUNAVAILABLE, movies.EINTERNAL},
	},
}
