package sample_test

import (
	"testing"

	"github.com/movieskit/movies"
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
