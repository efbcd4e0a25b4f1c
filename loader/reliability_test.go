package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/movieskit/movies"
)

// partialWriter writes half of the failBatch-th batch and then fails with a
// PartialWriteError naming what it wrote; every other Put succeeds after a
// short delay, so that other batches are in flight when one fails.
type partialWriter struct {
	*memWriter
	failBatch int
}

type partialErr struct{ keys []movies.Key }

func (e *partialErr) Error() string             { return fmt.Sprintf("wrote %d, then failed", len(e.keys)) }
func (e *partialErr) WrittenKeys() []movies.Key { return e.keys }

func (w *partialWriter) Put(ctx context.Context, ms []movies.Movie) error {
	w.mu.Lock()
	w.puts++
	n := w.puts
	w.mu.Unlock()
	if n == w.failBatch {
		half := ms[:len(ms)/2]
		var keys []movies.Key
		w.mu.Lock()
		for _, m := range half {
			w.items[m.Key()] = m
			keys = append(keys, m.Key())
		}
		w.mu.Unlock()
		return movies.WrapError(movies.EINTERNAL, &partialErr{keys}, "store failed")
	}
	time.Sleep(20 * time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range ms {
		w.items[m.Key()] = m
	}
	return nil
}

// TestLoadFailureCountsExactly: when a write fails mid-way, the count in
// the message is what the store holds (it used to leave out the failed
// batch's written movies and the batches cancelled in flight), and the
// message says that a rerun converges.
func TestLoadFailureCountsExactly(t *testing.T) {
	const n = 2000
	w := &partialWriter{memWriter: newMemWriter(), failBatch: 7}
	st, err := Load(context.Background(), openString(genFile(n)), w, Options{Workers: 4})
	if err == nil {
		t.Fatal("load succeeded")
	}
	if st.Written != w.len() {
		t.Fatalf("stats say %d written, the store holds %d", st.Written, w.len())
	}
	want := fmt.Sprintf("load failed: %d of %d movies written; running the same command again ends with exactly the file's movies", w.len(), n)
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant it to contain %q", err, want)
	}
	w.failBatch = -1
	if st, err := Load(context.Background(), openString(genFile(n)), w, Options{Workers: 4}); err != nil || w.len() != n || st.Written != n {
		t.Fatalf("rerun: %+v %v, store holds %d", st, err, w.len())
	}
}

// xRule checks a record by the domain's rules and a store rule of its own:
// no info key "x".
func xRule(record []byte) (movies.Key, error) {
	m, _, err := movies.ParseMovie(record, nil)
	if err == nil && strings.Contains(string(m.Info), `"x"`) {
		err = movies.Errorf(movies.EINVALID, "info key x is not allowed here")
	}
	return m.Key(), err
}

// TestLoadAppliesStoreRules: the store's own rules (Options.CheckRecord) are
// applied before anything is written, and to a dry run.
func TestLoadAppliesStoreRules(t *testing.T) {
	in := strings.TrimSuffix(genFile(500), "]") + `,{"year":2000,"title":"X","info":{"x":1}}]`
	w := newMemWriter()
	_, err := Load(context.Background(), openString(in), w, Options{CheckRecord: xRule})
	var ie *InvalidInputError
	if !errors.As(err, &ie) || len(ie.Report.Problems) != 1 || ie.Report.Problems[0].Index != 500 || w.len() != 0 {
		t.Fatalf("err = %v, store holds %d; want record 500 refused and nothing written", err, w.len())
	}
	_, err = Load(context.Background(), openString(in), nil, Options{DryRun: true, CheckRecord: xRule})
	if !errors.As(err, &ie) || ie.Report.Problems[0].Reason != "info key x is not allowed here" {
		t.Fatalf("dry run: err = %v", err)
	}
}

// TestLoadCancelledWhileValidatingSlowInput: a slow input (a pipe that stops
// sending) does not delay cancellation of the validation pass.
func TestLoadCancelledWhileValidatingSlowInput(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte(`[{"year":2013,"title":"Rush"},`)) }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Load(ctx, func() (io.ReadCloser, error) { return pr, nil }, newMemWriter(), Options{})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was written") {
			t.Fatalf("err = %v, want context.Canceled and nothing written", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Load did not return within 10 s of the cancellation")
	}
}

// TestRecordsThatChangeSilently: duplicate keys anywhere in a record and lone
// surrogates are problems of the record (they used to be kept or replaced).
func TestRecordsThatChangeSilently(t *testing.T) {
	in := `[{"year":2013,"title":"Rush"},
		{"year":2013,"title":"A","title":"B"},
		{"year":2013,"title":"C","info":{"r":1,"r":2}},
		{"year":2013,"title":"D","info":{"a":[{"k":1,"k":1}]}},
		{"year":2013,"title":"\ud800"},
		{"year":2013,"title":"E","info":{"plot":"x\udc00"}}]`
	rep, err := check(strings.NewReader(in), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, p := range rep.Problems {
		got = append(got, p.Index)
	}
	if fmt.Sprint(got) != "[1 2 3 4 5]" || rep.Valid != 1 {
		t.Fatalf("problems at %v (valid %d), want [1 2 3 4 5]: %v", got, rep.Valid, rep.Problems)
	}
}

// TestFormatErrors: every kind of unreadable input is a *FormatError.
func TestFormatErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":      ``,
		"object":     `{"year":2013}`,
		"truncated":  `[{"year":2013,"title":"Rush"}`,
		"malformed":  `[{"year":2013,"title":"Rush"} x]`,
		"trailing":   `[] []`,
		"bad record": `[{"year":2013,"title":]`,
		"garbage":    "\x00\x01",
	} {
		_, err := Load(context.Background(), openString(in), nil, Options{DryRun: true})
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v (%T), want *FormatError", name, err, err)
		}
	}
}
