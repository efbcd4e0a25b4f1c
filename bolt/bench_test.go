package bolt

import (
	"context"
	"fmt"
	"testing"

	"github.com/movieskit/movies"
)

// benchMovies returns n sample-shaped movies over 10 years.
func benchMovies(n, salt int) []movies.Movie {
	ms := make([]movies.Movie, n)
	for i := range ms {
		ms[i] = movies.Movie{
			Year:  2000 + i%10,
			Title: fmt.Sprintf("Movie %d-%d", salt, i),
			Info:  []byte(`{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography","Drama","Sport"],"image_url":"http://ia.media-imdb.com/images/M/MV5BMTQyMDE0MTY0OV5BMl5BanBnXkFtZTcwMjI2OTI0OQ@@._V1_SX400_.jpg","plot":"A re-creation of the merciless 1970s rivalry between Formula One rivals James Hunt and Niki Lauda.","rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl","Chris Hemsworth","Olivia Wilde"]}`),
		}
	}
	return ms
}

// seededStore returns a store holding n benchmark movies.
func seededStore(b *testing.B, n int) (*Store, []movies.Movie) {
	s := openTemp(b)
	ms := benchMovies(n, 0)
	if err := s.Put(context.Background(), ms); err != nil {
		b.Fatal(err)
	}
	return s, ms
}

func BenchmarkGet(b *testing.B) {
	s, ms := seededStore(b, 5000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, ms[i%len(ms)].Key()); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkList100(b *testing.B) {
	s, _ := seededStore(b, 5000)
	ctx := context.Background()
	b.ReportAllocs()
	var cursor string
	for b.Loop() {
		p, err := s.List(ctx, movies.ListOptions{Limit: 100, Cursor: cursor})
		if err != nil {
			b.Fatal(err)
		}
		cursor = p.Next // walk the store, starting over at the end
	}
}

func BenchmarkPutBatch1000(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	batches := make([][]movies.Movie, 16)
	for i := range batches {
		batches[i] = benchMovies(1000, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Put(ctx, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
