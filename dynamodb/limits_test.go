package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
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
	put := tableOfDynamoDBLocal(t, "ItemSizeLimit")
	for _, elem := range []string{`1`, `1.5`, `-1`, `100`, `0`, `0.001`,
		`-1.2345678901234567890123456789012345678E-100`, `-12345678901234567890123456789012345678`,
		`null`, `""`, `{}`} {
		for _, size := range []int{movies.MaxRecordBytes, movies.MaxRecordBytes + 1} {
			item := sizedItem(t, elem, size)
			if err := put(item); (err == nil) != (size <= movies.MaxRecordBytes) {
				t.Errorf("%s, item of %d bytes: DynamoDB Local: %v", elem, size, err)
			}
		}
	}
}
