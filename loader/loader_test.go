package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/movieskit/movies"
)

// memWriter is an in-memory Writer; failEvery>0 makes every n-th Put fail with EUNAVAILABLE.
type memWriter struct {
	mu        sync.Mutex
	items     map[movies.Key]movies.Movie
	puts      int
	failEvery int
	failWith  error
	onPut     func(n int) // called after each successful Put with the number of puts so far
}

func newMemWriter() *memWriter { return &memWriter{items: map[movies.Key]movies.Movie{}} }

func (w *memWriter) Put(ctx context.Context, ms []movies.Movie) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.mu.Lock()
	w.puts++
	n := w.puts
	if w.failWith != nil {
		w.mu.Unlock()
		return w.failWith
	}
	if w.failEvery > 0 && n%w.failEvery == 0 {
		w.mu.Unlock()
		return movies.Errorf(movies.EUNAVAILABLE, "throttled")
	}
	for _, m := range ms {
		w.items[m.Key()] = m
	}
	w.mu.Unlock()
	if w.onPut != nil {
		w.onPut(n)
	}
	return nil
}

func (w *memWriter) len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.items)
}

func openString(s string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// genFile returns a JSON array of n distinct valid movies.
func genFile(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"year":%d,"title":"Movie %d","info":{"rating":%d.5,"genres":["Drama"]}}`, 1900+i%120, i, i%10)
	}
	b.WriteString("]")
	return b.String()
}

func TestValidateInput(t *testing.T) {
	long := strings.Repeat("x", movies.MaxTitleBytes+1)
	tests := []struct {
		name     string
		in       string
		valid    int
		problems []string // Problem.String() of each problem, in order
		errHas   string   // substring of the whole-input error
	}{
		{name: "empty array", in: `[]`},
		{name: "two valid", in: `[{"year":2013,"title":"Rush","info":{"rating":8.3}},{"year":2013,"title":"Prisoners"}]`, valid: 2},
		{name: "not an array", in: `{"year":2013,"title":"Rush"}`, errHas: "not a JSON array"},
		{name: "empty input", in: ``, errHas: "truncated"},
		{name: "truncated record", in: `[{"year":2013,"title":"Ru`, errHas: "truncated"},
		{name: "truncated array", in: `[{"year":2013,"title":"Rush"}`, errHas: "truncated"},
		{name: "malformed", in: `[{"year":2013,,}]`, errHas: "malformed JSON"},
		{name: "trailing data", in: `[] []`, errHas: "after the JSON array"},
		{name: "year as string", in: `[{"year":"2013","title":"Rush"}]`,
			problems: []string{"record 0 (2013/Rush): year must be an integer"}},
		{name: "year fractional", in: `[{"year":2013.5,"title":"Rush"}]`,
			problems: []string{"record 0: year must be an integer from 1 to 9999"}},
		{name: "year out of range", in: `[{"year":10000,"title":"Rush"}]`,
			problems: []string{"record 0 (10000/Rush): year must be an integer from 1 to 9999"}},
		{name: "year zero", in: `[{"year":0,"title":"Rush"}]`,
			problems: []string{"record 0 (0/Rush): year must be an integer from 1 to 9999"}},
		{name: "missing title", in: `[{"year":2013,"info":{}}]`,
			problems: []string{"record 0: title is missing"}},
		{name: "empty title", in: `[{"year":2013,"title":""}]`,
			problems: []string{"record 0 (2013/): title must not be empty"}},
		{name: "title not string", in: `[{"year":2013,"title":42}]`,
			problems: []string{"record 0: title must be a string"}},
		{name: "unknown field", in: `[{"year":2013,"title":"Rush","rating":8}]`,
			problems: []string{`record 0 (2013/Rush): unknown field "rating" (allowed: year, title, info)`}},
		{name: "info not object", in: `[{"year":2013,"title":"Rush","info":[1]}]`,
			problems: []string{"record 0 (2013/Rush): info must be a JSON object"}},
		{name: "record not object", in: `[1, "x", null]`,
			problems: []string{"record 0: record must be a JSON object", "record 1: record must be a JSON object", "record 2: record must be a JSON object, not null"}},
		{name: "1025-byte title", in: `[{"year":2013,"title":"` + long + `"}]`,
			problems: []string{"record 0 (2013/" + long[:80] + "…): title must be at most 1024 bytes"}},
		{name: "1024-byte title", in: `[{"year":2013,"title":"` + long[1:] + `"}]`, valid: 1},
		{name: "duplicate keys", in: `[{"year":2013,"title":"Rush"},{"year":2014,"title":"Rush"},{"year":2013,"title":"Rush","info":{}}]`,
			valid: 2, problems: []string{"record 2 (2013/Rush): duplicate key: same year and title as record 0"}},
		{name: "key read case-sensitively", in: `[{"year":2013,"title":"a","Year":1}]`,
			problems: []string{`record 0 (2013/a): unknown field "Year" (allowed: year, title, info)`}},
		{name: "title with an escape sequence", in: `[{"year":2013,"title":"a\u001b[2Jb","x":1}]`,
			problems: []string{`record 0 (2013/"a\x1b[2Jb"): unknown field "x" (allowed: year, title, info)`}},
		{name: "title with invalid UTF-8", in: "[{\"year\":2013,\"title\":\"a\xff\"}]",
			problems: []string{`record 0 (2013/"a\xff"): title must be valid UTF-8`}},
		{name: "white space between words kept", in: `[{"year":2013,"title":"a","info":{"r":[1 2]}}]`, errHas: "malformed JSON"},
		{name: "two words", in: `[1 2]`, errHas: "malformed JSON"},
		{name: "trailing comma", in: `[{"year":2013,"title":"Rush"},]`, errHas: "malformed JSON"},
		{name: "pretty-printed", in: "[\n  {\n    \"year\" : 2013 ,\r\n\t\"title\": \"Rush \\\" \",\n    \"info\": { \"r\" : [ 1 , true , null ] }\n  }\n]\n", valid: 1},
		{name: "every problem reported", in: `[{"year":"x","title":"A"},{"year":2000,"title":"ok"},{"title":"B"},{"year":2000,"title":"ok"}]`,
			valid: 1, problems: []string{"record 0: year must be an integer", "record 2: year is missing",
				"record 3 (2000/ok): duplicate key: same year and title as record 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, problems, err := Validate(strings.NewReader(tt.in))
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want one containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if n != tt.valid {
				t.Errorf("valid = %d, want %d", n, tt.valid)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.problems, "\n"))
			}
		})
	}
}

