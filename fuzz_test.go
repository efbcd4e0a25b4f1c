package movies_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/storetest"
)

// FuzzDecodeCursor checks that DecodeCursor never panics, that it either
// returns a valid key or an EINVALID error, and that a key it accepts
// encodes back to a cursor that decodes to the same key.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{
		movies.EncodeCursor(movies.Key{Year: 2013, Title: "Rush"}),
		movies.EncodeCursor(movies.Key{Year: 1997, Title: "Face/Off"}),
		"", "!!!!", "eyJ5IjowLCJ0IjoiIn0", "bnVsbA", "eyJ5IjoxZTMwMCwidCI6IngifQ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := movies.DecodeCursor(s)
		if err != nil {
			if code := movies.ErrorCode(err); code != movies.EINVALID {
				t.Fatalf("DecodeCursor(%q) error code %q, want %q", s, code, movies.EINVALID)
			}
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("DecodeCursor(%q) = %v, an invalid key: %v", s, k, err)
		}
		again, err := movies.DecodeCursor(movies.EncodeCursor(k))
		if err != nil || again != k {
			t.Fatalf("re-encoded cursor of %v decodes to %v, %v", k, again, err)
		}
	})
}

// FuzzCursorRoundTrip checks that every valid key survives
// EncodeCursor→DecodeCursor unchanged, and that a cursor made from an invalid
// key never decodes to an invalid one. (A title that is not valid UTF-8 is
// encoded with U+FFFD in its place, so its cursor decodes to a different,
// valid key; the stores never hold such a title, so this is harmless.)
func FuzzCursorRoundTrip(f *testing.F) {
	f.Add(2013, "Rush")
	f.Add(1997, "Face/Off")
	f.Add(1, "x")
	f.Add(9999, "\u00e9t\u00e9 \"quoted\" \\ <tag> &")
	f.Add(0, "")
	f.Add(10000, "a\xffb")
	f.Fuzz(func(t *testing.T, year int, title string) {
		k := movies.Key{Year: year, Title: title}
		got, err := movies.DecodeCursor(movies.EncodeCursor(k))
		if k.Validate() != nil {
			if err == nil && got.Validate() != nil {
				t.Fatalf("cursor of invalid key %q decoded to invalid key %q", k, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("cursor of valid key %q: %v", k, err)
		}
		if got != k {
			t.Fatalf("cursor round trip: got %q, want %q", got, k)
		}
	})
}

// FuzzMovieUnmarshal checks the strict record decoder: no panic, every error
// is EINVALID, and an accepted record re-encodes to JSON that decodes to the
// same movie. ParseMovie agrees with UnmarshalJSON then Validate (the same
// movie or the same error) on valid JSON and accepts nothing else, and
// Validate calls info invalid JSON exactly when encoding/json does.
func FuzzMovieUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"year":2013,"title":"Rush","info":{"rating":8.3,"genres":["Action"]}}`,
		`{"year":2013,"title":"Rush"}`,
		`{"year":"2013","title":"Rush"}`,
		`{"year":2013.5,"title":"Rush"}`,
		`{"year":2013,"title":"Rush","extra":1}`,
		`{"year":2013,"title":"Rush","info":null}`,
		`null`, `[]`, `{`, `{"year":1e3,"title":""}`, `{"year":02013,"title":"a\tb"}`,
		`{"info":{"a":[1,{"b":-0.5e+3}],"a":"\ud800"},"year":2013,"title":"R"}`, `{"a":{"b":1 2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		verr := (&movies.Movie{Year: 2000, Title: "T", Info: data}).Validate()
		if len(data) > 0 && json.Valid(data) == (movies.ErrorMessage(verr) == "info must be valid JSON") {
			t.Fatalf("info %q: Validate = %v, json.Valid = %v", data, verr, json.Valid(data))
		}
		var m movies.Movie
		err := json.Unmarshal(data, &m)
		want := err
		if want == nil {
			want = m.Validate()
		}
		pm, _, perr := movies.ParseMovie(data, nil)
		switch {
		case perr == nil && (want != nil || pm.Key() != m.Key() || string(pm.Info) != string(m.Info)):
			t.Fatalf("ParseMovie = %+v, UnmarshalJSON and Validate: %+v, %v", pm, m, want)
		case json.Valid(data) && movies.ErrorMessage(perr) != movies.ErrorMessage(want):
			t.Fatalf("ParseMovie: %v, UnmarshalJSON and Validate: %v", perr, want)
		}
		if err != nil {
			var me *movies.Error
			var se *json.SyntaxError
			if !errors.As(err, &me) && !errors.As(err, &se) {
				t.Fatalf("error %T %v is neither a domain nor a syntax error", err, err)
			}
			if me != nil && me.Code != movies.EINVALID {
				t.Fatalf("error code %q, want %q", me.Code, movies.EINVALID)
			}
			return
		}
		if m.Year < movies.MinYear || m.Year > movies.MaxYear {
			t.Fatalf("accepted year %d", m.Year)
		}
		if m.Validate() != nil || !utf8.ValidString(m.Title) {
			return // decoding is strict about shape; Validate checks content
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal accepted movie: %v", err)
		}
		var back movies.Movie
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		// json.Marshal HTML-escapes inside info (& becomes \u0026), so
		// compare info as JSON values, not as bytes.
		sameInfo := len(back.Info) == 0 && len(m.Info) == 0
		if !sameInfo {
			eq, err := storetest.EqualJSON(back.Info, m.Info)
			sameInfo = err == nil && eq
		}
		if back.Key() != m.Key() || !sameInfo {
			t.Fatalf("round trip changed the movie: %s -> %s", data, out)
		}
	})
}

// TestCursorOfLongestTitles checks that the cursor of every valid key is
// accepted back, including titles of MaxTitleBytes whose characters JSON
// escapes to six bytes each (control characters): their cursors must not
// exceed MaxCursorBytes.
func TestCursorOfLongestTitles(t *testing.T) {
	tests := []struct {
		name  string
		title string
	}{
		{"ascii", strings.Repeat("a", movies.MaxTitleBytes)},
		{"two-byte runes", strings.Repeat("\u00e9", movies.MaxTitleBytes/2)},
		{"html characters", strings.Repeat("<", movies.MaxTitleBytes)},
		{"quotes", strings.Repeat(`"`, movies.MaxTitleBytes)},
		{"control characters", strings.Repeat("\x01", movies.MaxTitleBytes)},
		{"line separators", strings.Repeat("\u2028", movies.MaxTitleBytes/3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := movies.Key{Year: 2000, Title: tt.title}
			if err := k.Validate(); err != nil {
				t.Fatalf("test key is invalid: %v", err)
			}
			c := movies.EncodeCursor(k)
			got, err := movies.DecodeCursor(c)
			if err != nil {
				t.Fatalf("cursor of a valid key (%d bytes, MaxCursorBytes %d) is refused: %v", len(c), movies.MaxCursorBytes, err)
			}
			if got != k {
				t.Fatalf("cursor round trip changed the key")
			}
		})
	}
}

// FuzzEscapedLen checks that EscapedLen is the length json.Marshal gives the
// bytes as a string, quotes not counted, and that it adds up over a split at
// a character boundary.
func FuzzEscapedLen(f *testing.F) {
	for _, s := range []string{"", `a"b\c`, "<&>", "\x00\n\x1f\x7f", "\u2028\u2029", "\xff\xe2\x80", "Amélie 🎬"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := movies.EscapedLen([]byte(s)); got != len(want)-len(`""`) {
			t.Fatalf("EscapedLen(%q) = %d, want %d", s, got, len(want)-len(`""`))
		}
		i := len(s) / 2
		for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
			i--
		}
		if utf8.ValidString(s) {
			if sum := movies.EscapedLen([]byte(s[:i])) + movies.EscapedLen([]byte(s[i:])); sum != len(want)-len(`""`) {
				t.Fatalf("EscapedLen(%q) split at %d sums to %d, want %d", s, i, sum, len(want)-len(`""`))
			}
		}
	})
}
