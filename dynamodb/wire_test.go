package dynamodb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
)

// everyString holds each class of character the SDK's JSON writer treats in
// its own way: plain ASCII, the five two-byte escapes, other control
// characters and DEL, HTML characters (not escaped), multi-byte UTF-8,
// U+2028 and U+2029, and bytes that are not valid UTF-8.
const everyString = "plain \" \\ \n \r \t \x00 \x01 \x1f \x7f < > & ' / é 世 😀 \u2028 \u2029 \xff \xc3 end"

// wireItems returns items of every attribute type, in every shape Put writes
// and the other types too.
func wireItems(t *testing.T) []map[string]types.AttributeValue {
	t.Helper()
	plot, err := json.Marshal(everyString) // as the loader decodes it: valid UTF-8
	if err != nil {
		t.Fatal(err)
	}
	movie, err := movieToItem(&movies.Movie{Year: 2013, Title: "Rush " + strings.ToValidUTF8(everyString, "?"), Info: json.RawMessage(
		`{"rating":8.3,"rank":-2,"big":12345678901234567890,"tiny":1.5e-10,"genres":["Action","Drama"],` +
			`"plot":` + string(plot) + `,"seen":false,"x":null,"m":{},"l":[],"n":{"a":[[1],{"b":true}]}}`)})
	if err != nil {
		t.Fatal(err)
	}
	return []map[string]types.AttributeValue{
		movie,
		{"year": &types.AttributeValueMemberN{Value: "1"}, "title": &types.AttributeValueMemberS{Value: ""}},
		{
			"year": &types.AttributeValueMemberN{Value: "2000"}, "title": &types.AttributeValueMemberS{Value: everyString},
			everyString: &types.AttributeValueMemberS{Value: everyString},
			"b":         &types.AttributeValueMemberB{Value: []byte("binary\x00\xff")},
			"b0":        &types.AttributeValueMemberB{Value: []byte{}},
			"ss":        &types.AttributeValueMemberSS{Value: []string{"a", everyString}},
			"ns":        &types.AttributeValueMemberNS{Value: []string{"1", "-2.5e3"}},
			"bs":        &types.AttributeValueMemberBS{Value: [][]byte{[]byte("x"), []byte("yz")}},
			"null":      &types.AttributeValueMemberNULL{Value: true},
			"t":         &types.AttributeValueMemberBOOL{Value: true},
			"l":         &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}}},
		},
	}
}

// TestRequestBytesAreTheSDKs: the request size Put computes for a batch is
// the size of the body the SDK sends, byte for byte, for items of every
// type, strings with every kind of escape, one item and several.
func TestRequestBytesAreTheSDKs(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		got.Store(n)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"UnprocessedItems":{}}`)
	}))
	defer srv.Close()
	client := NewClient((&ddblocal.Server{Endpoint: srv.URL}).Config())
	items := wireItems(t)
	batches := [][]map[string]types.AttributeValue{items[:1], items[1:2], items[2:], items}
	for i, batch := range batches {
		for _, table := range []string{"Movies", "a.b-c_D"} {
			t.Run(fmt.Sprintf("%d/%s", i, table), func(t *testing.T) {
				want := batchOverheadBytes(table)
				reqs := make([]types.WriteRequest, len(batch))
				for j, item := range batch {
					reqs[j] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
					want += putRequestBytes(item)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{
					RequestItems: map[string][]types.WriteRequest{table: reqs}}); err != nil {
					t.Fatal(err)
				}
				if got.Load() != int64(want) {
					t.Fatalf("the SDK sent %d bytes, Put counts %d", got.Load(), want)
				}
			})
		}
	}
}

// TestBatchEnds: batches hold at most batchSize items and budget bytes, are
// as full as that allows, keep the items' order, and an item over the
// budget goes alone.
func TestBatchEnds(t *testing.T) {
	repeat := func(size, n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = size
		}
		return s
	}
	tests := []struct {
		name   string
		sizes  []int
		budget int
		want   []int
	}{
		{"none", nil, 100, nil},
		{"one", []int{5}, 100, []int{1}},
		{"count limit", repeat(1, 60), 100, []int{25, 50, 60}},
		{"exactly the budget", []int{40, 60, 1}, 100, []int{2, 3}},
		{"one byte over", []int{40, 61, 1}, 100, []int{1, 3}},
		{"each alone", []int{60, 60, 60}, 100, []int{1, 2, 3}},
		{"over the budget alone", []int{10, 150, 10}, 100, []int{1, 2, 3}},
		{"budget before count", repeat(4, 30), 100, []int{25, 30}},
		{"count before budget", repeat(4, 30), 99, []int{24, 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := batchEnds(tt.sizes, tt.budget); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("batchEnds(%v, %d) = %v, want %v", tt.sizes, tt.budget, got, tt.want)
			}
		})
	}
}

// TestRequestBytesInFlightAreBounded: Put calls from many goroutines at once
// never have more than maxInFlightBytes of requests on the wire together,
// whatever their number; the ordinary calls among them are not held back by
// one another.
func TestRequestBytesInFlightAreBounded(t *testing.T) {
	var mu sync.Mutex
	var inFlight, most int64
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		inFlight += n
		most = max(most, inFlight)
		calls++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight -= n
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = io.WriteString(w, `{"UnprocessedItems":{}}`)
	}))
	defer srv.Close()
	s := NewFromConfig((&ddblocal.Server{Endpoint: srv.URL}).Config(), "Movies")
	ones := `{"l":[` + strings.TrimSuffix(strings.Repeat("1,", 30_000), ",") + `]}` // 300 KB in a request
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms []movies.Movie
			for i := range 2 {
				ms = append(ms, movies.Movie{Year: 2000 + g, Title: fmt.Sprint(i), Info: json.RawMessage(ones)})
			}
			if g%2 == 0 { // small movies
				for i := range ms {
					ms[i].Info = json.RawMessage(`{"rating":1}`)
				}
			}
			errs <- s.Put(ctx, ms)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Eight calls of 600 KB would be 4.8 MB at once.
	if most > maxInFlightBytes || most < 2*300_000 || calls != 16 {
		t.Fatalf("%d calls, at most %d bytes in flight, want 16 and from 600 KB to %d", calls, most, maxInFlightBytes)
	}
}
