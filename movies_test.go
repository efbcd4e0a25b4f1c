package movies_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

func TestKeyValidate(t *testing.T) {
	tests := []struct {
		name string
		key  movies.Key
		ok   bool
	}{
		{"plain", movies.Key{Year: 2013, Title: "Rush"}, true},
		{"min year", movies.Key{Year: 1, Title: "x"}, true},
		{"max year", movies.Key{Year: 9999, Title: "x"}, true},
		{"year zero", movies.Key{Year: 0, Title: "x"}, false},
		{"year too big", movies.Key{Year: 10000, Title: "x"}, false},
		{"negative year", movies.Key{Year: -5, Title: "x"}, false},
		{"empty title", movies.Key{Year: 2000, Title: ""}, false},
		{"slash title", movies.Key{Year: 1997, Title: "Face/Off"}, true},
		{"1024-byte title", movies.Key{Year: 2000, Title: strings.Repeat("a", 1024)}, true},
		{"1025-byte title", movies.Key{Year: 2000, Title: strings.Repeat("a", 1025)}, false},
		{"invalid utf-8", movies.Key{Year: 2000, Title: "a\xffb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && movies.ErrorCode(err) != movies.EINVALID {
				t.Fatalf("code = %q, want %q", movies.ErrorCode(err), movies.EINVALID)
			}
		})
	}
}

func TestMovieUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // substring; "" means success
		want    string // re-encoded JSON on success
	}{
		{"sample", `{"year":2013,"title":"Rush","info":{"rating":8.3,"genres":["Drama"]}}`, "", `{"year":2013,"title":"Rush","info":{"rating":8.3,"genres":["Drama"]}}`},
		{"no info", `{"year":2013,"title":"Rush"}`, "", `{"year":2013,"title":"Rush"}`},
		{"null info", `{"year":2013,"title":"Rush","info":null}`, "", `{"year":2013,"title":"Rush"}`},
		{"unknown info fields kept", `{"title":"X","year":1,"info":{"zz":{"a":[1,2.50,null,true]}}}`, "", `{"year":1,"title":"X","info":{"zz":{"a":[1,2.50,null,true]}}}`},
		{"year as string", `{"year":"2013","title":"Rush"}`, "year must be an integer", ""},
		{"year fraction", `{"year":2013.5,"title":"Rush"}`, "year must be an integer", ""},
		{"year out of range", `{"year":0,"title":"Rush"}`, "year must be an integer from 1 to 9999", ""},
		{"missing year", `{"title":"Rush"}`, "year is missing", ""},
		{"missing title", `{"year":2013}`, "title is missing", ""},
		{"title not string", `{"year":2013,"title":5}`, "title must be a string", ""},
		{"unknown field", `{"year":2013,"title":"Rush","rating":8}`, `unknown field "rating"`, ""},
		{"not an object", `[1,2]`, "must be a JSON object", ""},
		{"null record", `null`, "not null", ""},
		{"white space", " {\n \"year\" : 2013 ,\t\"title\":\"Rush\" } ", "", `{"year":2013,"title":"Rush"}`},
		{"escaped key and title", `{"ye\u0061r":2013,"title":"Pain \u0026 Gain"}`, "", `{"year":2013,"title":"Pain \u0026 Gain"}`},
		{"repeated year", `{"year":2012,"title":"Rush","year":2013}`, `field "year" appears more than once`, ""},
		{"repeated title", `{"year":2013,"title":"Rush","title":"Prisoners"}`, `field "title" appears more than once`, ""},
		{"repeated title, escaped", `{"year":2013,"title":"Rush","t\u0069tle":"Prisoners"}`, `field "title" appears more than once`, ""},
		{"repeated info", `{"year":2013,"title":"Rush","info":null,"info":{"a":1}}`, `field "info" appears more than once`, ""},
		{"lone high surrogate title", `{"year":2013,"title":"a\ud800b"}`, "lone UTF-16 surrogate", ""},
		{"lone low surrogate title", `{"year":2013,"title":"\udc00"}`, "lone UTF-16 surrogate", ""},
		{"reversed pair title", `{"year":2013,"title":"\udc00\ud800"}`, "lone UTF-16 surrogate", ""},
		{"surrogate pair title", `{"year":2013,"title":"\ud83c\udfac"}`, "", `{"year":2013,"title":"🎬"}`},
		{"escaped backslash then u", `{"year":2013,"title":"\\ud800"}`, "", `{"year":2013,"title":"\\ud800"}`},
		{"negative year", `{"year":-5,"title":"Rush"}`, "year must be an integer from 1 to 9999", ""},
		{"exponent year", `{"year":2e3,"title":"Rush"}`, "year must be an integer from 1 to 9999", ""},
		{"year null", `{"year":null,"title":"Rush"}`, "year must be an integer", ""},
		{"title null", `{"year":2013,"title":null}`, "title must be a string", ""},
		{"info with nested strings", `{"year":1,"title":"T","info":{"a":"}]\"{","b":[{"c":"]"}]}}`, "", `{"year":1,"title":"T","info":{"a":"}]\"{","b":[{"c":"]"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m movies.Movie
			err := json.Unmarshal([]byte(tt.in), &m)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(&m)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestMovieUnmarshalDirect covers input that encoding/json would have refused
// before calling UnmarshalJSON: a direct call must refuse it too, never panic.
func TestMovieUnmarshalDirect(t *testing.T) {
	for _, in := range []string{``, `{`, `{"year":2013`, `{"year":2013,}`, `{"year" 2013}`, `{"year":2013}}`,
		`{"title":"unterminated}`, `{"info":{"a":1}`, `[]`, `{"year":2013,"title":"T"} extra`} {
		var m movies.Movie
		if err := m.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%q) = nil, want an error", in)
		}
	}
	// Invalid UTF-8 in a title is kept, so that Validate refuses it instead of
	// the title being silently changed.
	var m movies.Movie
	if err := m.UnmarshalJSON([]byte("{\"year\":2013,\"title\":\"a\xffb\"}")); err != nil {
		t.Fatal(err)
	}
	if m.Title != "a\xffb" || movies.ErrorCode(m.Validate()) != movies.EINVALID {
		t.Errorf("title = %q, Validate = %v; want the bytes kept and EINVALID", m.Title, m.Validate())
	}
}

