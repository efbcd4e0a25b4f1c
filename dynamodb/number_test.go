package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

func TestUnstorableNumbers(t *testing.T) {
	tests := []struct {
		name, info, msg string
	}{
		{"39 digits", `{"x":123456789012345678901234567890123456789}`, "significant digits"},
		{"39 digits with fraction", `{"x":1.23456789012345678901234567890123456789}`, "significant digits"},
		{"too large", `{"x":1e126}`, "out of DynamoDB's range"},
		{"too small", `{"x":1e-131}`, "out of DynamoDB's range"},
		{"too small as decimal", `{"x":0.` + strings.Repeat("0", 130) + `1}`, "out of DynamoDB's range"},
		{"exponent overflows", `{"x":1e99999999999999999999}`, "not valid"},
		{"nested", `{"a":[{"b":1e200}]}`, "out of DynamoDB's range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := movies.Movie{Year: 2000, Title: "Big", Info: json.RawMessage(tt.info)}
			_, err := movieToItem(&m)
			if code := movies.ErrorCode(err); code != movies.EINVALID {
				t.Fatalf("code = %q (err %v), want %q", code, err, movies.EINVALID)
			}
			if msg := movies.ErrorMessage(err); !strings.Contains(msg, tt.msg) || !strings.Contains(msg, "2000/Big") {
				t.Errorf("message %q does not mention %q and the movie", msg, tt.msg)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		exp    int64
	}{
		{"0", 0, 0},
		{"0.000", 0, 0},
		{"1", 1, 0},
		{"-12.50", 3, 1},
		{"0.0015", 2, -3},
		{"1.5e-10", 2, -10},
		{"1500E+3", 2, 6},
		{"100", 1, 2},
	}
	for _, tt := range tests {
		digits, exp, err := parseNumber(tt.in)
		if err != nil || digits != tt.digits || exp != tt.exp {
			t.Errorf("parseNumber(%q) = %d, %d, %v; want %d, %d", tt.in, digits, exp, err, tt.digits, tt.exp)
		}
	}
}
