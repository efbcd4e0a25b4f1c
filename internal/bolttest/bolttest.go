// Package bolttest gives tests a fresh embedded store, as package ddbtest
// gives them a fresh DynamoDB Local table.
package bolttest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/bolt"
)

// Open opens a store in a new file under the test's temporary directory,
// holding ms, and closes it when the test ends.
func Open(tb testing.TB, ms ...movies.Movie) *bolt.Store {
	tb.Helper()
	s, err := bolt.Open(filepath.Join(tb.TempDir(), "movies.db"))
	if err != nil {
		tb.Fatalf("open the embedded store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close the embedded store: %v", err)
		}
	})
	if len(ms) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Put(ctx, ms); err != nil {
			tb.Fatalf("put %d movies: %v", len(ms), err)
		}
	}
	return s
}
