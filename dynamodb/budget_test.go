package dynamodb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/storetest"
)

// TestListStopsReadingAtBudget checks that List stops calling DynamoDB once a
// page reaches ListOptions.MaxBytes: with 20 movies of 300 KB and limit 1000,
// a 1 MB budget reads at most the page plus the rest of one response
// (DynamoDB returns at most 1 MB, so at most 4 such items, per call), where
// reading up to the limit would fetch all 20.
func TestListStopsReadingAtBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 6 MB of movies in -short mode")
	}
	srv := ddblocal.Shared(t)
	s := ddbtest.NewStore(t, srv)
	// A liveness bound only: writing 6 MB to DynamoDB Local on a busy machine is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n, size, budget = 20, 300_000, 1_000_000
	if err := s.Put(ctx, storetest.BigMovies(n, 2000, size)); err != nil {
		t.Fatal(err)
	}
	var read atomic.Int64
	cfg := srv.Config()
	cfg.APIOptions = append(cfg.APIOptions, countItems(&read))
	counted := dynamodb.NewFromConfig(cfg, s.Table())
	const perResponse = 1<<20/size + 1
	for _, year := range []int{0, 2000} { // Scan, Query
		t.Run(fmt.Sprintf("year=%d", year), func(t *testing.T) {
			read.Store(0)
			p, err := counted.List(ctx, movies.ListOptions{Limit: 1000, Year: year, MaxBytes: budget})
			if err != nil {
				t.Fatal(err)
			}
			got := len(p.Movies)
			if got == 0 || got > budget/size || p.Next != movies.EncodeCursor(p.Movies[got-1].Key()) {
				t.Fatalf("page of %d movies, next %q: want at most %d, continued after the last", got, p.Next, budget/size)
			}
			t.Logf("page of %d movies, %d items read", got, read.Load())
			if r := read.Load(); r > int64(got+perResponse) {
				t.Errorf("read %d items from DynamoDB for a page of %d, want at most %d more", r, got, perResponse)
			}
		})
	}
}

// countItems returns an API option that adds the number of items of every
// Scan and Query response to n.
func countItems(n *atomic.Int64) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countItems",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				switch r := out.Result.(type) {
				case *ddb.ScanOutput:
					n.Add(int64(len(r.Items)))
				case *ddb.QueryOutput:
					n.Add(int64(len(r.Items)))
				}
				return out, md, err
			}), middleware.After)
	}
}
