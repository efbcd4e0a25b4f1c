// Package ddbtest creates tables of the movies schema on DynamoDB Local for
// tests: the one place tests get a fresh table from.
package ddbtest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
)

// seq makes table names unique within a test binary; the process id keeps
// them apart between binaries that share a server.
var seq atomic.Int64

// NewTable creates a fresh, empty movies table (year N, title S) with a
// unique name on srv, waits until it is active, and deletes it when the test
// ends (if the server still runs). It returns the table's name.
func NewTable(tb testing.TB, srv *ddblocal.Server) string {
	tb.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), seq.Add(1))
	client := dynamodb.NewClient(srv.Config())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamodb.CreateTable(ctx, client, dynamodb.TableSpec{Name: name}, true); err != nil {
		tb.Fatalf("create table %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = dynamodb.DeleteTable(ctx, client, name, false)
	})
	return name
}

// NewStore is NewTable with a store on the new table.
func NewStore(tb testing.TB, srv *ddblocal.Server) *dynamodb.Store {
	tb.Helper()
	return dynamodb.NewFromConfig(srv.Config(), NewTable(tb, srv))
}
