package loader

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/faultproxy"
	"github.com/movieskit/movies/storetest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

// storeAt returns a DynamoDB store on table that talks to endpoint (DynamoDB Local or a proxy to it).
func storeAt(srv *ddblocal.Server, endpoint, table string) *dynamodb.Store {
	cfg := srv.Config()
	cfg.BaseEndpoint = aws.String(endpoint)
	return dynamodb.NewFromConfig(cfg, table)
}

func openFile(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

// writeFile writes a generated file of n movies and returns its path.
func writeFile(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "movies.json")
	if err := os.WriteFile(path, []byte(genFile(n)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readMovies decodes a movie file with the loader's own scanner.
func readMovies(t testing.TB, path string) []movies.Movie {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ms []movies.Movie
	err = split(f, func(i int, raw []byte, _ int64) error {
		m, _, err := movies.ParseMovie(raw, nil)
		ms = append(ms, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// checkExactItems lists the whole store and checks it holds exactly want.
func checkExactItems(t testing.TB, s movies.Store, want []movies.Movie) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wantBy := make(map[movies.Key]movies.Movie, len(want))
	for _, m := range want {
		wantBy[m.Key()] = m
	}
	got := 0
	opts := movies.ListOptions{Limit: movies.MaxLimit}
	for {
		page, err := s.List(ctx, opts)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, m := range page.Movies {
			got++
			w, ok := wantBy[m.Key()]
			if !ok {
				t.Fatalf("store has %s, which is not in the file", m.Key())
			}
			if eq, err := storetest.EqualJSON(m.Info, w.Info); err != nil || !eq {
				t.Fatalf("%s: info %s, want %s (%v)", m.Key(), m.Info, w.Info, err)
			}
		}
		if page.Next == "" {
			break
		}
		opts.Cursor = page.Next
	}
	if got != len(want) {
		t.Fatalf("store has %d movies, want %d", got, len(want))
	}
}

func loadCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestLoadIntoBolt(t *testing.T) {
	path := writeFile(t, 1234)
	s := bolttest.Open(t)
	st, err := Load(loadCtx(t), openFile(path), s, Options{})
	if err != nil || st.Written != 1234 {
		t.Fatalf("Load: %+v %v", st, err)
	}
	checkExactItems(t, s, readMovies(t, path))
}

// TestLoadSampleIntoDynamoDBLocal loads each full-size catalogue (the real
// AWS sample when present, and a generated one) and checks the table holds
// exactly its movies.
func TestLoadSampleIntoDynamoDBLocal(t *testing.T) {
	srv := ddblocal.Shared(t)
	for _, sample := range storetest.Samples(t) {
		t.Run(sample.Name, func(t *testing.T) {
			s := storeAt(srv, srv.Endpoint, ddbtest.NewTable(t, srv))
			st, err := Load(loadCtx(t), openFile(sample.Path), s, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := readMovies(t, sample.Path)
			if st.Written != len(want) || st.Read != len(want) {
				t.Fatalf("stats %+v, want %d", st, len(want))
			}
			t.Logf("loaded %d movies in %v", st.Written, st.Elapsed)
			checkExactItems(t, s, want)
		})
	}
}

func TestLoadThroughFaults(t *testing.T) {
	srv := ddblocal.Shared(t)
	const n = 600
	path := writeFile(t, n)
	want := readMovies(t, path)
	tests := []struct {
		name  string
		cfg   faultproxy.Config
		check func(faultproxy.Counts) bool
	}{
		{"throttling 0.3", faultproxy.Config{Throttle: 0.3}, func(c faultproxy.Counts) bool { return c.Throttled > 0 }},
		{"unprocessed 0.5", faultproxy.Config{Unprocessed: 0.5}, func(c faultproxy.Counts) bool { return c.WithheldItems > 0 }},
		{"resets 0.1", faultproxy.Config{Reset: 0.1}, func(c faultproxy.Counts) bool { return c.Resets > 0 }},
		{"lost responses 0.1", faultproxy.Config{LostResponse: 0.1}, func(c faultproxy.Counts) bool { return c.LostResponses > 0 }},
		{"latency", faultproxy.Config{Latency: 20 * time.Millisecond, LatencyShare: 0.5}, func(c faultproxy.Counts) bool { return c.Delayed > 0 }},
		{"all at once", faultproxy.Config{Throttle: 0.3, Unprocessed: 0.5, Reset: 0.1, LostResponse: 0.05, Latency: 5 * time.Millisecond},
			func(c faultproxy.Counts) bool { return c.Throttled > 0 && c.WithheldItems > 0 && c.Resets > 0 }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := ddbtest.NewTable(t, srv)
			tt.cfg.Upstream, tt.cfg.Seed = srv.Endpoint, uint64(i+1)
			p, err := faultproxy.Start(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = p.Close() })
			st, err := Load(loadCtx(t), openFile(path), storeAt(srv, p.URL, table), Options{})
			if err != nil {
				t.Fatalf("Load: %v (proxy %+v)", err, p.Counts())
			}
			c := p.Counts()
			t.Logf("stats %+v, proxy %+v", st, c)
			if st.Written != n || !tt.check(c) {
				t.Fatalf("written %d, proxy counts %+v", st.Written, c)
			}
			checkExactItems(t, storeAt(srv, srv.Endpoint, table), want)
		})
	}
}

// cancelAfter is a Writer that cancels a context after its n-th successful Put.
type cancelAfter struct {
	Writer
	n      int64
	puts   atomic.Int64
	cancel context.CancelFunc
}

func (w *cancelAfter) Put(ctx context.Context, ms []movies.Movie) error {
	err := w.Writer.Put(ctx, ms)
	if err == nil && w.puts.Add(1) == w.n {
		w.cancel()
	}
	return err
}

func TestLoadInterruptedThenRerunDynamoDB(t *testing.T) {
	srv := ddblocal.Shared(t)
	const n = 1500
	path := writeFile(t, n)
	s := storeAt(srv, srv.Endpoint, ddbtest.NewTable(t, srv))
	ctx, cancel := context.WithCancel(loadCtx(t))
	defer cancel()
	st, err := Load(ctx, openFile(path), &cancelAfter{Writer: s, n: 8, cancel: cancel}, Options{Workers: 4})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted load: err = %v, want context.Canceled", err)
	}
	if st.Written < 8*DefaultBatchSize || st.Written >= n {
		t.Fatalf("interrupted load wrote %d of %d", st.Written, n)
	}
	t.Logf("interrupted after %d movies: %v", st.Written, err)
	st, err = Load(loadCtx(t), openFile(path), s, Options{})
	if err != nil || st.Written != n {
		t.Fatalf("rerun: %+v %v", st, err)
	}
	checkExactItems(t, s, readMovies(t, path))
}
