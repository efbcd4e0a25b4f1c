package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
)

// Attribute names of a movie item.
const (
	attrYear  = "year"
	attrTitle = "title"
	attrInfo  = "info"
)

// ValidateMovie checks m against every rule DynamoDB applies to an item, so
// that a movie it accepts is written without a ValidationException: the
// domain's rules (movies.Movie.Validate: key lengths, UTF-8, nesting), then
// numbers DynamoDB can store (at most 38 significant digits, magnitude 1E-130
// to below 1E+126, an exponent DynamoDB can read), attribute names of 1 to
// 65,535 bytes anywhere in info, and an item size, as DynamoDB counts it, of
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
			if err := checkAttrName(k); err != nil {
				return nil, err
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
		b, err := attrJSON(info)
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

// attrJSON returns the JSON form of a DynamoDB attribute, written as the API
// writes JSON (movies.AppendJSON): M → object
// (keys sorted), L → array, S → string, N → the number text as stored, BOOL,
// NULL → null. Sets become arrays and binary values base64 strings, so items
// written by other tools still convert.
func attrJSON(av types.AttributeValue) ([]byte, error) {
	v, err := attrValue(av)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := movies.AppendJSON(&buf, v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// attrValue converts a DynamoDB attribute to the value encoding/json encodes
// as its JSON form: the inverse of valueToAttr.
func attrValue(av types.AttributeValue) (any, error) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value, nil
	case *types.AttributeValueMemberN:
		return json.Number(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return v.Value, nil
	case *types.AttributeValueMemberNULL:
		return nil, nil
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			x, err := attrValue(e)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			x, err := attrValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = x
		}
		return l, nil
	case *types.AttributeValueMemberSS:
		return listOf(v.Value, func(s string) any { return s }), nil
	case *types.AttributeValueMemberNS:
		return listOf(v.Value, func(s string) any { return json.Number(s) }), nil
	case *types.AttributeValueMemberB:
		return base64.StdEncoding.EncodeToString(v.Value), nil
	case *types.AttributeValueMemberBS:
		return listOf(v.Value, func(p []byte) any { return base64.StdEncoding.EncodeToString(p) }), nil
	default:
		return nil, fmt.Errorf("unsupported attribute type %T", av)
	}
}

// listOf returns the JSON array of vs, each converted by f; never nil, so
// that an empty set is [] rather than null.
func listOf[T any](vs []T, f func(T) any) []any {
	l := make([]any, len(vs))
	for i, v := range vs {
		l[i] = f(v)
	}
	return l
}
