package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/bolt"
	"github.com/movieskit/movies/dynamodb"
)

// Store specs select a backend: file:PATH (the embedded store) or dynamodb:TABLE.
const (
	defaultStore = "file:movies.db"
	storeEnv     = "MOVIES_STORE"
	storeHelp    = "store: file:PATH (embedded) or dynamodb:TABLE; $MOVIES_STORE sets the default"
)

// defaultStoreSpec returns $MOVIES_STORE, or file:movies.db when it is unset.
func defaultStoreSpec() string {
	if s := os.Getenv(storeEnv); s != "" {
		return s
	}
	return defaultStore
}

// storeSpec is a parsed store spec.
type storeSpec struct {
	kind string // "file" or "dynamodb"
	arg  string // the path or the table name
}

// parseStoreSpec parses "file:PATH" or "dynamodb:TABLE".
func parseStoreSpec(spec string) (storeSpec, error) {
	kind, arg, ok := strings.Cut(spec, ":")
	if !ok || arg == "" || (kind != "file" && kind != "dynamodb") {
		return storeSpec{}, fmt.Errorf("invalid store %q: want file:PATH or dynamodb:TABLE", spec)
	}
	if kind == "dynamodb" {
		if err := dynamodb.ValidateTableName(arg); err != nil {
			return storeSpec{}, fmt.Errorf("invalid store %q: %w", spec, err)
		}
	}
	return storeSpec{kind: kind, arg: arg}, nil
}

// closeStore closes s for a deferred call. A failure to close is added to
// *errp; when Close succeeds *errp is left exactly as it was.
func closeStore(s movies.Store, errp *error) {
	if err := s.Close(); err != nil {
		*errp = errors.Join(*errp, fmt.Errorf("close store: %w", err))
	}
}

// openStore opens the store that spec names.
func openStore(ctx context.Context, spec string) (movies.Store, error) {
	s, err := parseStoreSpec(spec)
	if err != nil {
		return nil, err
	}
	switch s.kind {
	case "file":
		st, err := bolt.Open(s.arg)
		if err != nil {
			return nil, fmt.Errorf("open embedded store %s: %w", s.arg, err)
		}
		return st, nil
	default:
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("open DynamoDB table %s: load AWS configuration: %w", s.arg, err)
		}
		return dynamodb.NewFromConfig(cfg, s.arg), nil
	}
}
