package dynamodb_test

import (
	"testing"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/storetest"
)

// openTable is the storetest opener: a new, empty table on the shared DynamoDB Local.
func openTable(t *testing.T) movies.Store { return ddbtest.NewStore(t, ddblocal.Shared(t)) }

func TestContract(t *testing.T) {
	storetest.Run(t, openTable, storetest.Options{UnorderedList: true})
}

func TestSample(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the full sample in -short mode")
	}
	storetest.RunSample(t, openTable, storetest.Options{UnorderedList: true})
}
