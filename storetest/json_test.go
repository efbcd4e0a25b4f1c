package storetest

import "testing"

func TestEqualJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		want bool
	}{
		{"same object, other key order", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		{"trailing zero", `8.3`, `8.30`, true},
		{"integer and decimal", `7`, `7.0`, true},
		{"exponent", `1e2`, `100`, true},
		{"negative exponent", `1.5e-10`, `0.00000000015`, true},
		{"capital exponent with sign", `1E+2`, `100.000`, true},
		{"big int exact", `12345678901234567890`, `12345678901234567890.0`, true},
		{"big int differs beyond float64", `12345678901234567890`, `12345678901234567891`, false},
		{"38 digits differ in the last", `3.141592653589793238462643383279502884`, `3.141592653589793238462643383279502885`, false},
		{"zero and negative zero", `0`, `-0.0`, true},
		{"different numbers", `8.3`, `8.31`, false},
		{"array order matters", `[1,2]`, `[2,1]`, false},
		{"array length", `[1,2]`, `[1,2,3]`, false},
		{"missing key", `{"a":1}`, `{"a":1,"b":2}`, false},
		{"other key", `{"a":1}`, `{"b":1}`, false},
		{"null vs absent", `{"a":null}`, `{}`, false},
		{"null vs null", `{"a":null}`, `{"a":null}`, true},
		{"string vs number", `"1"`, `1`, false},
		{"bools", `[true,false]`, `[true,false]`, true},
		{"bool differs", `true`, `false`, false},
		{"escapes vs literal", `"caf\u00e9 \/"`, `"café /"`, true},
		{"string differs", `"a"`, `"A"`, false},
		{"empty containers", `{"a":[],"o":{},"s":""}`, `{"s":"","o":{},"a":[]}`, true},
		{"empty array vs object", `[]`, `{}`, false},
		{"nested", `{"a":[{"b":[1,{"c":2.50}]}]}`, `{"a":[{"b":[1.0,{"c":2.5}]}]}`, true},
		{"nested differs", `{"a":[{"b":[1,{"c":2.5}]}]}`, `{"a":[{"b":[1,{"c":2.6}]}]}`, false},
		{"whitespace", " {\n\"a\" : [ 1 ]\t} ", `{"a":[1]}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EqualJSON([]byte(tc.a), []byte(tc.b))
			if err != nil {
				t.Fatalf("EqualJSON(%s, %s): %v", tc.a, tc.b, err)
			}
			if got != tc.want {
				t.Errorf("EqualJSON(%s, %s) = %t, want %t", tc.a, tc.b, got, tc.want)
			}
			if back, _ := EqualJSON([]byte(tc.b), []byte(tc.a)); back != got {
				t.Errorf("EqualJSON is not symmetric for %s, %s", tc.a, tc.b)
			}
		})
	}
}

func TestEqualJSONErrors(t *testing.T) {
	for _, tc := range []struct{ name, a, b string }{
		{"empty", ``, `{}`},
		{"invalid", `{"a":`, `{}`},
		{"trailing data", `{} {}`, `{}`},
		{"trailing garbage", `1 x`, `1`},
		{"invalid second", `{}`, `[1,]`},
		{"huge exponent", `1e999999999`, `1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := EqualJSON([]byte(tc.a), []byte(tc.b)); err == nil {
				t.Errorf("EqualJSON(%q, %q): no error", tc.a, tc.b)
			}
		})
	}
}
