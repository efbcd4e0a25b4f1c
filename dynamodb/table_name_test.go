package dynamodb

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateTableName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"Movies", true},
		{"my-table_1.prod", true},
		{"abc", true},
		{"ab", false},
		{"", false},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{"bad name", false},
		{"bad/name", false},
		{"Fïlms", false},
	}
	for _, tt := range tests {
		if err := ValidateTableName(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidateTableName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestCheckKeySchema(t *testing.T) {
	tests := []struct {
		key []KeyAttribute
		ok  bool
	}{
		{moviesKey, true},
		{[]KeyAttribute{{"year", "HASH", "N"}, {"title", "RANGE", "S"}}, true},
		{[]KeyAttribute{{"year", "HASH", "N"}}, false},
		{[]KeyAttribute{{"title", "HASH", "S"}, {"year", "RANGE", "N"}}, false},
		{[]KeyAttribute{{"year", "HASH", "S"}, {"title", "RANGE", "S"}}, false},
		{[]KeyAttribute{{"year", "HASH", "N"}, {"title", "RANGE", "B"}}, false},
		{nil, false},
	}
	for _, tt := range tests {
		info := &TableInfo{Name: "T", KeySchema: tt.key}
		err := info.CheckKeySchema()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrKeySchema)) {
			t.Errorf("%v: CheckKeySchema = %v, want ok=%v", tt.key, err, tt.ok)
		}
	}
}
