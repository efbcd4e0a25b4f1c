package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

var shared struct {
	once sync.Once
	srv  *Server
	err  error
}

// Shared returns one DynamoDB Local server for the whole test binary, starting
// it on first use. When the jar is not installed the test is skipped with a
// message that says to run `make test`; under CI=true it fails instead.
// Call Main from TestMain so the server is stopped when the tests end.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		shared.srv, shared.err = Start(ctx)
	})
	if shared.err != nil {
		skipOrFail(tb, shared.err)
	}
	return shared.srv
}

// StartForTest starts a DynamoDB Local server of the test's own, one it may
// stop and restart, and stops it when the test ends. It skips or fails the
// test as Shared does.
func StartForTest(tb testing.TB) *Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv, err := Start(ctx)
	if err != nil {
		skipOrFail(tb, err)
	}
	tb.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// skipOrFail ends the test for a server that did not start: a skip that says
// to run `make test` when DynamoDB Local is not installed, except under
// CI=true, where that fails the test as any other error does.
func skipOrFail(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") != "true" {
		tb.Skipf("skipping DynamoDB Local test: %v", err)
	}
	tb.Fatalf("DynamoDB Local: %v", err)
}

// Main runs the tests and then stops the shared server, if one was started.
// Use it as: func TestMain(m *testing.M) { ddblocal.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "ddblocal:", err)
		}
	}
	os.Exit(code)
}
