package bolt

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/movieskit/movies"
)

// TestDecodeStoredMatchesJSON checks the reflection-free decoder against
// encoding/json on values encodeMovie writes and on near misses.
func TestDecodeStoredMatchesJSON(t *testing.T) {
	var values [][]byte
	for _, m := range []movies.Movie{
		{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"plot":"<b>fast</b>"}`)},
		{Year: 1, Title: "A"},
		{Year: 9999, Title: `quote " and \ backslash`, Info: json.RawMessage(`{}`)},
		{Year: 1997, Title: "Pain & Gain <3>", Info: json.RawMessage(`{"a":[1,{"b":"}"}]}`)},
		{Year: 2001, Title: "Amélie 東京 \u2028", Info: json.RawMessage(`{"x":"\u00e9"}`)},
	} {
		values = append(values, encodeMovie(&m))
	}
	values = append(values,
		[]byte(`{"year":2013,"title":"Rush","info":{"a":1},"x":2}`),
		[]byte(`{"year":2013,"title":"Rush","info":{"a":1}} `),
		[]byte(`{"year":02013,"title":"Rush"}`),
		[]byte(`{"year":2013,"title":"R\u0075sh"}`),
		[]byte(`{"year":2013,"title":"Rush","info":null}`),
	)
	for _, v := range values {
		got, ok := decodeStored(v)
		if !ok {
			continue // encoding/json decodes it
		}
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			t.Errorf("decodeStored(%s) succeeded, encoding/json failed: %v", v, err)
			continue
		}
		want := &movies.Movie{Year: r.Year, Title: r.Title, Info: r.Info}
		if len(want.Info) == 0 {
			want.Info = nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeStored(%s) = %+v, want %+v", v, got, want)
		}
	}
	for _, i := range []int{0, 1} { // titles without escapes
		if _, ok := decodeStored(values[i]); !ok {
			t.Errorf("decodeStored(%s) took the slow path", values[i])
		}
	}
}
