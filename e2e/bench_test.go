package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/sample"
)

// benchKey is the movie every Get benchmark fetches.
var benchKey = movies.Key{Year: 2013, Title: "Rush"}

// Helpers shared by the benchmarks in report_bench_test.go.

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
