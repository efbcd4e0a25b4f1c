package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/bolt"
	"github.com/movieskit/movies/devloop"
	"github.com/movieskit/movies/internal/repo"
)

// devOptions are the flags of `movies serve` for the edit loop (devloop):
// --watch runs the loop; the hidden ones are how the loop starts a server.
type devOptions struct {
	watch    bool
	listenFD int  // the listening socket the loop passes
	readyFD  int  // the pipe on which the server tells the loop it serves
	readOnly bool // open the embedded store read-only: old and new servers overlap
	flags    *pflag.FlagSet
	ln       net.Listener // the inherited listener, taken before anything starts
}

// hiddenDevFlags are the flags only the loop passes to the servers it starts.
var hiddenDevFlags = []string{devloop.ListenFDFlag, devloop.ReadyFDFlag, "read-only"}

// addDevFlags adds the edit loop's flags to the serve command.
func addDevFlags(cmd *cobra.Command, o *devOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.watch, "watch", false, `rebuild and serve the new code after every change to the module's Go files, without
refusing a request (make dev); run it inside the module's source`)
	f.IntVar(&o.listenFD, devloop.ListenFDFlag, 0, "the listening socket's file descriptor, from --watch")
	f.IntVar(&o.readyFD, devloop.ReadyFDFlag, 0, "the readiness pipe's file descriptor, from --watch")
	f.BoolVar(&o.readOnly, "read-only", false, "open the embedded store read-only, as --watch's servers do")
	for _, name := range hiddenDevFlags {
		_ = f.MarkHidden(name) // the flag was just defined
	}
	o.flags = f
	cmd.PreRunE = func(*cobra.Command, []string) error { return o.inherit() }
}

// inherit takes the listener the loop passed, before the server starts any
// process that could inherit it.
func (o *devOptions) inherit() error {
	if (o.listenFD > 0) != (o.readyFD > 0) {
		return withExitCode(exitUsage, fmt.Errorf("--%s and --%s go together", devloop.ListenFDFlag, devloop.ReadyFDFlag))
	}
	if o.listenFD == 0 {
		return nil
	}
	if o.watch {
		return withExitCode(exitUsage, fmt.Errorf("--watch and --%s do not go together", devloop.ListenFDFlag))
	}
	ln, err := devloop.Inherit(o.listenFD, o.readyFD)
	if err != nil {
		return withExitCode(exitUsage, err)
	}
	o.ln = ln
	return nil
}

// listen returns the listener the loop passed, or a new one on addr.
func (o *devOptions) listen(ctx context.Context, addr string) (net.Listener, error) {
	if o.ln != nil {
		return o.ln, nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// openStore opens the store of spec, the embedded one read-only with --read-only.
func (o *devOptions) openStore(ctx context.Context, spec string) (movies.Store, error) {
	s, err := parseStoreSpec(spec)
	if err != nil || !o.readOnly || s.kind != "file" {
		return openStore(ctx, spec)
	}
	st, err := bolt.OpenReadOnly(s.arg)
	if err != nil {
		return nil, fmt.Errorf("open embedded store %s: %w", s.arg, err)
	}
	return st, nil
}

// serveWatch is `movies serve --watch`: it seeds the embedded store as serve
// does, listens, and runs the edit loop on the module that holds the working
// directory, its servers started with the same flags.
func serveWatch(ctx context.Context, o serveOptions, spec storeSpec, stdout, stderr io.Writer, logger *slog.Logger) (err error) {
	if o.bootstrap != "" {
		return withExitCode(exitUsage, errors.New("--watch builds the bootstrap from the module's source: drop --bootstrap"))
	}
	root, err := repo.Root(".")
	if err != nil {
		return withExitCode(exitUsage, fmt.Errorf("--watch rebuilds the module's source: run it inside the movies module: %w", err))
	}
	args := []string{"serve", "--no-seed"}
	if spec.kind == "file" {
		if err := seedOnce(ctx, o, logger); err != nil {
			return err
		}
		args = append(args, "--read-only")
	}
	o.dev.flags.Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "watch", "addr", "no-seed":
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			args = append(args, "--"+f.Name+"="+v)
		}
	})
	ln, err := listen(ctx, o, stdout, logger)
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }() // Run has returned: no server uses it
	return devloop.Run(ctx, devloop.Config{
		Root: root, Package: "./cmd/movies", Args: args, Lambda: o.invoke == "rie",
		Listener: ln, Stderr: stderr,
	})
}

// seedOnce opens the embedded store read-write once, which creates it or
// moves it to the current layout, seeds it unless --no-seed, and closes it:
// the servers the loop starts open it read-only.
func seedOnce(ctx context.Context, o serveOptions, logger *slog.Logger) (err error) {
	store, err := openStore(ctx, o.store)
	if err != nil {
		return err
	}
	defer closeStore(store, &err)
	if o.noSeed {
		return nil
	}
	return seedIfEmpty(ctx, store, logger)
}