func TestCheckCapsProblems(t *testing.T) {
	in := "[" + strings.TrimSuffix(strings.Repeat(`{"year":0,"title":"x"},`, MaxProblems+7), ",") + "]"
	rep, err := Check(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != MaxProblems || rep.Omitted != 7 || rep.Records != MaxProblems+7 {
		t.Fatalf("problems=%d omitted=%d records=%d", len(rep.Problems), rep.Omitted, rep.Records)
	}
}

func TestDuplicateFirstIndex(t *testing.T) {
	_, problems, err := Validate(strings.NewReader(`[{"year":1,"title":"a"},{"year":1,"title":"b"},{"year":1,"title":"a"}]`))
	if err != nil || len(problems) != 1 {
		t.Fatalf("problems=%v err=%v", problems, err)
	}
	if p := problems[0]; p.Index != 2 || p.FirstIndex != 0 {
		t.Fatalf("problem = %+v", p)
	}
}

func TestLoad(t *testing.T) {
	const n = 1003
	tests := []struct {
		name    string
		opts    Options
		w       *memWriter
		want    int
		retries bool
	}{
		{name: "defaults", w: newMemWriter(), want: n},
		{name: "one worker batch 1", opts: Options{Workers: 1, BatchSize: 1}, w: newMemWriter(), want: n},
		{name: "dry run", opts: Options{DryRun: true}, w: newMemWriter(), want: 0},
		{name: "retries unavailable", w: &memWriter{items: map[movies.Key]movies.Movie{}, failEvery: 3}, want: n, retries: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			tt.opts.Progress = func(Stats) { calls++ }
			st, err := Load(context.Background(), openString(genFile(n)), tt.w, tt.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := tt.w.len(); got != tt.want || st.Written != tt.want || st.Read != n {
				t.Fatalf("items=%d stats=%+v, want %d written of %d", got, st, tt.want, n)
			}
			if tt.retries != (st.Retries > 0) {
				t.Errorf("retries = %d", st.Retries)
			}
			if !tt.opts.DryRun && calls == 0 {
				t.Errorf("progress never called")
			}
		})
	}
}

func TestLoadInvalidWritesNothing(t *testing.T) {
	w := newMemWriter()
	in := `[{"year":2013,"title":"Rush"},{"year":"2013","title":"Bad"},{"year":2013,"title":"Rush"}]`
	_, err := Load(context.Background(), openString(in), w, Options{})
	var ie *InvalidInputError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *InvalidInputError", err)
	}
	if len(ie.Report.Problems) != 2 || w.len() != 0 || w.puts != 0 {
		t.Fatalf("problems=%v items=%d puts=%d", ie.Report.Problems, w.len(), w.puts)
	}
}

