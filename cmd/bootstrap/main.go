// Command bootstrap is the one Lambda binary of the movie catalogue. The
// function's handler name, "list" or "get", comes from its first argument (the
// image CMD) or else from _HANDLER. It connects to the DynamoDB table named by
// TABLE_NAME (default Movies) once, at init, with the region, credentials and
// optional AWS_ENDPOINT_URL_DYNAMODB that Lambda (or the test harness) puts in
// its environment, logs to stdout with the request id at the level and in the
// format of the function's logging configuration (AWS_LAMBDA_LOG_LEVEL,
// AWS_LAMBDA_LOG_FORMAT; JSON at INFO without them), and serves Lambda
// invocations.
//
// Build it with `movies image build` or `make bootstrap`; the build flags are
// bootstrap.Flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/dynamodb"
)

// initTimeout bounds building the store during the function's init phase.
const initTimeout = 10 * time.Second

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, newStore, lambda.Start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bootstrap:", err)
		var u *usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// storeFunc builds the store for a table from the environment.
type storeFunc func(ctx context.Context, getenv func(string) string, table string) (movies.Store, error)

// newStore is the production storeFunc: DynamoDB, configured from the Lambda environment.
func newStore(_ context.Context, getenv func(string) string, table string) (movies.Store, error) {
	cfg, err := awsConfig(getenv)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg, table), nil
}

// run selects the handler, builds the store and logger, and hands the handler
// to start, which serves invocations (lambda.Start never returns).
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, newStore storeFunc, start func(handler any)) error {
	name, err := handlerName(args, getenv)
	if err != nil {
		return err
	}
	table := getenv("TABLE_NAME")
	if table == "" {
		table = deploy.Table
	}
	logger := newLogger(stdout, getenv).With("handler", name)
	ctx, cancel := context.WithTimeout(ctx, initTimeout)
	defer cancel()
	store, err := newStore(ctx, getenv, table)
	if err != nil {
		return fmt.Errorf("open table %s: %w", table, err)
	}
	fn, ok := api.Functions(store, logger)[name]
	if !ok { // handlerName checked the routes table; this means api and routes disagree
		return fmt.Errorf("api has no handler %q", name)
	}
	start(fn)
	return nil
}

// usageError is a bad invocation of the binary; main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// handlerName returns the handler to run: args[0], else $_HANDLER. It must be
// one of deploy.FunctionNames().
func handlerName(args []string, getenv func(string) string) (string, error) {
	valid := deploy.FunctionNames()
	name := getenv("_HANDLER")
	if len(args) > 0 {
		name = args[0]
	}
	if name == "" {
		return "", &usageError{fmt.Sprintf("no handler name: pass one as the first argument or in _HANDLER (valid: %s)", strings.Join(valid, ", "))}
	}
	for _, v := range valid {
		if name == v {
			return name, nil
		}
	}
	return "", &usageError{fmt.Sprintf("unknown handler %q (valid: %s)", name, strings.Join(valid, ", "))}
}
