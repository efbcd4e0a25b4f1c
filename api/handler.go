// Package api holds the Lambda handlers of the movie catalogue: one handler per
// entry of the routes table, each taking an API Gateway HTTP API (payload 2.0)
// event and answering with JSON. Domain errors become HTTP statuses through the
// one table in StatusCode; internal details go to the log, never to a response.
package api

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
)

// Defaults for a Handler's tunables.
const (
	// DefaultMaxBodyBytes is the response body budget: below Lambda's 6 MB
	// synchronous response limit with room for headers and the event envelope.
	DefaultMaxBodyBytes = 5_500_000
	// DefaultTimeout bounds the store calls of one request, below API
	// Gateway's 30-second integration timeout.
	DefaultTimeout = 10 * time.Second
)

// HandlerFunc is the Lambda handler signature for API Gateway HTTP API payload 2.0.
type HandlerFunc func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Handler serves the routes table from a movies.Store. It is safe for
// concurrent use once its fields are set.
type Handler struct {
	store  movies.Store
	logger *slog.Logger

	// MaxBodyBytes is the largest response body List produces; a page that
	// would be larger is cut short and continued by its cursor.
	MaxBodyBytes int
	// Timeout bounds the store calls of one request.
	Timeout time.Duration
}

// New returns a Handler that reads from store and logs to logger.
// A nil logger logs JSON to stderr.
func New(store movies.Store, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return &Handler{
		store:        store,
		logger:       logger,
		MaxBodyBytes: DefaultMaxBodyBytes,
		Timeout:      DefaultTimeout,
	}
}

// Funcs returns the handler for every handler name of the routes table,
// keyed by HandlerList and HandlerGet.
func (h *Handler) Funcs() map[string]HandlerFunc {
	return map[string]HandlerFunc{
		HandlerList: h.List,
		HandlerGet:  h.Get,
	}
}

// Func returns the handler named name and whether there is one.
func (h *Handler) Func(name string) (HandlerFunc, bool) {
	fn, ok := h.Funcs()[name]
	return fn, ok
}

// storeContext derives the context for the store calls of one request.
func (h *Handler) storeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if h.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, h.Timeout)
}