func TestLoadPermanentErrorStops(t *testing.T) {
	w := newMemWriter()
	w.failWith = errors.New("boom")
	_, err := Load(context.Background(), openString(genFile(500)), w, Options{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadInterruptedThenRerun(t *testing.T) {
	const n = 2000
	in := genFile(n)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newMemWriter()
	w.onPut = func(puts int) {
		if puts == 10 {
			cancel()
		}
	}
	st, err := Load(ctx, openString(in), w, Options{Workers: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if st.Written == 0 || st.Written >= n || st.Written != w.len() {
		t.Fatalf("stats %+v, items %d", st, w.len())
	}
	w.onPut = nil
	st, err = Load(context.Background(), openString(in), w, Options{})
	if err != nil || st.Written != n || w.len() != n {
		t.Fatalf("rerun: stats %+v items %d err %v", st, w.len(), err)
	}
}

// changeAtEOF reads a file and, once it has been read to the end (the
// validation pass is over), overwrites it with other movies, as a user
// replacing the file during a load would.
type changeAtEOF struct {
	*os.File
	path string
	done bool
}

func (c *changeAtEOF) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	if err == io.EOF && !c.done {
		c.done = true
		if werr := os.WriteFile(c.path, []byte(`[{"year":1999,"title":"Other"}]`), 0o600); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// TestLoadWritesTheValidatedBytes: a file changed after it was validated
// must not change what is written (it used to be reopened for the write pass,
// which then loaded the new content or failed half-way).
func TestLoadWritesTheValidatedBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.json")
	in := genFile(600)
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	opens := 0
	open := func() (io.ReadCloser, error) {
		opens++
		f, err := os.Open(path)
		return &changeAtEOF{File: f, path: path}, err
	}
	w := newMemWriter()
	st, err := Load(context.Background(), open, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opens != 1 || w.len() != 600 || st.Written != 600 {
		t.Fatalf("opens=%d items=%d written=%d, want 1, 600, 600", opens, w.len(), st.Written)
	}
	if _, ok := w.items[movies.Key{Year: 1999, Title: "Other"}]; ok {
		t.Fatal("the content written after validation was loaded")
	}
}

func TestLoadSpoolsOneShotInput(t *testing.T) {
	used := false
	open := func() (io.ReadCloser, error) {
		if used {
			return nil, errors.New("stdin can be read only once")
		}
		used = true
		return io.NopCloser(strings.NewReader(genFile(77))), nil
	}
	w := newMemWriter()
	if _, err := Load(context.Background(), open, w, Options{}); err != nil {
		t.Fatal(err)
	}
	if w.len() != 77 {
		t.Fatalf("items=%d", w.len())
	}
}

type countingWriter struct {
	*memWriter
	n int64
}

func (c *countingWriter) Retries() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

func TestLoadReportsWriterRetries(t *testing.T) {
	w := &countingWriter{memWriter: newMemWriter(), n: 40}
	w.onPut = func(int) { w.mu.Lock(); w.n++; w.mu.Unlock() }
	st, err := Load(context.Background(), openString(genFile(50)), w, Options{BatchSize: 10, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Retries != 5 {
		t.Fatalf("retries = %d, want 5", st.Retries)
	}
}

func BenchmarkValidate(b *testing.B) {
	in := genFile(5000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, err := Validate(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

// genReader streams a JSON array of n distinct movies without holding it in memory.
type genReader struct {
	n, i int
	buf  []byte
	done bool
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0 && g.n > 0:
			g.buf = append(g.buf, '[')
		case g.i == g.n:
			g.buf, g.done = append(g.buf, ']'), true
			if g.n == 0 {
				g.buf = []byte("[]")
			}
			continue
		}
		if g.i > 0 {
			g.buf = append(g.buf, ',', '\n')
		}
		g.buf = fmt.Appendf(g.buf, `{"year":%d,"title":"Generated movie number %d","info":{"plot":"%s","rating":7.5}}`,
			1900+g.i%120, g.i, strings.Repeat("p", 400))
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func TestGenReader(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		got, problems, err := Validate(&genReader{n: n})
		if err != nil || got != n || len(problems) != 0 {
			t.Fatalf("n=%d: got %d, problems %v, err %v", n, got, problems, err)
		}
	}
}

// BenchmarkValidateStream validates a generated ~200 MB stream of 400,000
// records and reports the peak RSS: it grows only with the duplicate-key set
// (a 128-bit hash and an index per record), not with the input.
func BenchmarkValidateStream(b *testing.B) {
	const n = 400_000
	base := resetPeakRSS()
	for b.Loop() {
		g := &genReader{n: n}
		got, _, err := Validate(g)
		if err != nil || got != n {
			b.Fatalf("got %d, err %v", got, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(base)/(1<<20), "start-RSS-MB")
}
