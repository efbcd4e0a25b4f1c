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
	// DefaultWorkers is the most concurrent writes: enough to keep DynamoDB
	// busy while batches wait for answers and retries.
	DefaultWorkers   = 16
	DefaultBatchSize = 25 // DynamoDB's BatchWriteItem limit
	// DefaultBatchBytes bounds a batch by the size of its records' JSON, so
	// that a load holds at most 2×Workers+1 batches (one being written and
	// one queued per worker, one being read) of 256 KiB each, or of one
	// movie, whatever the movies' size: a batch of 25 sample movies is about
	// 20 KB, and a movie of 268 KB (a list of 134,000 ones) goes alone.
	DefaultBatchBytes       = 256 << 10
	DefaultProgressInterval = 500 * time.Millisecond
)

// Writer writes a batch of valid movies, replacing any with the same keys.
// movies.Store satisfies it. It must be safe for concurrent use. Load does
// not retry: a write that fails ends the load.
type Writer interface {
	Put(ctx context.Context, ms []movies.Movie) error
}

// RecordWriter is implemented by writers that take the records as the input
// holds them and decode and check each once, into the form they write (both
// stores): Load hands such a writer the validated records instead of movies.
type RecordWriter interface {
	PutRecords(ctx context.Context, records [][]byte) error
}

// RetryCounter is implemented by writers that retry internally and can say
// how many retries they have made in total (the DynamoDB store: one per
// BatchWriteItem call sent again). Load reports the retries made during the
// load in Stats.Retries.
type RetryCounter interface {
	Retries() int64
}

// Options tune Load. The zero value is ready to use.
type Options struct {
	// Workers is how many batches are written concurrently (default DefaultWorkers).
	Workers int
	// BatchSize is the most movies per Put call (default DefaultBatchSize).
	BatchSize int
	// BatchBytes is the most bytes of records' JSON per Put call, but for a
	// batch of one movie (default DefaultBatchBytes).
	BatchBytes int
	// DryRun validates the input and writes nothing.
	DryRun bool
	// Progress, if set, is called every ProgressInterval while writing and
	// once at the end, from a single goroutine.
	Progress func(Stats)
	// ProgressInterval defaults to DefaultProgressInterval.
	ProgressInterval time.Duration
	// CheckRecord, if set, decodes and checks each record in the validation
	// pass by every rule of the target store, the domain's included, and
	// returns its key (for DynamoDB: dynamodb.CheckRecord), so that a dry run
	// checks what the real load would. Nil means the domain's rules
	// (movies.ParseMovie).
	CheckRecord func(record []byte) (movies.Key, error)
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = DefaultBatchBytes
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = DefaultProgressInterval
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
	// Retries is the number of retries the writer made during the load, if
	// it is a RetryCounter (0 otherwise).
	Retries int
	// Elapsed is the time since Load started.
	Elapsed time.Duration
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
// then writes it in batches with opts.Workers concurrent writes. The input
// may be JSON, gzip or a zip archive holding one file, told apart by content.
// open is called once: the validation pass copies the valid records, as
// validated, to a temporary file and the write pass reads that copy, so
// exactly the bytes that were validated are written, however the input
// changes meanwhile.
//
// Each record must pass opts.CheckRecord, so that a file that validates is
// not refused by the store half-way. When ctx is cancelled Load stops
// promptly in either pass and returns an error wrapping ctx's, with Stats
// saying how many movies were written. If a write fails, Load stops starting
// new batches, lets the ones in flight finish, and says how many movies were
// written. Because writes replace by key, running Load again after an
// interruption or a failure ends with exactly the file's items.
func Load(ctx context.Context, open func() (io.ReadCloser, error), w Writer, opts Options) (Stats, error) {
	start := time.Now()
	opts = opts.withDefaults()
	rep, spool, err := validatePass(ctx, open, opts.CheckRecord, !opts.DryRun)
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
