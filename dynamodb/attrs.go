package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/jsontext"
)

// Attribute names of a movie item.
const (
	attrYear  = "year"
	attrTitle = "title"
	attrInfo  = "info"
)

// DynamoDB's limits on numbers. Its item size limit is movies.MaxRecordBytes
// and its nesting limit movies.MaxNestingDepth, which every store applies.
const (
	maxNumberDigits   = 38
	minNumberExponent = -130 // smallest magnitude is 1E-130
	maxNumberExponent = 125  // largest magnitude is 9.99…E+125
	maxNumberPairs    = 20   // digit pairs of the largest mantissa (38 digits, misaligned)
)

// ValidateMovie checks m against every rule DynamoDB applies to an item, so
// that a movie it accepts is written without a ValidationException: the
// domain's rules (movies.Movie.Validate), then numbers DynamoDB can store (at
// most 38 significant digits, magnitude 1E-130 to below 1E+126), no empty
// attribute name anywhere in info, and an item size, as DynamoDB counts it, of
// at most movies.MaxRecordBytes. The error is EINVALID. It needs no table.
func ValidateMovie(m *movies.Movie) error {
	if err := m.Validate(); err != nil {
		return err
	}
	_, err := movieToItem(m)
	return err
}

// ValidateMovie is the package's ValidateMovie: the store's own rules, which
// the loader applies to every record before it writes any.
func (s *Store) ValidateMovie(m *movies.Movie) error { return ValidateMovie(m) }

// keyAttrs returns the primary key of k as DynamoDB attributes.
func keyAttrs(k movies.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrYear:  &types.AttributeValueMemberN{Value: strconv.Itoa(k.Year)},
		attrTitle: &types.AttributeValueMemberS{Value: k.Title},
	}
}

// movieToItem converts a valid movie to a DynamoDB item. Info becomes a map
// attribute; a number DynamoDB cannot store, or an item larger than DynamoDB
// allows, is an EINVALID error.
func movieToItem(m *movies.Movie) (map[string]types.AttributeValue, error) {
	item := keyAttrs(m.Key())
	if len(m.Info) > 0 {
		info, err := jsonToAttr(m.Info)
		if err != nil {
			return nil, movies.Errorf(movies.EINVALID, "movie %s: %s", m.Key(), movieErrMessage(err))
		}
		if _, ok := info.(*types.AttributeValueMemberM); !ok {
			return nil, movies.Errorf(movies.EINVALID, "movie %s: info must be a JSON object", m.Key())
		}
		item[attrInfo] = info
	}
	if n := itemSize(item); n > movies.MaxRecordBytes {
		return nil, movies.Errorf(movies.EINVALID, "movie %s: item is %d bytes in DynamoDB, more than the %d-byte limit",
			m.Key(), n, movies.MaxRecordBytes)
	}
	return item, nil
}

// movieErrMessage returns the caller-safe message of a conversion error.
func movieErrMessage(err error) string {
	var e *movies.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "info is not valid JSON"
}

// jsonToAttr converts one JSON value to a DynamoDB attribute: objects → M,
// arrays → L, strings → S, numbers → N with their literal text, booleans →
// BOOL and null → NULL.
func jsonToAttr(data []byte) (types.AttributeValue, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode JSON: more than one value")
	}
	return valueToAttr(v)
}

// valueToAttr converts a value decoded by encoding/json with UseNumber.
func valueToAttr(v any) (types.AttributeValue, error) {
	switch v := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}, nil
	case string:
		return &types.AttributeValueMemberS{Value: v}, nil
	case json.Number:
		if err := checkNumber(string(v)); err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberN{Value: string(v)}, nil
	case []any:
		l := make([]types.AttributeValue, len(v))
		for i, e := range v {
			a, err := valueToAttr(e)
			if err != nil {
				return nil, err
			}
			l[i] = a
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(v))
		for k, e := range v {
			if k == "" {
				return nil, movies.Errorf(movies.EINVALID, "info has an empty key; DynamoDB attribute names must not be empty")
			}
			a, err := valueToAttr(e)
			if err != nil {
				return nil, err
			}
			m[k] = a
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	default:
		return nil, fmt.Errorf("unexpected JSON value of type %T", v)
	}
}

// checkNumber reports whether DynamoDB can store the JSON number s exactly:
// at most 38 significant digits and a magnitude from 1E-130 to below 1E+126.
// Zero is always storable.
func checkNumber(s string) error {
	digits, exp, err := parseNumber(s)
	if err != nil {
		return movies.Errorf(movies.EINVALID, "number %s is not valid", truncate(s))
	}
	if digits == 0 {
		return nil
	}
	if digits > maxNumberDigits {
		return movies.Errorf(movies.EINVALID,
			"number %s has %d significant digits; DynamoDB stores at most %d", truncate(s), digits, maxNumberDigits)
	}
	if exp < minNumberExponent || exp > maxNumberExponent {
		return movies.Errorf(movies.EINVALID,
			"number %s is out of DynamoDB's range (1E%d to 9.9E+%d)", truncate(s), minNumberExponent, maxNumberExponent)
	}
	return nil
}

// parseNumber returns the count of significant digits of the JSON number s
// and its exponent in scientific notation (d.ddd × 10^exp). Zero has no
// significant digits.
func parseNumber(s string) (digits int, exp int64, err error) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	var e int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		e, err = strconv.ParseInt(s[i+1:], 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("exponent of %q: %w", s, err)
		}
		i = len(s)
	}
	if intPart == "" || i != len(s) {
		return 0, 0, fmt.Errorf("%q is not a JSON number", s)
	}
	all := intPart + frac
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	trail := len(all)
	for trail > lead && all[trail-1] == '0' {
		trail--
	}
	if lead == trail {
		return 0, 0, nil
	}
	// The first significant digit sits at position lead; the decimal point
	// after len(intPart) digits.
	return trail - lead, e + int64(len(intPart)-lead-1), nil
}

