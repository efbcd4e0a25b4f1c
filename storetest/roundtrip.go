package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

// trickyTitles are valid titles that break naive URL, key or cursor handling.
var trickyTitles = []string{
	"a/b", "/", "what?", "1+1", "Tom & Jerry", "Ocean's Eleven", "#1", "100%", "%2F", "a%2Fb", "%",
	"with space", " leading", "trailing ", "  both  ", " ", "a+b c", "Amélie", "千と千尋の神隠し",
	"🎬 emoji", "tab\there", `quote"s`, `back\slash`, "line\u2028sep", ".", "..", "?a=1&b=2",
	strings.Repeat("a", movies.MaxTitleBytes), strings.Repeat("é", movies.MaxTitleBytes/2),
}

func testTrickyTitles(t *testing.T, s movies.Store, opts Options) {
	const year = 2020
	ms := make([]movies.Movie, len(trickyTitles))
	for i, title := range trickyTitles {
		ms[i] = movies.Movie{Year: year, Title: title, Info: raw(fmt.Sprintf(`{"i":%d}`, i))}
	}
	put(t, s, ms)
	checkGets(testContext(t, callTimeout), t, s, "Get", ms)
	want := ByKey(ms)
	checkListing(t, walk(t, s, movies.ListOptions{Year: year, Limit: 3}), want, true)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: 4}), want, !opts.UnorderedList)
}

// infoCases are info objects whose JSON must survive a round trip; "" means absent.
var infoCases = []struct{ name, info string }{
	{"absent", ``},
	{"empty object", `{}`},
	{"rating 8.3", `{"rating":8.3}`},
	{"rating 7.0", `{"rating":7.0}`},
	{"zero", `{"n":0}`},
	{"negative", `{"n":-1}`},
	{"big int", `{"n":12345678901234567890}`},
	{"38 digits", `{"n":3.141592653589793238462643383279502884}`},
	{"small float", `{"n":1.5e-10}`},
	{"exponent", `{"n":1E+2}`},
	{"nested", `{"a":[[1,[2,{"b":[{}]}]],{"c":{"d":[true,false,null]}}]}`},
	{"mixed array", `{"a":[1,"two",3.5,null,{"k":"v"},[],{}]}`},
	{"empty string", `{"s":""}`},
	{"empty array", `{"a":[]}`},
	{"booleans", `{"t":true,"f":false}`},
	{"null", `{"x":null,"y":1}`},
	{"unicode and escapes", `{"s":"é 千 🎬 \u00e9 \ud83c\udfac \"q\" \\ \/ \n\t\r \u0001 \u2028 <&>"}`},
	{"unknown fields", `{"directors":["X"],"unknown_field":{"deep":{"deeper":1}},"x-custom":"y","ключ":"значение"}`},
	{"sample shape", `{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography"],"image_url":"http://ia.media-imdb.com/images/M/MV5B@@._V1_SX400_.jpg","plot":"A re-creation.","rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl"]}`},
}

func testFieldRoundTrip(t *testing.T, s movies.Store, _ Options) {
	const year = 2010
	ms := make([]movies.Movie, len(infoCases))
	for i, tc := range infoCases {
		ms[i] = movies.Movie{Year: year, Title: tc.name}
		if tc.info != "" {
			ms[i].Info = raw(tc.info)
		}
	}
	put(t, s, ms)
	checkGets(testContext(t, callTimeout), t, s, "Get", ms)
	checkListing(t, walk(t, s, movies.ListOptions{Year: year}), ByKey(ms), true)
}
