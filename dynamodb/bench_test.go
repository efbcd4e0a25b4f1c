package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/storetest"
)

const benchInfo = `{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography","Drama","Sport"],"plot":"A re-creation of the merciless 1970s rivalry between Formula One rivals James Hunt and Niki Lauda.","rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl","Chris Hemsworth","Olivia Wilde"]}`

// benchStore returns a new table holding n movies of year 2013.
func benchStore(b *testing.B, n int) movieStore {
	b.Helper()
	s := ddbtest.NewStore(b, ddblocal.Shared(b))
	ms := make([]movies.Movie, n)
	for i := range ms {
		ms[i] = movies.Movie{Year: 2013, Title: fmt.Sprintf("Movie %05d", i), Info: json.RawMessage(benchInfo)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.Put(ctx, ms); err != nil {
		b.Fatalf("Put: %v", err)
	}
	return s
}

// movieStore is the store plus the client and table name the raw benchmark uses.
type movieStore interface {
	movies.Store
	Client() *ddb.Client
	Table() string
}

// BenchmarkGet compares the store's Get with a raw GetItem on the same client,
// so the difference is the store's own cost (key building, item conversion).
func BenchmarkGet(b *testing.B) {
	s := benchStore(b, 1)
	ctx := context.Background()
	k := movies.Key{Year: 2013, Title: "Movie 00000"}
	// Warm up DynamoDB Local's JVM so that the first sub-benchmark is not penalised.
	for range 1000 {
		if _, err := s.Get(ctx, k); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, k); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		in := &ddb.GetItemInput{
			TableName: aws.String(s.Table()),
			Key: map[string]types.AttributeValue{
				"year":  &types.AttributeValueMemberN{Value: "2013"},
				"title": &types.AttributeValueMemberS{Value: k.Title},
			},
		}
		for b.Loop() {
			out, err := s.Client().GetItem(ctx, in)
			if err != nil || out.Item == nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkList measures one full page of 1000 movies, scanned and queried by year.
func BenchmarkList(b *testing.B) {
	s := benchStore(b, movies.MaxLimit)
	ctx := context.Background()
	for _, year := range []int{0, 2013} {
		b.Run(fmt.Sprintf("year=%d/limit=1000", year), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := s.List(ctx, movies.ListOptions{Year: year, Limit: movies.MaxLimit})
				if err != nil || len(p.Movies) != movies.MaxLimit {
					b.Fatalf("List: %d movies, %v", len(p.Movies), err)
				}
			}
		})
	}
}

// sampleRecords returns the records of the AWS sample (where it is absent,
// the generated full-size catalogue) without white space, as the loader
// reads them, and their total size.
func sampleRecords(b *testing.B) ([][]byte, int64) {
	data, err := os.ReadFile(storetest.BenchSample(b).Path)
	if err != nil {
		b.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		b.Fatal(err)
	}
	records, size := make([][]byte, len(raws)), int64(0)
	for i, raw := range raws {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			b.Fatal(err)
		}
		records[i], size = buf.Bytes(), size+int64(buf.Len())
	}
	return records, size
}

// BenchmarkCheckRecord checks every record of the sample as each pass of
// `movies load --store dynamodb:T` does: decoded, checked against the
// domain's and DynamoDB's rules and converted to an item, in one walk.
//
//	go test -run '^$' -bench CheckRecord -count 6 ./dynamodb
func BenchmarkCheckRecord(b *testing.B) {
	records, size := sampleRecords(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, record := range records {
			if _, err := dynamodb.CheckRecord(record); err != nil {
				b.Fatal(err)
			}
		}
	}
}
