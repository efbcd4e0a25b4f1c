package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
)

// How Put retries. BatchWriteItem of put requests replaces items by key, so
// sending an item again is always safe: Put makes each call with
// singleAttempt and retries it itself. Every retry waits a random delay from
// 0 to min(backoffCap, backoffBase·2^n) ("full jitter"), n counting the calls
// since the batch last made progress. Throttled calls and unprocessed items are
// retried until ctx is done: DynamoDB answered, and takes the items when
// capacity allows. A call that fails in transit (a network error, a reset or
// closed connection, an answer that cannot be read, a 5xx) is retried too,
// but after maxFailedCalls such failures in a row Put gives up: DynamoDB is
// then unreachable, not busy. Any other error ends Put at once.
const (
	backoffBase    = 25 * time.Millisecond
	backoffCap     = 2 * time.Second
	maxFailedCalls = 10
)

// Put writes the movies, replacing any with the same key. Every movie is
// checked and converted first (movieToItem); if any is invalid nothing is
// written and the error is EINVALID. Repeated keys are written once, with the
// last occurrence's data. Items go out in sequential BatchWriteItem calls of
// at most 25 items and maxBatchBytes bytes, retried as the constants above
// say. A failed Put says how many movies were written.
func (s *Store) Put(ctx context.Context, ms []movies.Movie) error {
	keys := make([]movies.Key, len(ms))
	items := make([]map[string]types.AttributeValue, len(ms))
	for i := range ms {
		item, err := movieToItem(&ms[i])
		if err != nil {
			return fmt.Errorf("movie %d of %d: %w", i+1, len(ms), err)
		}
		keys[i], items[i] = ms[i].Key(), item
	}
	return s.write(ctx, keys, items)
}

// PutRecords is Put of records of a movie file, each decoded, checked and
// converted in one walk of its bytes (see CheckRecord). It is loader.RecordWriter.
func (s *Store) PutRecords(ctx context.Context, records [][]byte) error {
	keys := make([]movies.Key, len(records))
	items := make([]map[string]types.AttributeValue, len(records))
	for i, record := range records {
		k, item, err := recordToItem(record)
		if err != nil {
			return fmt.Errorf("record %d of %d: %w", i+1, len(records), err)
		}
		keys[i], items[i] = k, item
	}
	return s.write(ctx, keys, items)
}

// write writes the items, with the keys of the same index, as Put says.
func (s *Store) write(ctx context.Context, keys []movies.Key, items []map[string]types.AttributeValue) error {
	last := make(map[movies.Key]int, len(keys))
	for i, k := range keys {
		last[k] = i
	}
	var sizes []int
	kept := items[:0]
	for i, item := range items {
		if last[keys[i]] == i {
			kept = append(kept, item)
			sizes = append(sizes, putRequestBytes(item))
		}
	}
	var written []movies.Key
	start := 0
	for _, end := range batchEnds(sizes, maxBatchBytes-batchOverheadBytes(s.table)) {
		reqBytes := batchOverheadBytes(s.table)
		for _, n := range sizes[start:end] {
			reqBytes += n
		}
		keys, err := s.writeBatch(ctx, kept[start:end], reqBytes)
		written = append(written, keys...)
		if err != nil {
			return putError(fmt.Errorf("put into table %s: %w", s.table, err), written, len(kept))
		}
		start = end
	}
	return nil
}

// Retries returns how many BatchWriteItem calls the store has retried since
// it was made: one per throttled call, per call that left items unprocessed
// and per call that failed in transit. It is loader.RetryCounter.
func (s *Store) Retries() int64 { return s.retries.Load() }

// PartialWriteError is the cause of a Put that failed after DynamoDB had
// acknowledged some of its movies: Written lists their keys.
type PartialWriteError struct {
	Written []movies.Key
	Total   int
	Err     error
}

func (e *PartialWriteError) Error() string {
	return fmt.Sprintf("wrote %d of %d movies: %v", len(e.Written), e.Total, e.Err)
}

func (e *PartialWriteError) Unwrap() error { return e.Err }

