package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/image/bootstrap"
	"github.com/movieskit/movies/sample"
)

// serveOptions are the flags of `movies serve`.
type serveOptions struct {
	addr      string
	store     string
	invoke    string
	timeout   time.Duration
	pool      int
	bootstrap string
	rie       string
	noSeed    bool
	cors      string
	throttle  bool
	rate      float64
	burst     int
	quota     int
	dev       devOptions
}

// serveLimits describes the server's bounds for --help, from the constants
// that set them.
var serveLimits = fmt.Sprintf(`Limits: at most %d connections served at once, plus one accepted that waits
for a slot: it closes the one idle the longest between requests, or waits
while none is. %s to send the headers and %s the whole request; --timeout
plus %s to take the answer; idle connections close after %s. Per request:
API Gateway's quota of %d bytes of request line and header values (else 431;
--header-quota raises it, for local experiments only, up to %d KB of
headers), %d header lines, %d query parameters, %d MB of body, and an event
of at most Lambda's %d MB (else 413). At most %d MB of responses in flight
across all connections: each invocation holds %d MB until its function
returns, past --timeout too for one that ignores its context, then the size
of its body until it is written; a request that finds no room waits, within
--timeout, then gets 503. On Ctrl-C or SIGTERM in-flight requests get %s to
finish, then the remaining connections are closed and the command exits 0.`,
	gateway.MaxConns, gateway.ReadHeaderTimeout, gateway.ReadTimeout, gateway.WriteSlack, gateway.IdleTimeout,
	gateway.HeaderQuotaBytes, gateway.MaxHeaderBytes>>10, gateway.MaxHeaderFields, gateway.MaxQueryParameters, gateway.MaxRequestBytes>>20,
	gateway.MaxPayloadBytes>>20, gateway.MaxBytesInFlight>>20, gateway.MaxPayloadBytes>>20,
	gateway.ShutdownTimeout)

// serveThrottle describes throttling for --help.
var serveThrottle = fmt.Sprintf(`Throttling: off by default, for local load tests. The deployed API is always
throttled: the CDK stack gives each route of its stage a token bucket of
throttleBurst requests refilled at throttleRate a second (%d and %g unless
set), and a request that finds its route's bucket empty gets 429. --throttle
applies the stack's default here; --throttle-rate and --throttle-burst the
values given to the stack with -c throttleRate=... and -c throttleBurst=...`,
	deploy.DefaultThrottle.Burst, deploy.DefaultThrottle.Rate)

