//go:build !serveonly

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
)

// invokeOptions are the flags of `movies invoke`.
type invokeOptions struct {
	event   eventOptions  // the request the default event is made from
	file    string        // event file, "-" for stdin, "" for the default event
	rie     string        // URL of a running aws-lambda-rie, "" to run in-process
	store   string        // store spec for in-process invocations
	timeout time.Duration // bound on the whole invocation
}

func newInvokeCmd() *cobra.Command {
	o := invokeOptions{}
	cmd := &cobra.Command{
		Use:   "invoke list|get",
		Short: "Invoke a handler once on an API Gateway event and print its response",
		Long: `Invoke the list or get function once on an API Gateway HTTP API (payload 2.0)
event and print the response payload, as 'aws lambda invoke' would. The event
is read from --event FILE (or - for stdin), or made like 'movies event' makes it.

The handler runs in this process on --store, or, with --rie URL, in a running
AWS Lambda Runtime Interface Emulator (e.g. the Lambda image run locally).
A function error prints the error payload and exits 1.`,
		Example: `  movies invoke get --year 1997 --title Face/Off
  movies event list --query limit=2 | movies invoke list --event -
  movies invoke list --rie http://127.0.0.1:9000 --query limit=2`,
		Args:      eventArgs,
		ValidArgs: deploy.FunctionNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInvoke(cmd.Context(), args[0], o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	addEventFlags(cmd, &o.event)
	f := cmd.Flags()
	f.StringVar(&o.file, "event", "", "event JSON file, or - for stdin (default: the event 'movies event' makes)")
	f.StringVar(&o.rie, "rie", "", "URL of a running aws-lambda-rie, e.g. http://127.0.0.1:9000 (default: run in this process)")
	f.StringVar(&o.store, "store", defaultStoreSpec(), "in-process "+storeHelp)
	f.DurationVar(&o.timeout, "timeout", gateway.DefaultTimeout, "give up on the invocation after this long")
	return cmd
}

// runInvoke runs function once on the event o selects and writes the response
// payload to stdout. A function error is written too, and returned.
func runInvoke(ctx context.Context, function string, o invokeOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if o.timeout <= 0 {
		return withExitCode(2, errors.New("--timeout must be positive"))
	}
	event, err := readEvent(function, o, stdin, stderr)
	if err != nil {
		return withExitCode(2, err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	var out []byte
	if o.rie != "" {
		out, err = riepool.Invoke(ctx, o.rie, function, event)
	} else {
		out, err = invokeInProcess(ctx, function, o.store, event, stderr)
	}
	var fe *gateway.FunctionError
	if errors.As(err, &fe) {
		payload, _ := json.Marshal(map[string]string{"errorType": fe.Type, "errorMessage": fe.Message})
		if werr := writeIndented(stdout, payload); werr != nil {
			return werr
		}
		return err
	}
	if err != nil {
		return err
	}
	return writeIndented(stdout, out)
}

// readEvent returns the event: from o.file, from stdin for "-", or made from
// o.event as `movies event` makes it. It must be a JSON value within Lambda's
// payload limit.
func readEvent(function string, o invokeOptions, stdin io.Reader, stderr io.Writer) ([]byte, error) {
	if o.file == "" {
		return buildEvent(function, o.event, gateway.Config{}, stderr)
	}
	src, name := stdin, "stdin"
	if o.file != "-" {
		f, err := os.Open(o.file)
		if err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}
		defer func() { _ = f.Close() }() // opened read-only: Close loses nothing
		src, name = f, o.file
	}
	b, err := io.ReadAll(io.LimitReader(src, gateway.MaxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read event from %s: %w", name, err)
	}
	if err := gateway.CheckPayloadSize("event", len(b)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("event in %s is not valid JSON", name)
	}
	return b, nil
}

// invokeInProcess runs function on event with the handlers of this binary,
// reading from the store spec names. Handler logs go to stderr.
func invokeInProcess(ctx context.Context, function, spec string, event []byte, stderr io.Writer) (_ []byte, err error) {
	if _, err := parseStoreSpec(spec); err != nil {
		return nil, withExitCode(2, err)
	}
	store, err := openStore(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer closeStore(store, &err)
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	if err := seedIfEmpty(ctx, store, logger); err != nil {
		return nil, err
	}
	return gateway.InProcess(api.Functions(store, logger)).Invoke(ctx, function, event)
}
