package devloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/movieskit/movies/image/bootstrap"
)

// Config configures Run.
type Config struct {
	// Root is the module root: where the loop builds and what it watches.
	Root string
	// Package is the server's main package, relative to Root ("./cmd/movies").
	Package string
	// Args are the server's arguments ("serve" and its flags). The loop adds
	// --listen-fd and --ready-fd and, with Lambda, --bootstrap.
	Args []string
	// Lambda makes each build also build the Lambda bootstrap as the image
	// does, for a server that runs it under aws-lambda-rie.
	Lambda bool
	// Listener is the listening socket: a *net.TCPListener, or any listener
	// with a File method. Every server accepts on it in turn; Run never
	// closes it, so no connection is ever refused.
	Listener net.Listener
	// Stderr receives a line per rebuild, the compiler's messages and the
	// servers' own output (their logs). It must be safe for concurrent use.
	Stderr io.Writer
	// Quiet is how long the files must stay unchanged before a rebuild;
	// zero means DefaultQuiet.
	Quiet time.Duration
}

// Run builds the server, runs it on the listener and, until ctx ends,
// rebuilds it after every change to the module's Go files and swaps the new
// server in: the new one starts on the same socket, and once it accepts
// connections the old one stops accepting and finishes its requests. A
// build that fails leaves the last good server serving. When ctx ends Run
// stops the servers as Ctrl-C stops `movies serve` and returns nil.
func Run(ctx context.Context, cfg Config) error {
	if !supported {
		return errors.New("the edit loop needs Linux or another Unix: it passes the listening socket to the servers it starts")
	}
	if cfg.Quiet <= 0 {
		cfg.Quiet = DefaultQuiet
	}
	filer, ok := cfg.Listener.(interface{ File() (*os.File, error) })
	if !ok {
		return fmt.Errorf("the edit loop cannot pass a %T to its servers", cfg.Listener)
	}
	lnFile, err := filer.File() // a duplicate: the listener stays open
	if err != nil {
		return fmt.Errorf("pass the listening socket: %w", err)
	}
	defer func() { _ = lnFile.Close() }() // a duplicate; the listener is the caller's
	dir, err := buildDir(cfg.Root)
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // builds of this process only
	w, err := newWatcher(cfg.Root)
	if err != nil {
		return err
	}
	defer func() { _ = w.Close() }()

	l := &loop{cfg: cfg, ln: lnFile, builder: &builder{root: cfg.Root, dir: dir, targets: []target{serverTarget(cfg.Package)}}}
	pkgs := []string{cfg.Package}
	if cfg.Lambda {
		l.builder.targets = append(l.builder.targets, bootstrapTarget)
		pkgs = append(pkgs, bootstrap.Package)
	}
	watchCtx, stopWatching := context.WithCancel(ctx)
	var watching sync.WaitGroup
	defer watching.Wait()
	defer stopWatching()
	changed, batches, embeds := make(chan string), make(chan []string), make(chan []string, 1)
	report := func(err error) { l.printf("watching the files: %v\n", err) }
	watching.Go(func() {
		files, err := embedded(watchCtx, cfg.Root, pkgs)
		if err != nil && watchCtx.Err() == nil {
			report(err)
		}
		embeds <- files
	})
	watching.Go(func() { w.run(watchCtx, embeds, changed, report) })
	watching.Go(func() { debounce(watchCtx, changed, cfg.Quiet, batches) })

	defer l.stopAll()
	what := cfg.Package
	if cfg.Lambda {
		what += " and the Lambda bootstrap"
	}
	l.printf("building %s; then again after every change to the module's Go files\n", what)
	l.rebuild(ctx, nil, batches)
	for {
		select {
		case <-ctx.Done():
			return nil
		case batch := <-batches:
			l.rebuild(ctx, batch, batches)
		case <-l.exited():
			l.restart(ctx)
		}
	}
}

// buildDir returns a new directory for this process's builds under the
// module's .cache/dev, after removing those of loops no longer running.
func buildDir(root string) (string, error) {
	base := filepath.Join(root, filepath.FromSlash(buildsDir))
	entries, _ := os.ReadDir(base) // none yet is fine
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != os.Getpid() && !alive(pid) {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	dir := filepath.Join(base, strconv.Itoa(os.Getpid()))
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("build directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("build directory: %w", err)
	}
	return dir, nil
}

// loop is the state of Run: the server that serves and the ones draining.
type loop struct {
	cfg      Config
	ln       *os.File
	builder  *builder
	mu       sync.Mutex // serializes the loop's own lines
	current  *server    // serves new connections; nil before the first good build
	again    bool       // current was started again after exiting by itself
	draining sync.WaitGroup
}

// printf writes one of the loop's own lines to Stderr.
func (l *loop) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.cfg.Stderr, format, args...)
}

