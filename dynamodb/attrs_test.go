package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
)

func TestInfoRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		info string // input JSON
		want string // JSON after the round trip; "" means same as info
	}{
		{"empty object", `{}`, ""},
		{"decimal", `{"rating":8.3}`, ""},
		{"big integer", `{"n":12345678901234567890}`, ""},
		{"small exponent", `{"x":1.5e-10}`, ""},
		{"38 digits", `{"x":12345678901234567890123456789012345678}`, ""},
		{"trailing zeros do not count", `{"x":1234567890123456789012345678901234567800000}`, ""},
		{"negative zero", `{"x":-0}`, ""},
		{"smallest", `{"x":1E-130}`, ""},
		{"largest", `{"x":9.9999999999999999999999999999999999999E+125}`, ""},
		{"zero with huge exponent", `{"x":0e999}`, ""},
		{"empty string", `{"s":""}`, ""},
		{"escapes", `{"s":"a\"b\\c\n\t\u0001 <&> é 日本"}`, `{"s":"a\"b\\c\n\t\u0001 <&> é 日本"}`},
		{"bool and null", `{"a":true,"b":false,"c":null}`, ""},
		{"nested", `{"a":[1,"x",[],{"b":[{"c":null}]}],"d":{}}`, ""},
		{"keys sorted", `{"z":1,"a":2,"m":3}`, `{"a":2,"m":3,"z":1}`},
		{"whitespace dropped", "{ \"a\" : [ 1 , 2 ] }", `{"a":[1,2]}`},
		{"sample record", `{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography"],"rank":2,"running_time_secs":7380}`,
			`{"directors":["Ron Howard"],"genres":["Action","Biography"],"rank":2,"rating":8.3,"release_date":"2013-09-02T00:00:00Z","running_time_secs":7380}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(tt.info)}
			item, err := movieToItem(&m)
			if err != nil {
				t.Fatalf("movieToItem: %v", err)
			}
			got, err := itemToMovie(item)
			if err != nil {
				t.Fatalf("itemToMovie: %v", err)
			}
			want := tt.want
			if want == "" {
				want = tt.info
			}
			if string(got.Info) != want {
				t.Errorf("info = %s, want %s", got.Info, want)
			}
			if got.Key() != m.Key() {
				t.Errorf("key = %v, want %v", got.Key(), m.Key())
			}
			if !json.Valid(got.Info) {
				t.Errorf("info %s is not valid JSON", got.Info)
			}
		})
	}
}

func TestNumbersKeepTheirText(t *testing.T) {
	m := movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"a":8.30,"b":1.5e-10,"c":12345678901234567890}`)}
	item, err := movieToItem(&m)
	if err != nil {
		t.Fatal(err)
	}
	info := item[attrInfo].(*types.AttributeValueMemberM).Value
	for k, want := range map[string]string{"a": "8.30", "b": "1.5e-10", "c": "12345678901234567890"} {
		if got := info[k].(*types.AttributeValueMemberN).Value; got != want {
			t.Errorf("N %s = %q, want %q", k, got, want)
		}
	}
}

func TestMovieWithoutInfo(t *testing.T) {
	item, err := movieToItem(&movies.Movie{Year: 1999, Title: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := item[attrInfo]; ok {
		t.Fatal("item has an info attribute")
	}
	got, err := itemToMovie(item)
	if err != nil {
		t.Fatal(err)
	}
	if got.Info != nil {
		t.Fatalf("info = %s, want none", got.Info)
	}
}

func TestItemFromOtherTools(t *testing.T) {
	item := map[string]types.AttributeValue{
		attrYear:  &types.AttributeValueMemberN{Value: "2001"},
		attrTitle: &types.AttributeValueMemberS{Value: "Other"},
		attrInfo: &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"ss": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"ns": &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
			"b":  &types.AttributeValueMemberB{Value: []byte("hi")},
		}},
	}
	got, err := itemToMovie(item)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":"aGk=","ns":[1,2.5],"ss":["a","b"]}`; string(got.Info) != want {
		t.Errorf("info = %s, want %s", got.Info, want)
	}
}

func TestBadItems(t *testing.T) {
	tests := map[string]map[string]types.AttributeValue{
		"no year":      {attrTitle: &types.AttributeValueMemberS{Value: "x"}},
		"string year":  {attrYear: &types.AttributeValueMemberS{Value: "1"}, attrTitle: &types.AttributeValueMemberS{Value: "x"}},
		"no title":     {attrYear: &types.AttributeValueMemberN{Value: "1"}},
		"decimal year": {attrYear: &types.AttributeValueMemberN{Value: "1.5"}, attrTitle: &types.AttributeValueMemberS{Value: "x"}},
	}
	for name, item := range tests {
		if _, err := itemToMovie(item); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestItemTooLarge(t *testing.T) {
	// 150,000 single-digit numbers: 300 KB of JSON, but more than 400 KB as a DynamoDB list.
	info := `{"a":[` + strings.TrimSuffix(strings.Repeat("1,", 150000), ",") + `]}`
	m := movies.Movie{Year: 2000, Title: "Huge", Info: json.RawMessage(info)}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	_, err := movieToItem(&m)
	if code := movies.ErrorCode(err); code != movies.EINVALID {
		t.Fatalf("code = %q (err %v), want %q", code, err, movies.EINVALID)
	}
}

func BenchmarkItemToMovie(b *testing.B) {
	m := movies.Movie{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography","Drama","Sport"],"image_url":"http://ia.media-imdb.com/images/M/MV5BMTQyMDE0MTY0OV5BMl5BanBnXkFtZTcwMjI2OTI0OQ@@._V1_SX400_.jpg","plot":"A re-creation of the merciless 1970s rivalry between Formula One rivals James Hunt and Niki Lauda.","rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl","Chris Hemsworth","Olivia Wilde"]}`)}
	item, err := movieToItem(&m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := itemToMovie(item); err != nil {
			b.Fatal(err)
		}
	}
}
