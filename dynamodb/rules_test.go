package dynamodb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
)

// itemRule is one DynamoDB rule for an item, at its edge: ok is the last
// movie the rule allows, bad the first it refuses.
type itemRule struct {
	name string
	ok   movies.Movie
	bad  *movies.Movie // nil for a rule that allows something (empty strings, no element count)
	msg  string        // in validate's message for bad
	// looser: DynamoDB Local accepts bad, because the rule here is stricter
	// than DynamoDB's (the domain's key range and nesting depth).
	looser bool
}

// withInfo returns a movie 2000/T with the given info.
func withInfo(info string) movies.Movie {
	return movies.Movie{Year: 2000, Title: "T", Info: json.RawMessage(info)}
}

func ptr(m movies.Movie) *movies.Movie { return &m }

// nested returns info made of n objects, one inside the other (info counted).
func nested(n int) string {
	return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
}

// itemOfSize returns a movie whose item is exactly size bytes as itemSize
// counts it while its record stays under movies.MaxRecordBytes: a list of
// ones (3 bytes each in the item, 2 in JSON) and a padding string.
func itemOfSize(t *testing.T, size int) movies.Movie {
	t.Helper()
	ones := `[` + strings.TrimSuffix(strings.Repeat("1,", 130_000), ",") + `]`
	info := func(pad int) string { return `{"l":` + ones + `,"s":"` + strings.Repeat("x", pad) + `"}` }
	m := withInfo(info(0))
	m.Info = json.RawMessage(info(size - itemSize(uncheckedItem(t, &m))))
	if got := itemSize(uncheckedItem(t, &m)); got != size {
		t.Fatalf("item of %d bytes, want %d", got, size)
	}
	return m
}

