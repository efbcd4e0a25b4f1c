package bolt

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/movieskit/movies"
)

// TestDecodeMovie checks that decodeMovie returns every movie as encodeMovie
// stored it, titles with escapes and HTML characters included, and what it
// makes of values in other forms; and that storedSize, which sizes a value
// without decoding its info, gives the decoded movie's EncodedSize.
func TestDecodeMovie(t *testing.T) {
	stored := []movies.Movie{
		{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"plot":"<b>fast</b>"}`)},
		{Year: 1, Title: "A"},
		{Year: 9999, Title: `quote " and \ backslash`, Info: json.RawMessage(`{}`)},
		{Year: 1997, Title: "Pain & Gain <3>", Info: json.RawMessage(`{"a":[1,{"b":"}"}]}`)},
		{Year: 2001, Title: "Amélie 東京 \u2028", Info: json.RawMessage(`{"x":"\u00e9"}`)},
	}
	type test struct {
		name  string
		key   movies.Key
		value string
		want  *movies.Movie // nil: an EINTERNAL error
	}
	tests := []test{
		{"extra field ignored", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2013,"title":"Rush","info":{"a":1},"x":2}`,
			&movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"a":1}`)}},
		{"trailing space", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2013,"title":"Rush","info":{"a":1}} `,
			&movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"a":1}`)}},
		{"escaped title", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2013,"title":"R\u0075sh"}`,
			&movies.Movie{Year: 2013, Title: "Rush"}},
		{"null info", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2013,"title":"Rush","info":null}`,
			&movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`null`)}},
		{"leading zero", movies.Key{Year: 2013, Title: "Rush"}, `{"year":02013,"title":"Rush"}`, nil},
		{"not JSON", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2013,`, nil},
		{"other key", movies.Key{Year: 2013, Title: "Rush"}, `{"year":2014,"title":"Rush"}`, nil},
		{"invalid year", movies.Key{Year: 0, Title: "Rush"}, `{"year":0,"title":"Rush"}`, nil},
	}
	for _, m := range stored {
		tests = append(tests, test{"stored " + m.Title, m.Key(), string(encodeMovie(&m)), &m})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeMovie(encodeKey(tt.key), []byte(tt.value))
			if tt.want == nil {
				if movies.ErrorCode(err) != movies.EINTERNAL {
					t.Fatalf("decodeMovie(%s) = %+v, %v; want an EINTERNAL error", tt.value, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeMovie(%s): %v", tt.value, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decodeMovie(%s) = %+v, want %+v", tt.value, got, tt.want)
			}
			if size, err := storedSize(encodeKey(tt.key), []byte(tt.value)); err != nil || size != got.EncodedSize() {
				t.Errorf("storedSize(%s) = %d, %v; want %d, the decoded movie's EncodedSize", tt.value, size, err, got.EncodedSize())
			}
		})
	}
}