func newServeCmd() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the API locally behind an API Gateway HTTP API emulator",
		Long: `Serve the API on a local HTTP server that behaves like API Gateway HTTP API
(payload format 2.0): the same routes, events, status codes and error bodies.

The handlers run in this process (--invoke inprocess, the default) or, with
--invoke rie, in a pool of real Lambda bootstrap processes under the AWS Lambda
Runtime Interface Emulator (DynamoDB stores only, since the bootstrap reads
DynamoDB). An empty embedded store is seeded with the built-in sample catalogue.

` + serveThrottle + `

` + serveLimits,
		Example: `  movies serve
  movies serve --addr 127.0.0.1:9090 --store file:/tmp/movies.db
  movies serve --watch        # make dev: rebuilds and swaps in the new code on every save
  movies serve --throttle     # 429s as the deployed stage gives them (50 requests a second, bursts of 100, per route)
  AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 movies serve --store dynamodb:Movies --invoke rie`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.throttle = o.throttle || cmd.Flags().Changed("throttle-rate") || cmd.Flags().Changed("throttle-burst")
			return serve(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	f.StringVar(&o.store, "store", defaultStoreSpec(), storeHelp)
	f.StringVar(&o.invoke, "invoke", "inprocess", "how to run the handlers: inprocess or rie")
	f.DurationVar(&o.timeout, "timeout", gateway.DefaultTimeout, fmt.Sprintf("integration timeout, from %s to %s as in API Gateway; past it a request gets 503", gateway.MinTimeout, gateway.MaxTimeout))
	f.IntVar(&o.pool, "pool", runtime.NumCPU(), "with --invoke rie: emulator processes per function")
	f.StringVar(&o.bootstrap, "bootstrap", "", "with --invoke rie: the bootstrap binary (default: build it from this module)")
	f.StringVar(&o.rie, "rie", "", "with --invoke rie: the aws-lambda-rie binary (default $MOVIES_RIE, .cache/bin, or PATH)")
	f.BoolVar(&o.noSeed, "no-seed", false, "do not seed an empty embedded store with the sample catalogue")
	f.StringVar(&o.cors, "cors", "", `CORS configuration as JSON, the same text the CDK stack deploys with -c cors=...,
e.g. '{"allowOrigins":["http://localhost:3000"],"allowMethods":["GET"],"maxAge":300}' (default: no CORS, as in the cloud)`)
	f.BoolVar(&o.throttle, "throttle", false, "throttle each route as the deployed stage does (default: not throttled, for local load tests)")
	f.Float64Var(&o.rate, "throttle-rate", deploy.DefaultThrottle.Rate, "the stack's throttleRate, requests a second per route; implies --throttle")
	f.IntVar(&o.burst, "throttle-burst", deploy.DefaultThrottle.Burst, "the stack's throttleBurst, requests per route; implies --throttle")
	f.IntVar(&o.quota, "header-quota", gateway.HeaderQuotaBytes, fmt.Sprintf(`bytes of request line and header values a request may have: API Gateway's
quota, which the cloud does not raise; more (up to %d) only for local experiments`, gateway.MaxHeaderBytes))
	addDevFlags(cmd, &o.dev)
	return cmd
}

// gatewayLimits returns the throttle and the header quota of o's flags,
// or an error for a flag out of range.
func gatewayLimits(o serveOptions) (*deploy.Throttle, int, error) {
	if o.quota < gateway.HeaderQuotaBytes || o.quota > gateway.MaxHeaderBytes {
		return nil, 0, fmt.Errorf("--header-quota %d: must be from %d (API Gateway's quota) to %d", o.quota, gateway.HeaderQuotaBytes, gateway.MaxHeaderBytes)
	}
	if err := deploy.ValidateRate(o.rate); err != nil {
		return nil, 0, fmt.Errorf("--throttle-rate %v: %w", o.rate, err)
	}
	if err := deploy.ValidateBurst(o.burst); err != nil {
		return nil, 0, fmt.Errorf("--throttle-burst %d: %w", o.burst, err)
	}
	if !o.throttle {
		return nil, o.quota, nil
	}
	return &deploy.Throttle{Rate: o.rate, Burst: o.burst}, o.quota, nil
}

// serve runs the local API until ctx is cancelled.
func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) (err error) {
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	if o.invoke != "inprocess" && o.invoke != "rie" {
		return withExitCode(2, fmt.Errorf("--invoke must be inprocess or rie, not %q", o.invoke))
	}
	if o.timeout < gateway.MinTimeout || o.timeout > gateway.MaxTimeout {
		return withExitCode(2, fmt.Errorf("--timeout must be from %s to %s (API Gateway's integration timeout), not %s", gateway.MinTimeout, gateway.MaxTimeout, o.timeout))
	}
	if err := checkListenAddr(ctx, o.addr); err != nil {
		return withExitCode(2, err)
	}
	spec, err := parseStoreSpec(o.store)
	if err != nil {
		return withExitCode(2, err)
	}
	var cors deploy.CORS
	if o.cors != "" {
		if cors, err = deploy.ParseCORS(o.cors); err != nil {
			return withExitCode(2, fmt.Errorf("--cors: %w", err))
		}
	}
	throttle, quota, err := gatewayLimits(o)
	if err != nil {
		return withExitCode(2, err)
	}
	if o.invoke == "rie" && spec.kind != "dynamodb" {
		return withExitCode(2, errors.New("--invoke rie needs --store dynamodb:TABLE: the Lambda bootstrap reads DynamoDB"))
	}
	if o.dev.watch {
		return serveWatch(ctx, o, spec, stdout, stderr, logger)
	}
	store, err := o.dev.openStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer closeStore(store, &err)
	if !o.noSeed {
		if err := seedIfEmpty(ctx, store, logger); err != nil {
			return err
		}
	}

	invoker, closeInvoker, err := newInvoker(ctx, o, spec, store, logger)
	if err != nil {
		return err
	}
	defer closeInvoker()

	ln, err := listen(ctx, o, stdout, logger)
	if err != nil {
		return err
	}
	h := gateway.New(gateway.Config{Invoker: invoker, Timeout: o.timeout, Logger: logger, CORS: cors, Throttle: throttle, HeaderQuota: quota})
	return gateway.Serve(ctx, ln, h, o.timeout, logger)
}

