// Package api is the movie catalogue's HTTP API as its Lambda functions see
// it: the functions that serve the routes of deploy.Routes (Functions), each
// taking an API Gateway HTTP API (payload 2.0) event and answering with JSON;
// the one table from domain errors to HTTP statuses (StatusCode), internal
// details going to the log, never to a response; the URL forms of a movie
// (GetPath, GetQuery); and the description of the parameters and functions
// that package api/openapi publishes.
package api

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
)

// defaultTimeout bounds the store calls of one request, below API Gateway's
// 30-second integration timeout.
const defaultTimeout = 10 * time.Second

// Functions returns the function of every name of the routes table, keyed by
// deploy.FunctionList and deploy.FunctionGet, serving from store and logging to logger.
// A nil logger logs JSON to stderr. The functions are safe for concurrent use.
func Functions(store movies.Store, logger *slog.Logger) map[string]deploy.Function {
	s := newServer(store, logger)
	return map[string]deploy.Function{
		deploy.FunctionList: s.list,
		deploy.FunctionGet:  s.get,
	}
}

// server serves the routes table from a movies.Store.
type server struct {
	store  movies.Store
	logger *slog.Logger
	// maxResponseBytes is the largest response list produces, as json.Marshal
	// writes it, its body escaped as a JSON string; the store is asked for a
	// page that fits in it, and continues it with its cursor.
	maxResponseBytes int
	// timeout bounds the store calls of one request.
	timeout time.Duration
}

// newServer returns a server that reads from store and logs to logger, or
// JSON to stderr when logger is nil.
func newServer(store movies.Store, logger *slog.Logger) *server {
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return &server{store: store, logger: logger, maxResponseBytes: deploy.MaxPayloadBytes, timeout: defaultTimeout}
}

// storeContext derives the context for the store calls of one request.
func (s *server) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.timeout)
}
