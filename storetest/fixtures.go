package storetest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/movieskit/movies"
)

// Fixtures returns a small, varied set of valid movies: several years, several
// titles in one year whose byte order differs from their alphabetical order,
// unicode and URL-unsafe titles, a movie without info, and info of many shapes.
// Each call returns fresh copies, so callers may modify them.
func Fixtures() []movies.Movie {
	return []movies.Movie{
		{Year: 2013, Title: "Rush", Info: raw(`{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography","Drama","Sport"],"rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl","Chris Hemsworth","Olivia Wilde"]}`)},
		{Year: 2013, Title: "Prisoners", Info: raw(`{"directors":["Denis Villeneuve"],"rating":8.2,"genres":["Crime","Drama","Thriller"],"rank":3}`)},
		{Year: 2013, Title: "about Time", Info: raw(`{"rating":7.8}`)},
		{Year: 2013, Title: "Zebra", Info: raw(`{"rating":7.0,"plot":""}`)},
		{Year: 2013, Title: "Élan", Info: raw(`{"plot":"caf\u00e9 \"quoted\" \\ back\nslash","tags":[]}`)},
		{Year: 1999, Title: "The Matrix", Info: raw(`{"rating":8.7,"awards":{"oscars":4,"nominated":true},"sequel":null}`)},
		{Year: 1999, Title: "Fight Club"},
		{Year: 1, Title: "Year One", Info: raw(`{}`)},
		{Year: 9999, Title: "The Last Film", Info: raw(`{"rating":-1,"budget":12345678901234567890,"ratio":1.5e-10}`)},
		{Year: 2001, Title: "Amélie / Le Fabuleux Destin? #1 & 100% +", Info: raw(`{"genres":["Comedy","Romance"],"nested":[[1,2],[3,[4,{"x":0}]]]}`)},
		{Year: 2001, Title: "千と千尋の神隠し", Info: raw(`{"rating":8.6}`)},
	}
}

// raw returns s as a json.RawMessage.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

// generated returns n valid movies spread over a few years, with titles that
// sort differently as bytes and as numbers ("Movie 10" before "Movie 2").
func generated(n int) []movies.Movie {
	years := []int{1994, 2004, 2014}
	ms := make([]movies.Movie, n)
	for i := range ms {
		ms[i] = movies.Movie{
			Year:  years[i%len(years)],
			Title: fmt.Sprintf("Movie %d", i),
			Info:  raw(fmt.Sprintf(`{"rank":%d,"rating":%d.5,"plot":%q}`, i, i%10, strings.Repeat("x", i%7))),
		}
	}
	return ms
}
