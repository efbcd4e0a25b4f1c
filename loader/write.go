package loader

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/movieskit/movies"
)

// loadState is shared by the goroutines of one write pass.
type loadState struct {
	w        Writer
	opts     Options
	start    time.Time
	read     int
	written  atomic.Int64
	counter  RetryCounter // the writer, when it counts its retries
	retries0 int64        // its count when the pass began
}

func (s *loadState) stats() Stats {
	st := Stats{Read: s.read, Written: int(s.written.Load()), Elapsed: time.Since(s.start)}
	if s.counter != nil {
		st.Retries = int(s.counter.Retries() - s.retries0)
	}
	return st
}

// writePass reads the validated copy and writes it with a pool of workers.
// A failed batch stops new batches from starting; the batches in flight
// finish, so that the count of written movies is exact.
func writePass(ctx context.Context, open func() (io.ReadCloser, error), w Writer, opts Options, valid int, start time.Time) (Stats, error) {
	s := &loadState{w: w, opts: opts, start: start, read: valid}
	if c, ok := w.(RetryCounter); ok {
		s.counter, s.retries0 = c, c.Retries()
	}
	// stop ends the production of batches; Puts run on ctx, which only the
	// caller cancels.
	pctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	batches := make(chan []movies.Movie, opts.Workers)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if pctx.Err() != nil {
					continue // drain: a batch has failed
				}
				if err := s.put(ctx, b); err != nil {
					stop(err)
				}
			}
		}()
	}
	stopProgress := s.startProgress()
	readErr := s.produce(pctx, open, batches)
	close(batches)
	wg.Wait()
	stopProgress()

	st := s.stats()
	const rerun = "running the same command again ends with exactly the file's movies"
	if err := ctx.Err(); err != nil {
		return st, fmt.Errorf("load interrupted: %d of %d movies written; %s: %w", st.Written, valid, rerun, err)
	}
	if cause := context.Cause(pctx); cause != nil {
		return st, fmt.Errorf("load failed: %d of %d movies written; %s: %w", st.Written, valid, rerun, cause)
	}
	if readErr != nil {
		return st, fmt.Errorf("load failed: %d of %d movies written; %s: %w", st.Written, valid, rerun, readErr)
	}
	return st, nil
}

// produce reads the input and sends batches until it ends or ctx is done.
func (s *loadState) produce(ctx context.Context, open func() (io.ReadCloser, error), batches chan<- []movies.Movie) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("reopen input: %w", err)
	}
	defer rc.Close()
	batch := make([]movies.Movie, 0, s.opts.BatchSize)
	size := 0 // bytes of the batch's records
	send := func() bool {
		select {
		case batches <- batch:
			batch, size = make([]movies.Movie, 0, s.opts.BatchSize), 0
			return true
		case <-ctx.Done():
			return false
		}
	}
	errStop := errors.New("stop")
	var recErr error
	err = scan(rc, func(i int, raw json.RawMessage) {
		if recErr != nil {
			return
		}
		var m movies.Movie
		// scan's json.Decoder has checked raw's syntax: decode it directly.
		if err := m.UnmarshalJSON(raw); err != nil {
			recErr = fmt.Errorf("record %d changed since validation: %w", i, err)
			return
		}
		if len(batch) > 0 && size+len(raw) > s.opts.BatchBytes && !send() {
			recErr = errStop
			return
		}
		batch, size = append(batch, m), size+len(raw)
		if len(batch) == s.opts.BatchSize && !send() {
			recErr = errStop
		}
	})
	switch {
	case errors.Is(recErr, errStop):
		return nil
	case recErr != nil:
		return recErr
	case err != nil:
		return fmt.Errorf("read input again: %w", err)
	}
	if len(batch) > 0 {
		send()
	}
	return nil
}

// put writes one batch and adds the movies written to s.written: the whole
// batch, or on failure those the writer says it wrote (PartialWriteError).
func (s *loadState) put(ctx context.Context, b []movies.Movie) error {
	err := s.w.Put(ctx, b)
	if err == nil {
		s.written.Add(int64(len(b)))
		return nil
	}
	var pw PartialWriteError
	if errors.As(err, &pw) {
		s.written.Add(int64(len(pw.WrittenKeys())))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("write batch starting %s: %w", b[0].Key(), err)
}

// startProgress calls opts.Progress periodically until the returned function
// is called, which also makes the final call and waits for the goroutine.
func (s *loadState) startProgress() func() {
	if s.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.opts.ProgressInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.opts.Progress(s.stats())
			case <-done:
				s.opts.Progress(s.stats())
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
