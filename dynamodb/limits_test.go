package dynamodb

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
)

// sizedItem returns an item whose info holds copies of elem in a list and a
// string padded so that the item is exactly size bytes as itemSize counts.
func sizedItem(t *testing.T, elem string, size int) map[string]types.AttributeValue {
	t.Helper()
	const n = 2000 // enough to show a miscount of one byte per element
	list := strings.TrimSuffix(strings.Repeat(elem+",", n), ",")
	info := func(pad int) json.RawMessage {
		return json.RawMessage(`{"p":[` + list + `],"s":"` + strings.Repeat("x", pad) + `"}`)
	}
	m := movies.Movie{Year: 2000, Title: "Sized", Info: info(0)}
	m.Info = info(size - itemSize(uncheckedItem(t, &m)))
	item := uncheckedItem(t, &m)
	if got := itemSize(item); got != size {
		t.Fatalf("%s: sized item is %d bytes, want %d", elem, got, size)
	}
	return item
}

// TestItemSizeAgreesWithDynamoDBLocal: for numbers of every shape, maps,
// lists and strings, an item of exactly the limit as itemSize counts it is
// accepted by DynamoDB Local, and one byte more is refused, so that the
// loader's check and the real load agree.
func TestItemSizeAgreesWithDynamoDBLocal(t *testing.T) {
	srv := ddblocal.Shared(t)
	s := NewFromConfig(srv.Config(), "ItemSizeLimit")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := CreateTable(ctx, s.Client(), TableSpec{Name: s.table}, true); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = DeleteTable(context.Background(), s.Client(), s.table, false) }()
	for _, elem := range []string{`1`, `1.5`, `-1`, `100`, `0`, `0.001`,
		`-1.2345678901234567890123456789012345678E-100`, `-12345678901234567890123456789012345678`,
		`null`, `""`, `{}`} {
		for _, size := range []int{movies.MaxRecordBytes, movies.MaxRecordBytes + 1} {
			item := sizedItem(t, elem, size)
			_, err := s.Client().PutItem(ctx, &ddb.PutItemInput{TableName: &s.table, Item: item})
			if (err == nil) != (size <= movies.MaxRecordBytes) {
				t.Errorf("%s, item of %d bytes: DynamoDB Local: %v", elem, size, err)
			}
		}
	}
}
