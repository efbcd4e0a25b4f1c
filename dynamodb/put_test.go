package dynamodb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/faultproxy"
)

// onesMovie returns a movie whose info is a list of n ones: DynamoDB counts
// about 3 bytes per one, the request carries 10 ({"N":"1"},).
func onesMovie(t *testing.T, title string, n int) movies.Movie {
	t.Helper()
	m := movies.Movie{Year: 2000, Title: title, Info: json.RawMessage(`{"l":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}`)}
	if record, err := json.Marshal(m); err != nil {
		t.Fatal(err)
	} else if _, err := dynamodb.CheckRecord(record); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPutSplitsByRequestBytes: movies within DynamoDB's 400 KB item size
// but 600 KB each in the request (60,000 ones) are written in calls of at
// most 3 (1.8 MB; 4 would be 2.4 MB, over 2 MiB), and all arrive. They used
// to go in calls of 25 by count alone, which DynamoDB refuses past its 16 MB
// request limit (HTTP 413 from DynamoDB Local for 13 movies of 1.34 MB).
func TestPutSplitsByRequestBytes(t *testing.T) {
	srv := ddblocal.Shared(t)
	var calls, most atomic.Int64
	cfg := srv.Config()
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("count",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*ddb.BatchWriteItemInput); ok {
					calls.Add(1)
					for _, reqs := range p.RequestItems {
						if n := int64(len(reqs)); n > most.Load() {
							most.Store(n)
						}
					}
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
	s := dynamodb.NewFromConfig(cfg, ddbtest.NewTable(t, srv))
	const n = 4
	ms := make([]movies.Movie, n)
	for i := range ms {
		ms[i] = onesMovie(t, fmt.Sprintf("Ones %02d", i), 60_000)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.Put(ctx, ms); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if calls.Load() < 2 || most.Load() != 3 {
		t.Errorf("%d BatchWriteItem calls of at most %d items, want 2 (3 items and 1) or more of at most 3", calls.Load(), most.Load())
	}
	if got := len(listAll(t, s, movies.ListOptions{Limit: 10})); got != n {
		t.Fatalf("the table holds %d movies, want %d", got, n)
	}
}

// TestPutRetriesFailuresInTransit: connections reset before a call reaches
// DynamoDB, or after it has written the items but before the answer, are
// retried like throttling, and every retry is counted: one per fault.
func TestPutRetriesFailuresInTransit(t *testing.T) {
	srv := ddblocal.Shared(t)
	table := ddbtest.NewTable(t, srv)
	proxy, err := faultproxy.Start(faultproxy.Config{Upstream: srv.Endpoint, Seed: 5, Reset: 0.2, LostResponse: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	cfg := srv.Config()
	cfg.BaseEndpoint = &proxy.URL
	s := dynamodb.NewFromConfig(cfg, table)
	ms := make([]movies.Movie, 500)
	for i := range ms {
		ms[i] = movies.Movie{Year: 2000 + i%7, Title: fmt.Sprintf("Movie %03d", i)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.Put(ctx, ms); err != nil {
		t.Fatalf("Put: %v (proxy %+v)", err, proxy.Counts())
	}
	c := proxy.Counts()
	if faults := c.Resets + c.LostResponses; faults == 0 || s.Retries() != faults {
		t.Errorf("%d retries counted, want %d (%d resets, %d lost answers)", s.Retries(), faults, c.Resets, c.LostResponses)
	}
	if got := len(listAll(t, dynamodb.NewFromConfig(srv.Config(), table), movies.ListOptions{Limit: 100})); got != len(ms) {
		t.Fatalf("the table holds %d movies, want %d", got, len(ms))
	}
}