// listen returns the server's listener and prints where the API is.
func listen(ctx context.Context, o serveOptions, stdout io.Writer, logger *slog.Logger) (net.Listener, error) {
	ln, err := o.dev.listen(ctx, o.addr)
	if err != nil {
		return nil, err
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		logger.Warn("listening on a non-loopback address: the API is reachable from other machines", slog.String("addr", ln.Addr().String()))
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "movies API on %s (store %s, invoke %s)\n", base, o.store, o.invoke)
	fmt.Fprintf(stdout, "  curl -s '%s/list?limit=3'\n  curl -s %s/get/2013/Rush\n  curl -s %s/get/1997/Face/Off\n", base, base, base)
	return ln, nil
}

// checkListenAddr reports an address that no listener can have: one without
// a port, or with a port that is not a number from 0 to 65535 or a service
// name. A host that cannot be listened on is found by listening.
func checkListenAddr(ctx context.Context, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.DefaultResolver.LookupPort(ctx, "tcp", port)
	}
	if err != nil {
		return fmt.Errorf("--addr %q: want HOST:PORT with a port from 0 to 65535: %w", addr, err)
	}
	return nil
}

// newInvoker returns the invoker for o.invoke and a function that releases it.
func newInvoker(ctx context.Context, o serveOptions, spec storeSpec, store movies.Store, logger *slog.Logger) (gateway.Invoker, func(), error) {
	if o.invoke == "inprocess" {
		return gateway.InProcess(api.Functions(store, logger)), func() {}, nil
	}
	bin := o.bootstrap
	cleanup := func() {}
	if bin == "" {
		dir, err := os.MkdirTemp("", "movies-bootstrap-")
		if err != nil {
			return nil, nil, fmt.Errorf("build bootstrap: %w", err)
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		bin = filepath.Join(dir, "bootstrap")
		logger.Info("building the bootstrap for the emulator", slog.String("path", bin))
		if err := bootstrap.Build(ctx, ".", runtime.GOARCH, bin); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("build bootstrap (or pass --bootstrap): %w", err)
		}
	}
	env := []string{"TABLE_NAME=" + spec.arg}
	pool, err := riepool.New(ctx, riepool.Config{
		RIE: o.rie, Bootstrap: bin, Functions: deploy.FunctionNames(), Size: o.pool,
		Env: env, Timeout: o.timeout, Logger: logger,
	})
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("start emulator pool: %w", err)
	}
	return pool, func() { _ = pool.Close(); cleanup() }, nil
}

// seedIfEmpty loads the built-in sample catalogue into an empty embedded store.
func seedIfEmpty(ctx context.Context, store movies.Store, logger *slog.Logger) error {
	held, added, err := sample.SeedIfEmpty(ctx, store)
	switch {
	case err != nil:
		return err
	case added > 0:
		logger.Info("seeded the empty embedded store with the built-in sample catalogue", slog.Int("movies", added),
			slog.String("hint", "load your own data with: movies load FILE"))
	case held > 0:
		logger.Info("embedded store ready", slog.Int("movies", held))
	}
	return nil
}
