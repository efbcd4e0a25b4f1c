package loader

import (
	"bytes"
	"cmp"
	"context"
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
	rw       RecordWriter // the writer, when it takes records
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
	s.rw, _ = w.(RecordWriter)
	if c, ok := w.(RetryCounter); ok {
		s.counter, s.retries0 = c, c.Retries()
	}
	// stop ends the production of batches; Puts run on ctx, which only the
	// caller cancels.
	pctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	batches := make(chan batch, opts.Workers)
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
	if err := cmp.Or(context.Cause(pctx), readErr); err != nil {
		return st, fmt.Errorf("load failed: %d of %d movies written; %s: %w", st.Written, valid, rerun, err)
	}
	return st, nil
}

// batch is records of the validated copy, from its record number first on.
type batch struct {
	first   int
	records [][]byte
}

// produce reads the input and sends batches until it ends or ctx is done.
func (s *loadState) produce(ctx context.Context, open func() (io.ReadCloser, error), batches chan<- batch) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("reopen input: %w", err)
	}
	defer rc.Close()
	var b batch
	size := 0 // bytes of the batch's records
	send := func(next int) bool {
		select {
		case batches <- b:
			b, size = batch{first: next}, 0
			return true
		case <-ctx.Done():
			return false
		}
	}
	errStop := errors.New("stop")
	err = split(rc, func(i int, raw []byte, n int64) error {
		if n > int64(len(raw)) { // cannot happen: the copy holds validated records
			return fmt.Errorf("the validated copy changed: %w", errTooLarge(n))
		}
		if len(b.records) > 0 && size+len(raw) > s.opts.BatchBytes && !send(i) {
			return errStop
		}
		b.records, size = append(b.records, bytes.Clone(raw)), size+len(raw)
		if len(b.records) == s.opts.BatchSize && !send(i+1) {
			return errStop
		}
		return nil
	})
	switch {
	case errors.Is(err, errStop):
		return nil
	case err != nil:
		return fmt.Errorf("read input again: %w", err)
	}
	if len(b.records) > 0 {
		send(0)
	}
	return nil
}

// put writes one batch and adds the movies written to s.written: the whole
// batch, or on failure those the writer says it wrote (PartialWriteError).
func (s *loadState) put(ctx context.Context, b batch) error {
	var err error
	if s.rw != nil {
		err = s.rw.PutRecords(ctx, b.records)
	} else {
		ms := make([]movies.Movie, len(b.records))
		for j, record := range b.records {
			if err := ms[j].UnmarshalJSON(record); err != nil {
				return fmt.Errorf("record %d changed since validation: %w", b.first+j, err)
			}
		}
		err = s.w.Put(ctx, ms)
	}
	if err == nil {
		s.written.Add(int64(len(b.records)))
		return nil
	}
	var pw PartialWriteError
	if errors.As(err, &pw) {
		s.written.Add(int64(len(pw.WrittenKeys())))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	k, _ := movies.RecordKey(b.records[0])
	return fmt.Errorf("write batch starting %s: %w", k, err)
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
