// Package sample embeds the project's own small movie catalogue (facts only,
// in the AWS movie sample format). `movies serve` seeds an empty embedded store
// with it so that a fresh checkout answers requests at once.
package sample

import (
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
