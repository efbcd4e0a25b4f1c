// Package apitest helps tests call the API as a client does.
package apitest

import (
	"strings"

	"github.com/movieskit/movies/api"
)

// GetTarget returns the request target (path and query) that gets the movie
// with year and title through API Gateway: the path form api.GetPath when the
// title reaches the function through it, and the query form api.GetQuery for
// a title with '?' or '%' or a trailing '/', which does not.
func GetTarget(year int, title string) string {
	if strings.ContainsAny(title, "?%") || strings.HasSuffix(title, "/") {
		path, query := api.GetQuery(year, title)
		return path + "?" + query
	}
	return api.GetPath(year, title)
}
