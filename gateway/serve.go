package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server limits used by Serve. Together they bound what slow or stalled
// clients can hold: at most MaxConns connections served, plus one accepted
// that waits for a slot (errorListener), each for at most ReadTimeout to
// send a request and WriteTimeout to take its response, with at most
// MaxHeaderBytes of header and MaxRequestBytes of body each.
const (
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 30 * time.Second
	// WriteSlack is added to the integration timeout to bound the time from
	// the end of a request's headers to the end of its response.
	WriteSlack = 30 * time.Second
	// IdleTimeout closes keep-alive connections that send nothing.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds a request's line and headers.
	MaxHeaderBytes = 1 << 20
	// MaxConns is the most connections served at once. A new client takes
	// the place of the connection idle the longest between two requests;
	// while none is idle, it waits.
	MaxConns = 256
	// ShutdownTimeout is how long Serve lets in-flight requests finish
	// after its context ends; then it closes the remaining connections.
	ShutdownTimeout = 5 * time.Second
)

// Serve runs h on ln until ctx is cancelled, with the limits above; the
// write timeout is integrationTimeout (zero means DefaultTimeout) plus
// WriteSlack. Requests net/http answers itself get API Gateway's JSON error
// bodies and an access-log line, and OPTIONS * goes to h like any request.
// When ctx ends, Serve stops accepting, lets in-flight requests finish for
// up to ShutdownTimeout, closes whatever connections are left and returns
// nil. It closes ln.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, integrationTimeout time.Duration, logger *slog.Logger) error {
	if integrationTimeout <= 0 {
		integrationTimeout = DefaultTimeout
	}
	return serve(ctx, ln, h, serverLimits{
		readHeader: ReadHeaderTimeout, read: ReadTimeout, write: integrationTimeout + WriteSlack,
		idle: IdleTimeout, shutdown: ShutdownTimeout, maxConns: MaxConns,
	}, logger)
}

// serverLimits are Serve's limits, shorter in tests.
type serverLimits struct {
	readHeader, read, write, idle, shutdown time.Duration
	maxConns                                int
}

// serve is Serve with its limits given.
func serve(ctx context.Context, ln net.Listener, h http.Handler, lim serverLimits, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			markHandled(r)
			h.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout:            lim.readHeader,
		ReadTimeout:                  lim.read,
		WriteTimeout:                 lim.write,
		IdleTimeout:                  lim.idle,
		MaxHeaderBytes:               MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:                  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnContext:                  connContext,
		ConnState:                    connState,
	}
	addr := ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(newErrorListener(ln, lim.maxConns, logServerError(logger))) }()
	logger.Info("listening", slog.String("addr", addr))
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), lim.shutdown)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", addr, serveErr)
	}
	if err != nil {
		_ = srv.Close() // stalled clients: their requests are abandoned
		logger.Warn("closed connections still open after the shutdown timeout",
			slog.String("addr", addr), slog.Duration("timeout", lim.shutdown))
	}
	logger.Info("shut down", slog.String("addr", addr))
	return nil
}
