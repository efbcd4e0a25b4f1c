package loader

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/movieskit/movies"
)

// Defaults for Options.
const (
	// DefaultWorkers is 16: on DynamoDB Local on two cores, loading the 4,609
	// sample movies took 1.9 s with 1 worker, 1.5 s with 2–4, 1.2 s with 8,
	// 1.1 s with 16 and 1.3 s with 32 (validation included).
	DefaultWorkers          = 16
	DefaultBatchSize        = 25 // DynamoDB's BatchWriteItem limit
	DefaultProgressInterval = 500 * time.Millisecond
	DefaultMaxRetries       = 5
)

// Writer writes a batch of valid movies, replacing any with the same keys.
// movies.Store satisfies it. It must be safe for concurrent use.
type Writer interface {
	Put(ctx context.Context, ms []movies.Movie) error
}

// RetryCounter is implemented by writers that retry internally (throttling,
// unprocessed items) and can say how many retries they have made in total.
// Load reports the retries made during the load in Stats.Retries.
type RetryCounter interface {
	Retries() int64
}

// Options tune Load. The zero value is ready to use.
type Options struct {
	// Workers is how many batches are written concurrently (default DefaultWorkers).
	Workers int
	// BatchSize is the number of movies per Put call (default DefaultBatchSize).
	BatchSize int
	// DryRun validates the input and writes nothing.
	DryRun bool
	// Progress, if set, is called every ProgressInterval while writing and
	// once at the end, from a single goroutine.
	Progress func(Stats)
	// ProgressInterval defaults to DefaultProgressInterval.
	ProgressInterval time.Duration
	// MaxRetries is how many times a batch is retried after the writer fails
	// with an EUNAVAILABLE error (default DefaultMaxRetries; negative: never).
	MaxRetries int
	// Validate, if set, applies the target store's own rules to every record
	// in the validation pass (for DynamoDB: dynamodb.ValidateMovie), so that
	// a dry run checks what the real load would. When nil, a Writer that is a
	// StoreValidator supplies them.
	Validate func(*movies.Movie) error
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = DefaultProgressInterval
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	return o
}

// Stats describe a load in progress or finished.
type Stats struct {
	// Read is the number of records read: all valid records once validation is done.
	Read int
	// Written is the number of movies the writer has acknowledged, including
	// those of a failed Put that wrote part of its batch (PartialWriteError).
	Written int
	// Retries is the number of retries by the writer (if it is a RetryCounter)
	// plus the batches Load itself retried.
	Retries int
	// Elapsed is the time since Load started.
	Elapsed time.Duration
}

// StoreValidator is implemented by writers with rules of their own beyond
// movies.Movie.Validate (the DynamoDB store: number range and precision, item
// size, attribute names). Load applies them in its validation pass.
type StoreValidator interface {
	ValidateMovie(m *movies.Movie) error
}

// PartialWriteError is implemented by an error (anywhere in a Put error's
// chain) of a writer whose Put can fail after writing some of its movies:
// WrittenKeys lists them, so that Load counts exactly what was written.
type PartialWriteError interface {
	error
	WrittenKeys() []movies.Key
}

// Load checks the whole input first (any invalid record: an
// *InvalidInputError; an unreadable input: a *FormatError; nothing written),
// then writes it in batches with opts.Workers concurrent Put calls. The input
// may be JSON, gzip or a zip archive holding one file, told apart by content.
// open is called once: the validation pass copies the valid records, as
// validated, to a temporary file and the write pass reads that copy, so
// exactly the bytes that were validated are written, however the input
// changes meanwhile.
//
// Each record must pass the strict decoding of movies.Movie, its Validate,
// and opts.Validate (or the writer's ValidateMovie when it is a
// StoreValidator), so that a file that validates is not refused by the store
// half-way. When ctx is cancelled Load stops promptly in either pass and
// returns an error wrapping ctx's, with Stats saying how many movies were
// written. If a write fails, Load stops starting new batches, lets the ones in
// flight finish, and says how many movies were written. Because Put replaces
// by key, running Load again after an interruption or a failure ends with
// exactly the file's items.
func Load(ctx context.Context, open func() (io.ReadCloser, error), w Writer, opts Options) (Stats, error) {
	start := time.Now()
	opts = opts.withDefaults()
	validate := opts.Validate
	if sv, ok := w.(StoreValidator); ok && validate == nil {
		validate = sv.ValidateMovie
	}
	rep, spool, err := validatePass(ctx, open, validate, !opts.DryRun)
	defer spool.remove()
	stats := Stats{Read: rep.Valid, Elapsed: time.Since(start)}
	if err != nil {
		if isContextErr(err) {
			return stats, fmt.Errorf("load cancelled while validating; nothing was written: %w", err)
		}
		return stats, err
	}
	if len(rep.Problems) > 0 {
		return stats, &InvalidInputError{Report: rep}
	}
	if opts.DryRun {
		return stats, nil
	}
	if err := ctx.Err(); err != nil {
		return stats, fmt.Errorf("load cancelled before writing; nothing was written: %w", err)
	}
	return writePass(ctx, spool.open, w, opts, rep.Valid, start)
}
