package sample_test

import (
	"testing"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/sample"
)

func TestMovies(t *testing.T) {
	ms, err := sample.Movies()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 20 {
		t.Fatalf("sample has %d movies, want at least 20", len(ms))
	}
	seen := map[movies.Key]bool{}
	for _, m := range ms {
		if seen[m.Key()] {
			t.Errorf("duplicate key %s", m.Key())
		}
		seen[m.Key()] = true
		if len(m.Info) == 0 {
			t.Errorf("%s has no info", m.Key())
		}
	}
	for _, k := range []movies.Key{{Year: 1997, Title: "Face/Off"}, {Year: 2013, Title: "Rush"}, {Year: 1996, Title: "Romeo + Juliet"}} {
		if !seen[k] {
			t.Errorf("sample lacks %s, which the README's examples use", k)
		}
	}
}

func TestSeedIfEmpty(t *testing.T) {
	ctx := t.Context()
	store := bolttest.Open(t)
	ms, err := sample.Movies()
	if err != nil {
		t.Fatal(err)
	}

	// A store that cannot count (as DynamoDB) is left alone.
	if held, added, err := sample.SeedIfEmpty(ctx, struct{ movies.Store }{store}); err != nil || held != 0 || added != 0 {
		t.Fatalf("SeedIfEmpty(store without Count) = %d, %d, %v; want 0, 0, nil", held, added, err)
	}
	if n, _ := store.Count(ctx); n != 0 {
		t.Fatalf("a store without Count was seeded: %d movies", n)
	}
	// An empty store is seeded with the whole sample.
	if held, added, err := sample.SeedIfEmpty(ctx, store); err != nil || held != 0 || added != len(ms) {
		t.Fatalf("SeedIfEmpty(empty) = %d, %d, %v; want 0, %d, nil", held, added, err, len(ms))
	}
	// A store that holds movies is not seeded again.
	if err := store.Put(ctx, []movies.Movie{{Year: 2001, Title: "Extra", Info: []byte(`{"rating":7}`)}}); err != nil {
		t.Fatal(err)
	}
	if held, added, err := sample.SeedIfEmpty(ctx, store); err != nil || held != len(ms)+1 || added != 0 {
		t.Fatalf("SeedIfEmpty(full) = %d, %d, %v; want %d, 0, nil", held, added, err, len(ms)+1)
	}
}
