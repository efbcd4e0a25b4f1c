package api

import (
	"net/url"
	"strconv"
	"strings"
)

// TitleParam is the name of the title, both as the greedy path parameter of
// GET /get/{year}/{title+} and as the query parameter of GET /get/{year}.
const TitleParam = "title"

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
