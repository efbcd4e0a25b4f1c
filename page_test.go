package movies_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/movieskit/movies"
)

func TestEncodedSize(t *testing.T) {
	for _, m := range []movies.Movie{
		{Year: 1, Title: "A"},
		{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"genres":["Action"]}`)},
		{Year: 2013, Title: "Pain & Gain <3>", Info: json.RawMessage(`{}`)},
		{Year: 9999, Title: "tab\tquote\"back\\slash\x01 \u2028 Amélie 日本", Info: json.RawMessage(`{"plot":"é \"q\""}`)},
		{Year: 42, Title: "bad \xff utf8 \xc3 <b>\x7f\u2029 🎬\b\f"},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(&m); err != nil {
			t.Fatal(err)
		}
		if got, want := m.EncodedSize(), buf.Len()-1; got != want {
			t.Errorf("EncodedSize(%s) = %d, want %d (%s)", m.Key(), got, want, bytes.TrimSpace(buf.Bytes()))
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
