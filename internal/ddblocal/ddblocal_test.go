package ddblocal_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/movieskit/movies/internal/ddblocal"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

func TestStartStopRestart(t *testing.T) {
	srv := ddblocal.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := dynamodb.NewFromConfig(srv.Config(), func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables after restart: %v", err)
	}
}
