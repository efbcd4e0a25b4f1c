package rietest

import (
	"context"
	"testing"
	"time"

	"github.com/movieskit/movies/gateway/riepool"
)

// NewPool builds the bootstrap package pkg (see BuildPackage) and starts a
// riepool.Pool of size processes for each function, with env added to the
// function's environment; the pool is closed when the test ends. It skips the
// test when aws-lambda-rie is not installed, and fails it under CI=true (see
// RIEPath). A test runs the real bootstrap with:
//
//	inv := rietest.NewPool(t, "../cmd/bootstrap", deploy.FunctionNames(), 2,
//		"TABLE_NAME=Movies", "AWS_ENDPOINT_URL_DYNAMODB="+endpoint, ...)
func NewPool(tb testing.TB, pkg string, functions []string, size int, env ...string) *riepool.Pool {
	tb.Helper()
	RIEPath(tb) // skip before building
	return StartPool(tb, BuildPackage(tb, pkg), functions, size, env...)
}

// StartPool is NewPool for a bootstrap binary already built, such as one
// built with the image's flags.
func StartPool(tb testing.TB, bootstrap string, functions []string, size int, env ...string) *riepool.Pool {
	tb.Helper()
	rie := RIEPath(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := riepool.New(ctx, riepool.Config{RIE: rie, Bootstrap: bootstrap, Functions: functions, Size: size, Env: env})
	if err != nil {
		tb.Fatalf("start the aws-lambda-rie pool: %v", err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("close the aws-lambda-rie pool: %v", err)
		}
	})
	return p
}
