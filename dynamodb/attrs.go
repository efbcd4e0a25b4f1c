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

// CheckRecord decodes and checks one record of a movie file, in one walk
// of its bytes, against every rule DynamoDB applies to an item, so that a
// record it accepts is written without a ValidationException: the domain's
// rules (movies.ParseMovie: key lengths, UTF-8, nesting), then numbers
// DynamoDB can store (at most 38 significant digits, magnitude 1E-130 to
// below 1E+126, an exponent DynamoDB can read), attribute names of 1 to
// 65,535 bytes anywhere in info, and an item size, as DynamoDB counts it, of
// at most movies.MaxRecordBytes. The error is EINVALID. It needs no table:
// it is the loader's Options.CheckRecord for a DynamoDB table.
func CheckRecord(record []byte) (movies.Key, error) {
	k, _, err := recordToItem(record)
	return k, err
}

// keyAttrs returns the primary key of k as DynamoDB attributes.
func keyAttrs(k movies.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrYear:  &types.AttributeValueMemberN{Value: strconv.Itoa(k.Year)},
		attrTitle: &types.AttributeValueMemberS{Value: k.Title},
	}
}

// movieToItem checks m as CheckRecord checks a record and converts it to
// a DynamoDB item, in one walk of its info.
func movieToItem(m *movies.Movie) (map[string]types.AttributeValue, error) {
	var a infoAttrs
	info, err := m.Check(&a)
	return a.item(m.Key(), info, err)
}

// recordToItem is movieToItem of a record of a movie file.
func recordToItem(record []byte) (movies.Key, map[string]types.AttributeValue, error) {
	var a infoAttrs
	m, info, err := movies.ParseMovie(record, &a)
	item, err := a.item(m.Key(), info, err)
	return m.Key(), item, err
}

// infoAttrs builds info's attribute values as the domain walks it (see
// movies.InfoBuilder): objects → M, arrays → L, strings → S, numbers → N
// with their literal text, booleans → BOOL and null → NULL, refusing
// numbers and attribute names DynamoDB cannot store. err is its error.
type infoAttrs struct{ err error }

func (a *infoAttrs) String(s string) any { return &types.AttributeValueMemberS{Value: s} }
func (a *infoAttrs) Bool(v bool) any     { return &types.AttributeValueMemberBOOL{Value: v} }
func (a *infoAttrs) Null() any           { return &types.AttributeValueMemberNULL{Value: true} }

func (a *infoAttrs) Number(text string) (any, error) {
	if a.err = checkNumber(text); a.err != nil {
		return nil, a.err
	}
	return &types.AttributeValueMemberN{Value: text}, nil
}

func (a *infoAttrs) Array(elems []any) any {
	l := make([]types.AttributeValue, len(elems))
	for i, e := range elems {
		l[i] = attr(e)
	}
	return &types.AttributeValueMemberL{Value: l}
}

func (a *infoAttrs) Object(keys []string, values []any) (any, error) {
	m := make(map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		if a.err = checkAttrName(k); a.err != nil {
			return nil, a.err
		}
		m[k] = attr(values[i])
	}
	return &types.AttributeValueMemberM{Value: m}, nil
}

// attr returns the attribute value infoAttrs built as v.
func attr(v any) types.AttributeValue {
	a, _ := v.(types.AttributeValue)
	return a
}

// item returns the item of the movie with key k and the info a built, once
// its size is checked, or err, the error of the walk that built it. An error
// of a, or of the size, names the movie.
func (a *infoAttrs) item(k movies.Key, info any, err error) (map[string]types.AttributeValue, error) {
	if err != nil {
		if errors.Is(err, a.err) {
			err = movies.Errorf(movies.EINVALID, "movie %s: %s", k, movies.ErrorMessage(err))
		}
		return nil, err
	}
	item := keyAttrs(k)
	if info != nil {
		item[attrInfo] = attr(info)
	}
	if n := itemSize(item); n > movies.MaxRecordBytes {
		return nil, movies.Errorf(movies.EINVALID, "movie %s: item is %d bytes in DynamoDB, more than the %d-byte limit",
			k, n, movies.MaxRecordBytes)
	}
	return item, nil
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
// as its JSON form: the inverse of infoAttrs.
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
