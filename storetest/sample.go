package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/moviedata"
	"github.com/movieskit/movies/internal/repo"
)

// sampleEnv is the environment variable that overrides the path of the full sample.
const sampleEnv = "MOVIES_SAMPLE_DATA"

// SamplePath returns the path of the full AWS movie sample: $MOVIES_SAMPLE_DATA
// when set, else ../shared/data/moviedata.json relative to the repository
// root (repo.Root of the working directory). ok is false when the file does
// not exist.
func SamplePath() (path string, ok bool) {
	if p := os.Getenv(sampleEnv); p != "" {
		return p, isFile(p)
	}
	root, err := repo.Root(".")
	if err != nil {
		return "", false
	}
	p := filepath.Join(filepath.Dir(root), "shared", "data", "moviedata.json")
	return p, isFile(p)
}

// isFile reports whether p names an existing regular file.
func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Sample is a full-size catalogue file in the AWS sample format.
type Sample struct {
	// Name is "aws" for the real AWS sample and "generated" for the
	// generated one; tests use it as the subtest name.
	Name string
	// Path is the file.
	Path string
}

// Samples returns the full-size catalogues a test runs on: the real AWS
// sample when it is present (see SamplePath), and always a generated one of
// the same shape and size (moviedata.Full), written to a temporary file. It
// is the one place that decides which full-size data the tests use.
func Samples(tb testing.TB) []Sample {
	tb.Helper()
	var out []Sample
	if p, ok := SamplePath(); ok {
		out = append(out, Sample{Name: "aws", Path: p})
	}
	return append(out, GeneratedSample(tb))
}

// BenchSample returns the one full-size catalogue a benchmark measures: the
// real AWS sample when present, else the generated one.
func BenchSample(tb testing.TB) Sample {
	tb.Helper()
	return Samples(tb)[0]
}

// GeneratedSample writes the generated full-size catalogue to a temporary
// file removed when tb ends.
func GeneratedSample(tb testing.TB) Sample {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "moviedata.json")
	if err := moviedata.WriteFile(p, moviedata.Full()); err != nil {
		tb.Fatal(err)
	}
	return Sample{Name: "generated", Path: p}
}

// Movies decodes the sample file, failing the test when it cannot be decoded.
func (s Sample) Movies(tb testing.TB) []movies.Movie {
	tb.Helper()
	ms, err := readSample(s.Path)
	if err != nil {
		tb.Fatal(err)
	}
	return ms
}

// SampleMovies decodes the real AWS sample, skipping the test when it is
// absent and failing it when the file cannot be decoded.
func SampleMovies(t testing.TB) []movies.Movie {
	t.Helper()
	p, ok := SamplePath()
	if !ok {
		t.Skipf("full movie sample not found (set %s or place it at ../shared/data/moviedata.json)", sampleEnv)
	}
	return Sample{Name: "aws", Path: p}.Movies(t)
}

// readSample decodes the sample file at p.
func readSample(p string) ([]movies.Movie, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read sample: %w", err)
	}
	var ms []movies.Movie
	if err := json.Unmarshal(data, &ms); err != nil {
		return nil, fmt.Errorf("decode sample %s: %w", p, err)
	}
	if len(ms) == 0 {
		return nil, errors.New("decode sample " + p + ": no movies")
	}
	return ms, nil
}

// RunSample loads each full-size catalogue of Samples (the real AWS sample
// when present, and a generated one) into a new store, walks List with limit
// 1000 and checks that every movie comes back exactly once (in store order
// unless opts.UnorderedList) and that every movie round-trips through Get with
// JSON-semantically equal info.
func RunSample(t *testing.T, open func(t *testing.T) movies.Store, opts Options) {
	for _, sample := range Samples(t) {
		t.Run(sample.Name, func(t *testing.T) {
			ms := sample.Movies(t)
			want := ByKey(ms) // a later duplicate replaces an earlier one, as in Put
			s := open(t)
			ctx := testContext(t, 5*time.Minute)
			if err := s.Put(ctx, ms); err != nil {
				t.Fatalf("Put(%d sample movies): %v", len(ms), err)
			}
			got := walk(t, s, movies.ListOptions{Limit: movies.MaxLimit})
			t.Logf("%s sample: %d records, %d distinct keys, %d listed", sample.Name, len(ms), len(want), len(got))
			checkListing(t, got, want, !opts.UnorderedList)
			checkGets(ctx, t, s, "Get", slices.Collect(maps.Values(want)))
		})
	}
}
