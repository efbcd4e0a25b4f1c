package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"time"

	"github.com/movieskit/movies/deploy"
)

// Defaults applied by New and NewEvent to a zero Config field.
const (
	// defaultAccountID is the account id in AWS's documentation examples.
	defaultAccountID = "123456789012"
	// defaultAPIID is a well-formed HTTP API id (ten lower-case letters and digits).
	defaultAPIID = "l0ca1movie"
	// defaultStage is the stage of an HTTP API's default route table.
	defaultStage = "$default"
)

// The gateway's limits (Lambda's own are in invoke.go).
const (
	// MaxRequestBytes is API Gateway's request payload limit (10 MB).
	MaxRequestBytes = 10 << 20
	// HeaderQuotaBytes is API Gateway's quota on the request line plus the
	// header values of one request, 10,240 bytes, which cannot be raised in
	// the cloud; a request over it gets 431 (docs/FIDELITY.md). Header
	// names, colons and line ends are not counted (requestHeaderBytes).
	HeaderQuotaBytes = 10240
	// MaxQueryParameters bounds the parameters of one query string; a
	// request with more gets 400. A local bound, far above what the routes
	// use, that keeps a hostile query from costing more than a glance.
	MaxQueryParameters = 1000
	// MaxHeaderFields bounds the header lines of one request; a request
	// with more gets 431. A local bound, like MaxQueryParameters.
	MaxHeaderFields = 500
	// MaxBytesInFlight bounds the response bytes of all requests at once,
	// 16 times Lambda's 6 MB: an invocation holds Lambda's 6 MB from its
	// start until its function returns (past the integration timeout, or
	// its client's going, for a function that ignores its context), then
	// the size of the body until the body is written or the client is
	// gone. So at most 16 invocations run at once. A request that finds the
	// budget taken waits for it within its integration timeout, then gets
	// 503. A local bound, like MaxQueryParameters.
	MaxBytesInFlight = 16 * MaxPayloadBytes
)

// Config of the gateway. Zero fields take the documented defaults.
type Config struct {
	// Routes is the routes table; nil means deploy.Routes.
	Routes []deploy.Route
	// Invoker runs the functions named by the routes. Required.
	Invoker Invoker
	// Timeout bounds each invocation; past it the gateway answers 503.
	// Zero means DefaultTimeout, API Gateway's maximum.
	Timeout time.Duration
	// Logger receives the access log, one line per request, and integration
	// errors. Nil discards them.
	Logger *slog.Logger
	// AccountID, APIID and Stage fill the event's requestContext. Zero values
	// mean 123456789012 (the account id in AWS's documentation examples),
	// l0ca1movie and $default (the stage of the default route table).
	AccountID, APIID, Stage string
	// CORS is the API's CORS configuration; the zero value is off, as in
	// the cloud.
	CORS deploy.CORS
	// Throttle, when set, throttles each route as the deployed stage does:
	// a token bucket per route; a request that finds its route's bucket
	// empty gets 429. Nil does not throttle, for local load tests; the
	// deployed API always throttles (deploy.DefaultThrottle unless set).
	// Its Rate and Burst must pass deploy.ValidateRate and
	// deploy.ValidateBurst, as the CLI checks them: a Burst of 0 refuses
	// every request, as a stage with that setting would.
	Throttle *deploy.Throttle
	// HeaderQuota is the most bytes of request line and header values a
	// request may have; zero means HeaderQuotaBytes, the cloud's quota.
	// More is for local experiments only, up to MaxHeaderBytes.
	HeaderQuota int
	// Now returns the request time, which also refills the throttle's
	// buckets; nil means time.Now. Fix it for golden tests.
	Now func() time.Time
	// NewRequestID returns a request id unique per request; nil means
	// NewRequestID. Fix it for golden tests.
	NewRequestID func() string

	// maxBytesInFlight is the response budget; zero means MaxBytesInFlight.
	// Tests set less; it must be at least MaxPayloadBytes.
	maxBytesInFlight int64
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if cfg.Routes == nil {
		cfg.Routes = deploy.Routes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AccountID == "" {
		cfg.AccountID = defaultAccountID
	}
	if cfg.APIID == "" {
		cfg.APIID = defaultAPIID
	}
	if cfg.Stage == "" {
		cfg.Stage = defaultStage
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewRequestID == nil {
		cfg.NewRequestID = NewRequestID
	}
	if cfg.HeaderQuota <= 0 {
		cfg.HeaderQuota = HeaderQuotaBytes
	}
	if cfg.maxBytesInFlight <= 0 {
		cfg.maxBytesInFlight = MaxBytesInFlight
	}
	return cfg
}

// RequestIDPattern is the form of API Gateway's request ids, as a regular
// expression: 15 characters of URL-safe base64 and "=" (docs/FIDELITY.md).
const RequestIDPattern = `^[A-Za-z0-9_-]{15}=$`

// NewRequestID returns a random request id in API Gateway's format: 16
// characters of URL-safe base64 (letters, digits, "-" and "_") ending in
// "=", e.g. "LV7fzho-PHcEJPw=" (docs/FIDELITY.md). So an id never has the
// "+" or "/" that would need escaping in a URL or an S3 key.
func NewRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.URLEncoding.EncodeToString(b[:])
}