// numberSize returns the bytes DynamoDB counts for the number s: one byte
// for the exponent and one per pair of digits, pairs aligned on the decimal
// point (1.5 is the pairs 01 and 50), from the first significant digit to
// the last, plus one for a negative number whose pairs do not already fill the
// 20-byte mantissa; zero takes one byte. Measured
// against DynamoDB Local at the 400 KB limit (the documented rule, one byte
// per two significant digits, undercounts 1.5 by one).
func numberSize(s string) int {
	digits, exp, err := parseNumber(s)
	switch {
	case err != nil:
		return len(s) // not reached for a checked number; never undercount
	case digits == 0:
		return 1
	}
	lo := exp - int64(digits) + 1 // position of the last significant digit
	pairs := int(floorHalf(exp)-floorHalf(lo)) + 1
	if s[0] == '-' && pairs < maxNumberPairs {
		pairs++ // a negative number ends with a terminator byte, unless its mantissa is full
	}
	return pairs + 1
}

// floorHalf returns ⌊p/2⌋.
func floorHalf(p int64) int64 {
	if p < 0 {
		return -((-p + 1) / 2)
	}
	return p / 2
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// truncate shortens s for an error message.
func truncate(s string) string {
	const maxLen = 60
	if len(s) <= maxLen {
		return s
	}
	return s[:maxLen] + "…"
}

// itemToMovie converts a DynamoDB item back to a movie.
func itemToMovie(item map[string]types.AttributeValue) (*movies.Movie, error) {
	k, err := itemKey(item)
	if err != nil {
		return nil, err
	}
	m := &movies.Movie{Year: k.Year, Title: k.Title}
	switch info := item[attrInfo].(type) {
	case nil, *types.AttributeValueMemberNULL:
	default:
		b, err := appendAttrJSON(nil, info)
		if err != nil {
			return nil, fmt.Errorf("item %s: info: %w", k, err)
		}
		m.Info = b
	}
	return m, nil
}

// itemKey returns the movie key held in an item's year and title attributes.
func itemKey(item map[string]types.AttributeValue) (movies.Key, error) {
	y, ok := item[attrYear].(*types.AttributeValueMemberN)
	if !ok {
		return movies.Key{}, errors.New("item has no numeric year attribute")
	}
	year, err := strconv.Atoi(y.Value)
	if err != nil {
		return movies.Key{}, fmt.Errorf("item year %q: %w", y.Value, err)
	}
	t, ok := item[attrTitle].(*types.AttributeValueMemberS)
	if !ok {
		return movies.Key{}, fmt.Errorf("item with year %d has no string title attribute", year)
	}
	return movies.Key{Year: year, Title: t.Value}, nil
}

// appendAttrJSON appends the JSON form of a DynamoDB attribute to b: M →
// object (keys sorted), L → array, S → string, N → the number text as
// stored, BOOL, NULL → null. Sets become arrays and binary values base64
// strings, so items written by other tools still convert.
func appendAttrJSON(b []byte, av types.AttributeValue) ([]byte, error) {
	var err error
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return appendJSONString(b, v.Value), nil
	case *types.AttributeValueMemberN:
		return append(b, v.Value...), nil
	case *types.AttributeValueMemberBOOL:
		return strconv.AppendBool(b, v.Value), nil
	case *types.AttributeValueMemberNULL:
		return append(b, "null"...), nil
	case *types.AttributeValueMemberM:
		keys := make([]string, 0, len(v.Value))
		for k := range v.Value {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = appendAttrJSON(b, v.Value[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case *types.AttributeValueMemberL:
		b = append(b, '[')
		for i, e := range v.Value {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendAttrJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case *types.AttributeValueMemberSS:
		return appendList(b, v.Value, appendJSONString), nil
	case *types.AttributeValueMemberNS:
		return appendList(b, v.Value, func(b []byte, s string) []byte { return append(b, s...) }), nil
	case *types.AttributeValueMemberB:
		return appendJSONString(b, base64.StdEncoding.EncodeToString(v.Value)), nil
	case *types.AttributeValueMemberBS:
		return appendList(b, v.Value, func(b []byte, p []byte) []byte {
			return appendJSONString(b, base64.StdEncoding.EncodeToString(p))
		}), nil
	default:
		return nil, fmt.Errorf("unsupported attribute type %T", av)
	}
}

// appendJSONString appends s as a JSON string, as an Encoder with
// SetEscapeHTML(false) writes it.
func appendJSONString(b []byte, s string) []byte { return jsontext.AppendString(b, s, false) }

// appendList appends a JSON array of vs, each appended by f.
func appendList[T any](b []byte, vs []T, f func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = f(b, v)
	}
	return append(b, ']')
}

// itemSize returns the size DynamoDB counts for an item against its limit:
// attribute names plus values, with the documented overheads for maps and
// lists (3 bytes, and 1 byte per element) and numbers sized as DynamoDB Local
// sizes them (see numberSize).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + attrSize(v)
	}
	return n
}

// attrSize estimates the stored size of one attribute value.
func attrSize(av types.AttributeValue) int {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += len(k) + attrSize(e) + 1
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += attrSize(e) + 1
		}
		return n
	default:
		return 0
	}
}
