//go:build !serveonly

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/loader"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes of `movies load` besides 0 and 1.
const (
	exitInvalidInput = 65  // EX_DATAERR: the file has invalid records; nothing was written
	exitInterrupted  = 130 // interrupted (Ctrl-C); rerunning finishes the load
)

// loadOptions are the flags and argument of `movies load`.
type loadOptions struct {
	store   string
	workers int
	dryRun  bool
	file    string // path, or "-" for stdin
}

// newLoadCmd returns `movies load`.
func newLoadCmd() *cobra.Command {
	o := loadOptions{}
	cmd := &cobra.Command{
		Use:   "load [--store S] [--workers N] [--dry-run] FILE|-",
		Short: "Validate a movie file (AWS sample format) and load it into a store",
		Long: fmt.Sprintf(`Load checks every record of FILE (or stdin for "-") first and writes nothing
if any is invalid, listing every problem by record index. A record must also
keep the target store's own rules: for --store dynamodb:TABLE, DynamoDB's
number range and precision, its 400 KB item size (as DynamoDB counts it) and
attribute names of 1 to 65,535 bytes, so --dry-run checks exactly what the
load would. The load also refuses, before writing, a table whose key is not
year (N) + title (S). It then writes in batches with concurrent workers.
Loading replaces movies by key, so running it again after an interruption ends
with exactly the file's movies.

FILE may be JSON, gzip (moviedata.json.gz) or a zip archive holding one JSON
file (moviedata.zip, as the AWS DynamoDB developer guide ships the sample),
recognised by content whatever the name. A compressed input may expand to at
most %[1]d MiB (the bound against archive bombs), and a zip read from stdin,
which is first copied to $TMPDIR, may take at most %[1]d MiB. A record may
take at most %[2]d bytes, white space between its tokens not counted
(DynamoDB's 400 KB item size plus room for escapes); a larger one is a
problem of that record, found without reading it whole. White space takes no
memory however much of it there is. The valid records are copied, as
validated, to a temporary file in $TMPDIR and the write pass reads that copy,
so changing FILE during a load cannot change what is written. Temporary files
are removed from $TMPDIR as soon as they are created, so that not even
kill -9 leaves one behind.

Exit codes: 0 ok, 1 error, 2 invalid arguments, 4 the DynamoDB table does
not exist, 65 invalid file (a bad record, malformed, truncated, not a JSON
array, a broken archive; nothing written), 130 interrupted (run the same
command again to finish; Ctrl-C also stops a load waiting for a writer to
open FILE, a named pipe).`, loader.MaxDecompressedBytes>>20, loader.MaxRecordInputBytes),
		Example: `  movies load moviedata.zip
  movies load --dry-run --store dynamodb:Movies moviedata.json.gz
  curl -s URL | movies load -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return runLoad(cmd.Context(), o, cmd.InOrStdin(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", defaultStoreSpec(), storeHelp)
	f.IntVar(&o.workers, "workers", loader.DefaultWorkers, "concurrent batch writers")
	f.BoolVar(&o.dryRun, "dry-run", false, "validate only; write nothing")
	return cmd
}

// runLoad validates and loads o.file, reporting progress and problems on stderr.
func runLoad(ctx context.Context, o loadOptions, stdin io.Reader, stderr io.Writer) (err error) {
	if o.workers < 1 || o.workers > 256 {
		return withExitCode(2, fmt.Errorf("--workers must be from 1 to 256, not %d", o.workers))
	}
	spec, err := parseStoreSpec(o.store)
	if err != nil {
		return withExitCode(2, err)
	}
	var checkRecord func([]byte) (movies.Key, error)
	if spec.kind == "dynamodb" {
		checkRecord = dynamodb.CheckRecord // the store's own rules, in a dry run too
	}
	var w loader.Writer
	if !o.dryRun {
		store, openErr := openStore(ctx, o.store)
		if openErr != nil {
			return interruptedExit(ctx, openErr)
		}
		defer closeStore(store, &err)
		if err := checkTable(ctx, store); err != nil {
			return interruptedExit(ctx, err)
		}
		w = store
	}
	prog := newProgress(stderr)
	st, err := loader.Load(ctx, inputOpener(ctx, o.file, stdin), w, loader.Options{
		Workers:          o.workers,
		DryRun:           o.dryRun,
		Progress:         prog.update,
		ProgressInterval: prog.interval,
		CheckRecord:      checkRecord,
	})
	prog.finish()
	return loadResult(o, st, err, stderr)
}

// checkTable fails fast, with exit code 4 and a hint, when the store is a
// DynamoDB table that does not exist, and with exit code 1 when the table's
// key is not the movies key (year, title).
func checkTable(ctx context.Context, store movies.Store) error {
	ds, ok := store.(*dynamodb.Store)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	info, err := dynamodb.DescribeTable(ctx, ds.Client(), ds.Table())
	if err != nil {
		if errors.Is(err, dynamodb.ErrTableNotFound) {
			err = fmt.Errorf("%w (create it with: movies table create --table %s)", err, ds.Table())
		}
		return tableExit(err)
	}
	return info.CheckKeySchema()
}

// interruptedExit gives err the exit code of an interrupted load when ctx
// was cancelled (Ctrl-C while the store opens or the table is checked).
func interruptedExit(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return withExitCode(exitInterrupted, err)
	}
	return err
}

// loadResult prints the outcome of a load and returns the command's error.
func loadResult(o loadOptions, st loader.Stats, err error, stderr io.Writer) error {
	var invalid *loader.InvalidInputError
	var format *loader.FormatError
	switch {
	case errors.As(err, &invalid):
		prefix := ""
		if e := invalid.Report.Entry; e != "" {
			prefix = loader.Printable(e) + ": "
		}
		for _, p := range invalid.Report.Problems {
			fmt.Fprintf(stderr, "%s%s\n", prefix, p)
		}
		if n := invalid.Report.Omitted; n > 0 {
			fmt.Fprintf(stderr, "... and %d more invalid records\n", n)
		}
		return withExitCode(exitInvalidInput, err)
	case errors.As(err, &format):
		return withExitCode(exitInvalidInput, fmt.Errorf("invalid file %s; nothing was written: %w", o.file, err))
	case errors.Is(err, context.Canceled):
		if st.Written > 0 {
			fmt.Fprintf(stderr, "interrupted: %s; run the same command again to finish\n", summary(st))
		}
		return withExitCode(exitInterrupted, err)
	case err != nil:
		if st.Written > 0 {
			fmt.Fprintf(stderr, "failed: %s\n", summary(st))
		}
		return err
	case o.dryRun:
		fmt.Fprintf(stderr, "%s: %d valid movies; nothing written (dry run)\n", o.file, st.Read)
		return nil
	default:
		fmt.Fprintf(stderr, "loaded %s into %s\n", summary(st), o.store)
		return nil
	}
}

// summary formats the final line: items, seconds, items per second, retries.
func summary(st loader.Stats) string {
	secs := st.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(st.Written) / secs
	}
	return fmt.Sprintf("%d of %d movies in %.2f s (%.0f movies/s, %d retries)", st.Written, st.Read, secs, rate, st.Retries)
}

// inputOpener returns how to open the input: the file at path, or stdin for "-"
// (which can be read once; the loader spools it for its second pass).
func inputOpener(ctx context.Context, path string, stdin io.Reader) func() (io.ReadCloser, error) {
	if path == "-" {
		used := false
		return func() (io.ReadCloser, error) {
			if used {
				return nil, errors.New("stdin can be read only once")
			}
			used = true
			return io.NopCloser(stdin), nil
		}
	}
	return func() (io.ReadCloser, error) { return openInput(ctx, path) }
}

// openInput opens the file at path, giving up when ctx is done: opening a
// named pipe (FIFO) waits for a writer, and nothing else would end the wait.
// A file opened after giving up is closed.
func openInput(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path) //nolint:gosec // G304: the user names the input file on the command line
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				_ = o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// progress shows load progress: a bar on a terminal, a line every few
// seconds otherwise.
type progress struct {
	out      io.Writer
	interval time.Duration
	bar      *progressbar.ProgressBar
	last     int
}

func newProgress(stderr io.Writer) *progress {
	p := &progress{out: stderr, interval: 2 * time.Second}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.interval = 100 * time.Millisecond
		p.last = -1 // the bar is made on the first update, when the total is known
	}
	return p
}

// update is loader.Options.Progress.
func (p *progress) update(st loader.Stats) {
	if p.last < 0 || p.bar != nil {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(st.Read, progressbar.OptionSetWriter(p.out),
				progressbar.OptionSetDescription("loading"), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("movies"),
				progressbar.OptionClearOnFinish())
		}
		_ = p.bar.Set(st.Written)
		return
	}
	if st.Written == p.last {
		return
	}
	p.last = st.Written
	pct := 0.0
	if st.Read > 0 {
		pct = 100 * float64(st.Written) / float64(st.Read)
	}
	fmt.Fprintf(p.out, "loading: %d of %d movies (%.0f%%), %.1f s, %d retries\n",
		st.Written, st.Read, pct, st.Elapsed.Seconds(), st.Retries)
}

// finish removes the bar, if any.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Exit()
	}
}