// itemRules returns every DynamoDB rule on an item's content that the store
// or the domain applies before writing, each at its edge.
func itemRules(t *testing.T) []itemRule {
	x := func(n int) string { return strings.Repeat("x", n) }
	name := func(n string) string { return `{"` + n + `":1}` }
	const max38 = "9.9999999999999999999999999999999999999E+125"
	return []itemRule{
		{name: "attribute name of 65,535 bytes", ok: withInfo(name(x(65535))), bad: ptr(withInfo(name(x(65536)))),
			msg: "info has a key of 65536 bytes"},
		{name: "attribute name in a map in a list", ok: withInfo(`{"a":[{"b":` + name(x(65535)) + `}]}`),
			bad: ptr(withInfo(`{"a":[{"b":` + name(x(65536)) + `}]}`)), msg: "DynamoDB attribute names are at most 65535 bytes"},
		{name: "attribute name length in UTF-8 bytes", ok: withInfo(name(strings.Repeat("é", 32767) + "x")),
			bad: ptr(withInfo(name(strings.Repeat("é", 32768)))), msg: "info has a key of 65536 bytes"},
		{name: "attribute name length after JSON unescaping", ok: withInfo(name(strings.Repeat(`\u0001`, 65535))),
			bad: ptr(withInfo(name(strings.Repeat(`\u0001`, 65536)))), msg: "info has a key of 65536 bytes"},
		{name: "attribute name not empty", ok: withInfo(name("a")), bad: ptr(withInfo(`{"a":{"":1}}`)), msg: "empty key"},
		{name: "number of 38 significant digits", ok: withInfo(`{"n":-1.2345678901234567890123456789012345678}`),
			bad: ptr(withInfo(`{"n":-1.23456789012345678901234567890123456789}`)), msg: "has 39 significant digits"},
		{name: "trailing and leading zeros do not count as digits", ok: withInfo(`{"n":1234567890123456789012345678901234567800000,"m":0.000012345678901234567890123456789012345678}`),
			bad: ptr(withInfo(`{"n":1234567890123456789012345678901234567890000}`)), msg: "has 39 significant digits"},
		{name: "largest number", ok: withInfo(`{"n":` + max38 + `}`), bad: ptr(withInfo(`{"n":1E+126}`)), msg: "out of DynamoDB's range"},
		{name: "smallest positive number", ok: withInfo(`{"n":1E-130}`), bad: ptr(withInfo(`{"n":0.99E-130}`)), msg: "out of DynamoDB's range"},
		{name: "largest negative number", ok: withInfo(`{"n":-` + max38 + `}`), bad: ptr(withInfo(`{"n":-1E+126}`)), msg: "out of DynamoDB's range"},
		{name: "smallest negative number", ok: withInfo(`{"n":-1E-130}`), bad: ptr(withInfo(`{"n":-1E-131}`)), msg: "out of DynamoDB's range"},
		{name: "zero's exponent", ok: withInfo(`{"n":0e-2147483647,"m":0e2147483647}`), bad: ptr(withInfo(`{"n":0e-2147483648}`)),
			msg: "exponent is out of range"},
		{name: "zero's positive exponent", ok: withInfo(`{"n":0e2147483647}`), bad: ptr(withInfo(`{"n":0e2147483648}`)),
			msg: "exponent is out of range"},
		{name: "zero's scale, digits after the point minus the exponent", ok: withInfo(`{"n":0.0e-2147483646}`),
			bad: ptr(withInfo(`{"n":0.0e-2147483647}`)), msg: "exponent is out of range"},
		{name: "item of 400 KB as DynamoDB counts it", ok: itemOfSize(t, movies.MaxRecordBytes),
			bad: ptr(itemOfSize(t, movies.MaxRecordBytes+1)), msg: "409601 bytes in DynamoDB, more than the 409600-byte limit"},
		{name: "sort key (title) of 1,024 bytes", ok: movies.Movie{Year: 2000, Title: x(1024)},
			bad: &movies.Movie{Year: 2000, Title: x(1025)}, msg: "title must be at most 1024 bytes"},
		{name: "sort key length in UTF-8 bytes", ok: movies.Movie{Year: 2000, Title: strings.Repeat("é", 512)},
			bad: &movies.Movie{Year: 2000, Title: strings.Repeat("é", 512) + "x"}, msg: "title must be at most 1024 bytes"},
		{name: "sort key not empty", ok: movies.Movie{Year: 2000, Title: "x"}, bad: &movies.Movie{Year: 2000, Title: ""},
			msg: "title must not be empty"},
		{name: "partition key (year) range", ok: movies.Movie{Year: 9999, Title: "T"}, bad: &movies.Movie{Year: 10000, Title: "T"},
			msg: "year must be an integer from 1 to 9999", looser: true},
		{name: "nesting, the domain's limit", ok: withInfo(nested(movies.MaxInfoDepth)), bad: ptr(withInfo(nested(movies.MaxInfoDepth + 1))),
			msg: "nested more than 30 levels", looser: true},
		{name: "nesting, DynamoDB's limit", ok: withInfo(nested(movies.MaxInfoDepth)), bad: ptr(withInfo(nested(movies.MaxInfoDepth + 2))),
			msg: "nested more than 30 levels"},
		{name: "lists nest as maps do", ok: withInfo(`{"a":` + strings.Repeat("[", movies.MaxInfoDepth-1) + strings.Repeat("]", movies.MaxInfoDepth-1) + `}`),
			bad: ptr(withInfo(`{"a":` + strings.Repeat("[", movies.MaxInfoDepth+1) + strings.Repeat("]", movies.MaxInfoDepth+1) + `}`)),
			msg: "nested more than 30 levels"},
		{name: "empty strings, maps and lists outside the key", ok: withInfo(`{"s":"","m":{},"l":[],"x":[""]}`)},
		{name: "NUL and characters outside the BMP in names and strings", ok: withInfo(`{"\u0000":"\u0000","😀":"😀","\uffff":"\ufffe"}`)},
		{name: "no limit on map entries or list elements but size", ok: withInfo(manyEntries(20_000))},
		{name: "number syntax", ok: withInfo(`{"a":-0,"b":1E+5,"c":0.0,"d":1e-0,"e":0E-0}`)},
	}
}

