package api

import (
	"strconv"

	"github.com/movieskit/movies"
)

// maxIntDigits bounds the digits parseInt accepts, far above any valid value
// and far below an int overflow.
const maxIntDigits = 9

// parseInt parses s strictly as a decimal integer from lo to hi: ASCII
// digits only, no sign, space, fraction, exponent or comma (API Gateway joins a
// repeated parameter with commas, so "5,6" is refused rather than guessed at).
// Leading zeros are allowed: "007" is 7.
// The EINVALID error names the parameter.
func parseInt(name, s string, lo, hi int) (int, error) {
	if s == "" || len(s) > maxIntDigits {
		return 0, intRangeError(name, lo, hi)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, intRangeError(name, lo, hi)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, intRangeError(name, lo, hi)
	}
	return n, nil
}

// intRangeError is parseInt's EINVALID error, built only when it is returned.
func intRangeError(name string, lo, hi int) error {
	return movies.Errorf(movies.EINVALID, "%s must be an integer from %d to %d", name, lo, hi)
}

// listOptions reads the list parameters limit, year and cursor from the
// decoded query string. Absent parameters take their defaults; unknown ones
// are ignored.
func listOptions(query map[string]string) (movies.ListOptions, error) {
	opts := movies.ListOptions{Limit: movies.DefaultLimit}
	if s, ok := query["limit"]; ok {
		n, err := parseInt("limit", s, 1, movies.MaxLimit)
		if err != nil {
			return opts, err
		}
		opts.Limit = n
	}
	if s, ok := query["year"]; ok {
		n, err := parseInt("year", s, movies.MinYear, movies.MaxYear)
		if err != nil {
			return opts, err
		}
		opts.Year = n
	}
	if s, ok := query["cursor"]; ok {
		// A present but empty cursor is refused: treating it as the first
		// page would loop a client that forgot to stop at the last page.
		if s == "" {
			return opts, movies.Errorf(movies.EINVALID, "cursor is not valid")
		}
		opts.Cursor = s
	}
	if err := opts.Validate(); err != nil {
		return opts, err
	}
	return opts, nil
}

// movieKey reads the key of a movie from the year path parameter and the
// title, given either as the greedy path parameter (GET /get/{year}/{title+})
// or as the title query parameter (GET /get/{year}?title=TITLE), never both.
// API Gateway has already URL-decoded both.
func movieKey(path, query map[string]string) (movies.Key, error) {
	ys, ok := path["year"]
	if !ok || ys == "" {
		return movies.Key{}, movies.Errorf(movies.EINVALID, "year is missing from the path /get/{year}/{title}")
	}
	year, err := parseInt("year", ys, movies.MinYear, movies.MaxYear)
	if err != nil {
		return movies.Key{}, err
	}
	pathTitle, inPath := path[TitleParam]
	queryTitle, inQuery := query[TitleParam]
	var title string
	switch {
	case inPath && inQuery:
		return movies.Key{}, movies.Errorf(movies.EINVALID, "give the title either in the path or as ?title=, not both")
	case inPath:
		title = pathTitle
	case inQuery:
		title = queryTitle
	}
	if title == "" {
		return movies.Key{}, movies.Errorf(movies.EINVALID, "title is missing: use /get/{year}/{title} or /get/{year}?title={title}")
	}
	if err := movies.ValidateTitle(title); err != nil {
		return movies.Key{}, err
	}
	return movies.Key{Year: year, Title: title}, nil
}
