package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

// maxExponent bounds the decimal exponent of a number EqualJSON compares, so
// that a hostile input such as 1e999999999 cannot make math/big allocate
// gigabytes. DynamoDB numbers stay far inside it (1e-130 to 1e126).
const maxExponent = 10000

// EqualJSON reports whether a and b are semantically equal JSON: same object
// keys (any order), same array order, numbers compared by exact value
// (8.3 == 8.30, 7 == 7.0, 1e2 == 100), and equal strings, booleans and nulls.
// It returns an error when either input is not a single valid JSON value.
func EqualJSON(a, b []byte) (bool, error) {
	va, err := decodeJSON(a)
	if err != nil {
		return false, fmt.Errorf("first value: %w", err)
	}
	vb, err := decodeJSON(b)
	if err != nil {
		return false, fmt.Errorf("second value: %w", err)
	}
	return equalValues(va, vb)
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode JSON: trailing data after the value")
	}
	return v, nil
}

// equalValues compares two values made by decodeJSON.
func equalValues(a, b any) (bool, error) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok {
				return false, nil
			}
			if eq, err := equalValues(xv, yv); err != nil || !eq {
				return eq, err
			}
		}
		return true, nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if eq, err := equalValues(x[i], y[i]); err != nil || !eq {
				return eq, err
			}
		}
		return true, nil
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false, nil
		}
		return equalNumbers(x, y)
	default: // string, bool, nil
		return a == b, nil
	}
}

// ReadJSON decodes the JSON file at path (a golden or a fixture) into v,
// failing tb when the file cannot be read or decoded.
func ReadJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// equalNumbers compares two JSON numbers exactly, as rationals.
func equalNumbers(a, b json.Number) (bool, error) {
	ra, err := parseNumber(a)
	if err != nil {
		return false, err
	}
	rb, err := parseNumber(b)
	if err != nil {
		return false, err
	}
	return ra.Cmp(rb) == 0, nil
}

// parseNumber converts a JSON number to an exact big.Rat.
func parseNumber(n json.Number) (*big.Rat, error) {
	s := n.String()
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return nil, fmt.Errorf("number %q: exponent out of range", s)
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("number %q is not valid", s)
	}
	return r, nil
}
