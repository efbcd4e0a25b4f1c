package dynamodb

import (
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