// WrittenKeys returns the keys of the movies written before the failure.
func (e *PartialWriteError) WrittenKeys() []movies.Key { return e.Written }

// putError returns the domain error for a Put that gave up after writing
// the movies with keys written out of total.
func putError(err error, written []movies.Key, total int) error {
	code, msg := movies.EINTERNAL, msgInternal
	var e *movies.Error
	if errors.As(storeError(err), &e) {
		code, msg = e.Code, e.Message
	}
	cause := &PartialWriteError{Written: written, Total: total, Err: err}
	return movies.WrapError(code, cause, fmt.Sprintf("%s: wrote %d of %d movies", msg, len(written), total))
}

// writeBatch writes items, whose request is reqBytes long, with BatchWriteItem,
// retrying as Put's constants say until all are written, ctx is done or a
// call fails for good. It returns the keys of the items written.
func (s *Store) writeBatch(ctx context.Context, items []map[string]types.AttributeValue, reqBytes int) ([]movies.Key, error) {
	reqs := make([]types.WriteRequest, len(items))
	for i, item := range items {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
	}
	var written []movies.Key
	failed := 0 // calls in a row that failed in transit
	for attempt := 0; ; attempt++ {
		out, err := s.batchWrite(ctx, reqs, reqBytes)
		switch {
		case err == nil:
			failed = 0
			left := out.UnprocessedItems[s.table]
			written = appendProcessed(written, reqs, left)
			if len(left) == 0 {
				return written, nil
			}
			if slices.ContainsFunc(left, func(r types.WriteRequest) bool { return r.PutRequest == nil }) {
				return written, errors.New("batch write: DynamoDB returned as unprocessed a request that is not a put")
			}
			if len(left) < len(reqs) {
				attempt = 0 // progress: start the backoff over
				reqBytes = batchOverheadBytes(s.table)
				for _, r := range left {
					reqBytes += putRequestBytes(r.PutRequest.Item)
				}
			}
			reqs = left
		case ctx.Err() != nil:
			return written, fmt.Errorf("batch write: %w", err)
		case isThrottling(err):
			failed = 0
		case isTransient(err):
			if failed++; failed == maxFailedCalls {
				return written, fmt.Errorf("batch write: %d calls in a row failed: %w", failed, err)
			}
		default:
			return written, fmt.Errorf("batch write: %w", err)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return written, fmt.Errorf("batch write: %d items still unprocessed: %w", len(reqs), err)
		}
		s.retries.Add(1)
	}
}

// batchWrite makes one BatchWriteItem call of reqs, whose request is reqBytes
// long, once the store's calls in flight leave room for it.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest, reqBytes int) (*ddb.BatchWriteItemOutput, error) {
	n := min(reqBytes, maxInFlightBytes)
	if err := s.inFlight.Acquire(ctx, int64(n)); err != nil {
		return nil, fmt.Errorf("wait to send %d bytes: %w", n, err)
	}
	defer s.inFlight.Release(int64(n))
	return s.client.BatchWriteItem(ctx, &ddb.BatchWriteItemInput{ // writeBatch classifies and wraps errors
		RequestItems: map[string][]types.WriteRequest{s.table: reqs},
	}, singleAttempt)
}

// appendProcessed appends the keys of the requests in reqs that are not in left.
func appendProcessed(written []movies.Key, reqs, left []types.WriteRequest) []movies.Key {
	unprocessed := make(map[movies.Key]bool, len(left))
	for _, r := range left {
		if r.PutRequest != nil {
			if k, err := itemKey(r.PutRequest.Item); err == nil {
				unprocessed[k] = true
			}
		}
	}
	for _, r := range reqs {
		if k, err := itemKey(r.PutRequest.Item); err == nil && !unprocessed[k] {
			written = append(written, k)
		}
	}
	return written
}

// backoff returns a random delay from 0 to min(cap, base·2^attempt) ("full jitter").
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffCap, backoffBase<<attempt)
	}
	return rand.N(d + 1) //nolint:gosec // G404: retry jitter needs no unpredictability
}

// sleep waits for d or until ctx is done, returning ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
