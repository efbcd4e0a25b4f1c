// Package sample embeds the project's own small movie catalogue (facts only,
// in the AWS movie sample format). `movies serve` seeds an empty embedded store
// with it so that a fresh checkout answers requests at once.
package sample

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/movieskit/movies"
)

// JSON is the sample catalogue as a JSON array in the AWS movie sample format.
//
//go:embed movies.json
var JSON []byte

// Movies decodes and validates the sample catalogue.
func Movies() ([]movies.Movie, error) {
	var ms []movies.Movie
	if err := json.Unmarshal(JSON, &ms); err != nil {
		return nil, fmt.Errorf("sample: decode: %w", err)
	}
	for i := range ms {
		if err := ms[i].Validate(); err != nil {
			return nil, fmt.Errorf("sample: record %d (%s): %w", i, ms[i].Key(), err)
		}
	}
	return ms, nil
}

// Counter is a store that counts its movies cheaply. The embedded store is
// one; a DynamoDB table is not (a count is a full Scan) and is never seeded.
type Counter interface {
	Count(ctx context.Context) (int, error)
}

// SeedIfEmpty puts the sample catalogue into store when store is a Counter
// that holds no movie. It returns how many movies store held before and how
// many it added; both are 0 for a store that cannot count.
func SeedIfEmpty(ctx context.Context, store movies.Store) (held, added int, err error) {
	c, ok := store.(Counter)
	if !ok {
		return 0, 0, nil
	}
	if held, err = c.Count(ctx); err != nil {
		return 0, 0, fmt.Errorf("sample: count movies: %w", err)
	}
	if held > 0 {
		return held, 0, nil
	}
	ms, err := Movies()
	if err != nil {
		return 0, 0, err
	}
	if err := store.Put(ctx, ms); err != nil {
		return 0, 0, fmt.Errorf("sample: seed: %w", err)
	}
	return 0, len(ms), nil
}
