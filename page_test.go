package movies_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

func TestEscapedSize(t *testing.T) {
	for _, m := range []movies.Movie{
		{Year: 1, Title: "A"},
		{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"genres":["Action"]}`)},
		{Year: 2013, Title: "Pain & Gain <3>", Info: json.RawMessage(`{}`)},
		{Year: 9999, Title: "tab\tquote\"back\\slash\x01 \u2028 Amélie 日本", Info: json.RawMessage(`{"plot":"é \"q\" <b> \u2028 \\"}`)},
		{Year: 42, Title: "bad \xff utf8 \xc3 <b>\x7f\u2029 🎬\b\f"},
		{Year: 7, Title: "raw separators", Info: json.RawMessage("{\"plot\":\"\u2028\u2029 & \xff\"}")},
	} {
		var buf bytes.Buffer
		if err := movies.AppendJSON(&buf, &m); err != nil {
			t.Fatal(err)
		}
		escaped, err := json.Marshal(buf.String())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.EscapedSize(), len(escaped)-len(`""`); got != want {
			t.Errorf("EscapedSize(%s) = %d, want %d (%s)", m.Key(), got, want, escaped)
		}
	}
}

// TestEscapedLen checks EscapedLen against json.Marshal of the same bytes as
// a string: every byte and character it escapes, and what it leaves alone.
func TestEscapedLen(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	tests := []string{
		"", "plain", `"quoted" \ back`, "<b>&amp;</b>", "\x00\x01\x1f\n\r\t\b\f\x7f",
		"\u2028\u2029", "\xe2\x80", "\xe2\x80\xa8\xe2\x80\xa9x", "Amélie 東京 🎬", "\xff\xfe\xc3", "\xed\xa0\x80", string(all),
	}
	for _, s := range tests {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := movies.EscapedLen([]byte(s)); got != len(want)-len(`""`) {
			t.Errorf("EscapedLen(%q) = %d, want %d (%s)", s, got, len(want)-len(`""`), want)
		}
	}
	for _, s := range append(strings.Split(string(all), ""), " ", " ") {
		if got := movies.EscapedLen([]byte(s)); got > movies.MaxEscapeFactor*len(s) {
			t.Errorf("EscapedLen(%q) = %d, over MaxEscapeFactor × %d", s, got, len(s))
		}
	}
}

func TestPageBudget(t *testing.T) {
	tests := []struct {
		name  string
		limit int
		sizes []int
		want  []bool
		used  int
	}{
		{"no bound", 0, []int{100, 100, 100}, []bool{true, true, true}, 302},
		{"first always fits", 10, []int{50, 1}, []bool{true, false}, 50},
		{"exact fit counts commas", 21, []int{10, 10, 1}, []bool{true, true, false}, 21},
		{"one over", 20, []int{10, 10}, []bool{true, false}, 10},
		{"a refusal is not remembered: stores stop at the first", 100, []int{10, 95, 5}, []bool{true, false, true}, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := movies.NewPageBudget(tt.limit)
			for i, size := range tt.sizes {
				if got := b.Add(size); got != tt.want[i] {
					t.Errorf("Add(%d) #%d = %v, want %v", size, i, got, tt.want[i])
				}
			}
			if b.Used() != tt.used {
				t.Errorf("Used() = %d, want %d", b.Used(), tt.used)
			}
		})
	}
}

func TestListOptionsNegativeMaxBytes(t *testing.T) {
	o := movies.ListOptions{MaxBytes: -1}
	if code := movies.ErrorCode(o.Validate()); code != movies.EINVALID {
		t.Errorf("Validate with MaxBytes -1: code %q, want %q", code, movies.EINVALID)
	}
}

// BenchmarkEscapedLen measures EscapedLen on 1 MB of movie JSON: the cost,
// per byte of info, that sizing a page for Lambda's limit adds to a store's
// List and to the API's encoding of the page.
func BenchmarkEscapedLen(b *testing.B) {
	for _, tc := range []struct{ name, unit string }{
		{"plain", `{"plot":"A generated plot of a movie","rating":7.5,"genres":["Drama","Comedy & Romance"]}`},
		{"accented", `{"plot":"Amélie à Montréal, 東京 🎬","genres":["Comédie"]}`},
	} {
		p := bytes.Repeat([]byte(tc.unit), (1<<20)/len(tc.unit))
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				movies.EscapedLen(p)
			}
		})
	}
}
