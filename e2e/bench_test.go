package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/sample"
)

// benchKey is the movie every Get benchmark fetches.
var benchKey = movies.Key{Year: 2013, Title: "Rush"}

// seed puts the built-in sample catalogue into store.
func seed(b *testing.B, store movies.Store) {
	b.Helper()
	ms, err := sample.Movies()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := store.Put(ctx, ms); err != nil {
		b.Fatal(err)
	}
}

// fetch GETs url and fails the benchmark unless the answer is 200.
func fetch(b *testing.B, client *http.Client, url string) {
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
}

// BenchmarkGetDynamoDB compares, in one run on one DynamoDB Local table, a raw
// SDK GetItem with GET /get through the local gateway and the API handlers.
// The ratio gateway/raw is the cost the local stack adds to a DynamoDB read.
func BenchmarkGetDynamoDB(b *testing.B) {
	store := openDynamoDB(b).(*dynamodb.Store)
	seed(b, store)
	client := dynamodb.NewClient(ddblocal.Shared(b).Config())
	key := map[string]types.AttributeValue{
		"year":  &types.AttributeValueMemberN{Value: fmt.Sprint(benchKey.Year)},
		"title": &types.AttributeValueMemberS{Value: benchKey.Title},
	}
	b.Run("raw-GetItem", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			out, err := client.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(store.Table()), Key: key})
			if err != nil || out.Item == nil {
				b.Fatalf("GetItem: %v", err)
			}
		}
	})
	srv := newServer(b, store)
	b.Run("gateway", func(b *testing.B) {
		url := fmt.Sprintf("%s/get/%d/%s", srv.URL, benchKey.Year, benchKey.Title)
		c := srv.Client()
		for b.Loop() {
			fetch(b, c, url)
		}
	})
}

// BenchmarkThroughput compares requests per second, with the same client and
// the same parallelism, of a bare net/http hello-world and of GET /get through
// the gateway on the embedded store.
func BenchmarkThroughput(b *testing.B) {
	hello := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	b.Cleanup(hello.Close)
	store := openBolt(b)
	seed(b, store)
	gw := newServer(b, store)
	for _, s := range []struct {
		name, url string
		client    *http.Client
	}{
		{"hello-world", hello.URL + "/", hello.Client()},
		{"gateway-embedded", fmt.Sprintf("%s/get/%d/%s", gw.URL, benchKey.Year, benchKey.Title), gw.Client()},
	} {
		b.Run(s.name, func(b *testing.B) {
			s.client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					fetch(b, s.client, s.url)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