// exited is closed when the current server exits; nil when none serves.
func (l *loop) exited() <-chan struct{} {
	if l.current == nil {
		return nil
	}
	return l.current.exited
}

// fallback says what serves while the newest code does not.
func (l *loop) fallback() string {
	if l.current == nil {
		return "nothing serves until a build succeeds: fix the code and save"
	}
	return "still serving the last good build"
}

// rebuild builds the module after the files in changed changed (nil: the
// first build) and, if the binaries changed, swaps in a server of the new
// build. It prints one line, or the compiler's messages and one line. Files
// that change while it builds (more) start the build over, see buildLatest.
func (l *loop) rebuild(ctx context.Context, changed []string, more <-chan []string) {
	first := changed == nil
	b, changed, err := l.buildLatest(ctx, changed, more)
	if ctx.Err() != nil {
		return
	}
	verb, after := "rebuilt", "after "+describe(changed)+" changed"
	if first {
		verb, after = "built", "on start"
	}
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			l.printf("build failed %s (%s):\n%s%s\n", after, seconds(ce.took), ce.Output, l.fallback())
			return
		}
		l.printf("build failed %s: %v\n%s\n", after, err, l.fallback())
		return
	}
	built := time.Now()
	if l.current != nil && sameBinaries(b, l.current.build) {
		_ = os.RemoveAll(b.dir)
		l.printf("%s %s: build %s, binaries unchanged: the server keeps running\n", verb, after, seconds(b.took))
		return
	}
	s, err := startServer(ctx, b, l.cfg.Args, l.ln, l.cfg.Stderr)
	if err != nil {
		_ = os.RemoveAll(b.dir)
		if ctx.Err() == nil {
			l.printf("%s %s (build %s), but %v; %s\n", verb, after, seconds(b.took), err, l.fallback())
		}
		return
	}
	serving := time.Since(built)
	if old := l.current; old != nil {
		l.retire(old)
	}
	l.current, l.again = s, false
	if first {
		l.printf("built on start: build %s, serving %s later; watching the module's Go files\n", seconds(b.took), seconds(serving))
		return
	}
	l.printf("rebuilt %s: build %s, new code serving %s later\n", after, seconds(b.took), seconds(serving))
}

// buildLatest builds and starts the build over, with the files of a new
// batch added to changed, whenever more files change before it ends: a burst
// of changes that comes in parts further apart than the quiet period (a
// slow git checkout, a formatter that rewrites what the editor saved) still
// makes one build, of the last state of the files. It returns the last
// build's result and every file changed meanwhile, sorted.
func (l *loop) buildLatest(ctx context.Context, changed []string, more <-chan []string) (*build, []string, error) {
	type result struct {
		b   *build
		err error
	}
	for {
		bctx, cancel := context.WithCancel(ctx)
		done := make(chan result, 1)
		go func() {
			b, err := l.builder.build(bctx)
			done <- result{b, err}
		}()
		select {
		case r := <-done:
			cancel()
			return r.b, changed, r.err
		case batch := <-more:
			cancel()
			if r := <-done; r.b != nil { // it ended just before the cancel
				_ = os.RemoveAll(r.b.dir)
			}
			changed = mergeSorted(changed, batch)
		}
	}
}

// mergeSorted returns the sorted union of two sorted lists of paths.
func mergeSorted(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// retire stops a server that a newer one replaced, in the background: it
// finishes its requests while the new one serves. Its build goes with it.
func (l *loop) retire(old *server) {
	l.draining.Go(func() {
		old.drain()
		old.stop()
		_ = os.RemoveAll(old.build.dir)
	})
}

// restart handles the current server's exit on its own (a crash): it is
// started again once; if that fails, or it exits again, nothing serves until
// the next good build.
func (l *loop) restart(ctx context.Context) {
	s := l.current
	l.current = nil
	_ = s.pipe.Close()
	if !l.again {
		l.printf("the server exited by itself (%v); starting it again\n", s.err)
		if again, err := startServer(ctx, s.build, l.cfg.Args, l.ln, l.cfg.Stderr); err == nil {
			l.current, l.again = again, true
			return
		} else if ctx.Err() == nil {
			l.printf("it did not start: %v\n", err)
		}
	} else {
		l.printf("the server exited by itself again (%v)\n", s.err)
	}
	_ = os.RemoveAll(s.build.dir)
	l.printf("%s\n", l.fallback())
}

// stopAll stops the current server and waits for the draining ones.
func (l *loop) stopAll() {
	if l.current != nil {
		l.current.stop()
		l.current = nil
	}
	l.draining.Wait()
}

// seconds formats d as the report lines do: "0.82 s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}