// TestRecordKey: the key that names an invalid record is read as
// UnmarshalJSON reads fields, by exact name, also from a record's beginning.
func TestRecordKey(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when no key can be read
	}{
		{`{"year":2013,"title":"Rush","info":{"year":1}}`, "2013/Rush"},
		{`{"year":2013,"title":"a","Year":1,"TITLE":"b"}`, "2013/a"},
		{`{"Year":2013,"title":"a"}`, ""},
		{`{"year":"2013","title":"a\u00e9"}`, "2013/aé"},
		{`{"year":2013,"title":"a","title":"b"}`, "2013/b"},
		{`{"year":2013.5,"title":"a"}`, ""},
		{`{"year":2013,"title":42}`, ""},
		{`{ "year" : 2013 , "title" : "Rush" , "info" : {"plot":"cut here`, "2013/Rush"},
		{`{"year":2013,"info":{"plot":"cut here`, ""},
		{`[{"year":2013,"title":"Rush"}]`, ""},
	}
	for _, tt := range tests {
		k, ok := movies.RecordKey([]byte(tt.in))
		got := ""
		if ok {
			got = k.String()
		}
		if got != tt.want {
			t.Errorf("RecordKey(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMovieValidate(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 31) + "1" + strings.Repeat("}", 31)
	tests := []struct {
		name string
		info string
		ok   bool
	}{
		{"none", "", true},
		{"object", `{"a":1}`, true},
		{"array", `[1]`, false},
		{"string", `"x"`, false},
		{"two values", `{"a":1}{"b":2}`, false},
		{"too deep", deep, false},
		{"deep but allowed", strings.Repeat(`{"a":`, 29) + "1" + strings.Repeat("}", 29), true},
		{"too big", `{"a":"` + strings.Repeat("x", movies.MaxRecordBytes) + `"}`, false},
		{"duplicate key", `{"a":1,"b":2,"a":3}`, false},
		{"duplicate key, escaped", `{"a":1,"\u0061":3}`, false},
		{"duplicate key nested", `{"x":[{"r":1,"r":1}]}`, false},
		{"duplicate key among many", `{` + manyKeys(40) + `,"k7":0}`, false},
		{"many distinct keys", `{` + manyKeys(40) + `}`, true},
		{"same key in sibling objects", `{"a":{"r":1},"b":{"r":1}}`, true},
		{"lone surrogate value", `{"a":"\ud800"}`, false},
		{"lone surrogate key", `{"\udfff":1}`, false},
		{"surrogate pair", `{"a":"\ud83c\udfac"}`, true},
		{"invalid utf-8 value", "{\"a\":\"\xff\"}", false},
		{"array depth counts", strings.Repeat(`[`, 30) + strings.Repeat(`]`, 30), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := movies.Movie{Year: 2000, Title: "T", Info: json.RawMessage(tt.info)}
			if err := m.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// countingBuilder counts the values it builds; it builds nothing.
type countingBuilder struct{ n int }

func (c *countingBuilder) String(string) any                   { c.n++; return nil }
func (c *countingBuilder) Number(string) (any, error)          { c.n++; return nil, nil }
func (c *countingBuilder) Bool(bool) any                       { c.n++; return nil }
func (c *countingBuilder) Null() any                           { c.n++; return nil }
func (c *countingBuilder) Array([]any) any                     { c.n++; return nil }
func (c *countingBuilder) Object([]string, []any) (any, error) { c.n++; return nil, nil }

// TestParseMovieWalksOnce: ParseMovie builds each value of a valid record's
// info once, in one walk; white space in info or a problem takes a second.
func TestParseMovieWalksOnce(t *testing.T) {
	for in, want := range map[string]int{
		`{"year":2013,"info":{"a":[1,"x",true,null,{}],"b":-1.5e3},"title":"Rush"}`: 8,
		`{"year":2013,"info":{"a": [1]},"title":"Rush"}`:                            6,
		`{"year":2013,"info":{"a":[1],"a":2},"title":"Rush"}`:                       4,
	} {
		var c countingBuilder
		if _, _, _ = movies.ParseMovie([]byte(in), &c); c.n != want {
			t.Errorf("%s: %d values built, want %d", in, c.n, want)
		}
	}
}

func TestCursor(t *testing.T) {
	for _, k := range []movies.Key{{Year: 2013, Title: "Rush"}, {Year: 1997, Title: "Face/Off"}, {Year: 1, Title: "é ?&#%+"}} {
		c := movies.EncodeCursor(k)
		got, err := movies.DecodeCursor(c)
		if err != nil || got != k {
			t.Fatalf("DecodeCursor(EncodeCursor(%v)) = %v, %v", k, got, err)
		}
	}
	for _, bad := range []string{"", "!!!", "bm90IGpzb24", "e30", strings.Repeat("A", movies.MaxCursorBytes+1)} {
		if _, err := movies.DecodeCursor(bad); movies.ErrorCode(err) != movies.EINVALID {
			t.Errorf("DecodeCursor(%q) err = %v, want EINVALID", bad, err)
		}
	}
}

func TestListOptionsValidate(t *testing.T) {
	c2013 := movies.EncodeCursor(movies.Key{Year: 2013, Title: "Rush"})
	tests := []struct {
		name      string
		opts      movies.ListOptions
		ok        bool
		wantLimit int
	}{
		{"defaults", movies.ListOptions{}, true, movies.DefaultLimit},
		{"max", movies.ListOptions{Limit: 1000}, true, 1000},
		{"too big", movies.ListOptions{Limit: 1001}, false, 0},
		{"negative", movies.ListOptions{Limit: -1}, false, 0},
		{"bad year", movies.ListOptions{Year: 10000}, false, 0},
		{"cursor same year", movies.ListOptions{Year: 2013, Cursor: c2013}, true, movies.DefaultLimit},
		{"cursor other year", movies.ListOptions{Year: 2014, Cursor: c2013}, false, 0},
		{"bad cursor", movies.ListOptions{Cursor: "zzz"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			err := o.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && o.Limit != tt.wantLimit {
				t.Fatalf("Limit = %d, want %d", o.Limit, tt.wantLimit)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cause := errors.New("dial tcp: secret-internal-detail")
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"plain error", cause, movies.EINTERNAL, "Internal Server Error"},
		{"not found", movies.Errorf(movies.ENOTFOUND, "movie not found"), movies.ENOTFOUND, "movie not found"},
		{"wrapped invalid", errors.Join(movies.Errorf(movies.EINVALID, "bad")), movies.EINVALID, "bad"},
		{"unavailable", movies.WrapError(movies.EUNAVAILABLE, cause, "store unavailable"), movies.EUNAVAILABLE, "store unavailable"},
		{"internal hides message", movies.WrapError(movies.EINTERNAL, cause, "boom detail"), movies.EINTERNAL, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := movies.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			if got := movies.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.wantMsg)
			}
		})
	}
	if err := movies.WrapError(movies.EUNAVAILABLE, cause, "x"); !errors.Is(err, cause) {
		t.Error("WrapError does not unwrap to its cause")
	}
}

// manyKeys returns n distinct members "k0":0,"k1":1,… of a JSON object.
func manyKeys(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%q:%d", fmt.Sprintf("k%d", i), i)
	}
	return strings.Join(parts, ",")
}

// BenchmarkParseMovieManyKeys parses a record whose info is one object of
// 20,000 keys (280 KB, within the record limit): the check for repeated keys
// must stay linear in their number.
func BenchmarkParseMovieManyKeys(b *testing.B) {
	rec := []byte(`{"year":2013,"title":"Rush","info":{` + manyKeys(20_000) + `}}`)
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		var c countingBuilder
		if _, _, err := movies.ParseMovie(rec, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 60, "short"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcdef…"},
		{"abcdé", 5, "abcd…"}, // é is 2 bytes: not cut inside it
		{"東京", 4, "東…"},
	}
	for _, tt := range tests {
		if got := movies.Shorten(tt.s, tt.n); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