// manyEntries returns an object of n entries, each a list of one element.
func manyEntries(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":[%d]`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

// TestItemRulesAgreeWithDynamoDBLocal: for every rule on an item's content,
// the store's checks (CheckRecord, which `movies load --dry-run --store
// dynamodb:T` applies, and Put's) accept the movie at the rule's limit and
// DynamoDB Local stores it; one past the limit they refuse with EINVALID and
// a message naming the rule, and DynamoDB Local refuses the item too (unless
// our rule is the stricter one), so a file that validates is never refused
// half-way through a load.
func TestItemRulesAgreeWithDynamoDBLocal(t *testing.T) {
	putItem := tableOfDynamoDBLocal(t, "ItemRules")
	put := func(m *movies.Movie) error { return putItem(uncheckedItem(t, m)) }
	for _, r := range itemRules(t) {
		t.Run(r.name, func(t *testing.T) {
			if err := validate(t, &r.ok); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			if err := put(&r.ok); err != nil {
				t.Errorf("at the limit: DynamoDB Local: %v", err)
			}
			if r.bad == nil {
				return
			}
			err := validate(t, r.bad)
			if movies.ErrorCode(err) != movies.EINVALID || !strings.Contains(movies.ErrorMessage(err), r.msg) {
				t.Errorf("past the limit: %v, want EINVALID with %q", err, r.msg)
			}
			if err := put(r.bad); (err == nil) != r.looser {
				t.Errorf("past the limit: DynamoDB Local: %v (accepting it is expected: %v)", err, r.looser)
			}
		})
	}
}

// tableOfDynamoDBLocal creates the table name in DynamoDB Local for the test
// and returns a function that puts an item into it as it is.
func tableOfDynamoDBLocal(t *testing.T, name string) func(item map[string]types.AttributeValue) error {
	t.Helper()
	client := NewClient(ddblocal.Shared(t).Config())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	if err := CreateTable(ctx, client, TableSpec{Name: name}, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = DeleteTable(context.Background(), client, name, false) })
	return func(item map[string]types.AttributeValue) error {
		_, err := client.PutItem(ctx, &ddb.PutItemInput{TableName: &name, Item: item})
		return err
	}
}

// validate checks m as Put does (movieToItem) and its record as the loader
// does (CheckRecord), which must agree, and returns the error.
func validate(t *testing.T, m *movies.Movie) error {
	t.Helper()
	_, err := movieToItem(m)
	record, merr := json.Marshal(m)
	if _, rerr := CheckRecord(record); merr != nil || movies.ErrorMessage(rerr) != movies.ErrorMessage(err) {
		t.Errorf("movieToItem: %v; CheckRecord of its record: %v (%v)", err, rerr, merr)
	}
	return err
}

// uncheckedItem converts m to an item as movieToItem does but without any
// check, so that DynamoDB Local can be asked about items the store refuses.
func uncheckedItem(t *testing.T, m *movies.Movie) map[string]types.AttributeValue {
	t.Helper()
	item := keyAttrs(m.Key())
	if len(m.Info) == 0 {
		return item
	}
	dec := json.NewDecoder(bytes.NewReader(m.Info))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("info of %s: %v", m.Key(), err)
	}
	item[attrInfo] = uncheckedAttr(v)
	return item
}

func uncheckedAttr(v any) types.AttributeValue {
	switch v := v.(type) {
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}
	case string:
		return &types.AttributeValueMemberS{Value: v}
	case json.Number:
		return &types.AttributeValueMemberN{Value: string(v)}
	case []any:
		l := make([]types.AttributeValue, len(v))
		for i, e := range v {
			l[i] = uncheckedAttr(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(v))
		for k, e := range v {
			m[k] = uncheckedAttr(e)
		}
		return &types.AttributeValueMemberM{Value: m}
	default:
		panic(fmt.Sprintf("unexpected JSON value of type %T", v))
	}
}
