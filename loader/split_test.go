package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

// allocated returns the bytes allocated on the heap while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestBoundedMemory: long runs of white space and a huge record take memory
// bounded by a few records, from a plain or a gzip input. (The json.Decoder
// used to hold a whole white-space run, rescanning it on every refill, which
// took quadratic time on small reads (gzip, pipes); and it read a record whole
// before the size check: a 300 MB string took 1.4 GB.)
func TestBoundedMemory(t *testing.T) {
	const run = 8 << 20 // bytes of white space or of a string
	const bound = 4 * MaxRecordInputBytes
	rush := `{"year":2013,"title":"Rush"}`
	tooBig := fmt.Sprintf("record 0 (2013/Big): record is %d bytes (white space not counted), more than the %d-byte bound on a record of an input file",
		run+len(`{"year":2013,"title":"Big","info":{"plot":""}}`), MaxRecordInputBytes)
	tests := []struct {
		name     string
		in       func() io.Reader
		valid    int
		problems string
	}{
		{name: "spaces before a record", in: func() io.Reader { return padded("[", ' ', run, rush+"]") }, valid: 1},
		{name: "newlines inside a record", in: func() io.Reader { return padded(`[{"year":`, '\n', run, `2013,"title":"Rush"}]`) }, valid: 1},
		{name: "spaces after the array", in: func() io.Reader { return padded("[]", '\t', run, "") }},
		{name: "a huge string", in: func() io.Reader {
			return padded(`[{"year":2013,"title":"Big","info":{"plot":"`, 'x', run, `"}},`+rush+`]`)
		}, valid: 1, problems: tooBig},
		{name: "a huge number", in: func() io.Reader { return padded(`[1`, '0', run, `]`) },
			problems: fmt.Sprintf("record 0: record is %d bytes (white space not counted), more than the %d-byte bound on a record of an input file",
				run+1, MaxRecordInputBytes)},
	}
	for _, tt := range tests {
		for _, kind := range []string{"json", "gzip"} {
			t.Run(tt.name+" "+kind, func(t *testing.T) {
				var data []byte
				if kind == "gzip" {
					data = gzipStream(t, tt.in())
				}
				open := func() (io.ReadCloser, error) {
					if kind == "gzip" {
						return io.NopCloser(bytes.NewReader(data)), nil
					}
					return io.NopCloser(tt.in()), nil
				}
				var st Stats
				var err error
				n := allocated(func() { st, err = Load(context.Background(), open, nil, Options{DryRun: true}) })
				var got []string
				var ie *InvalidInputError
				if errors.As(err, &ie) {
					for _, p := range ie.Report.Problems {
						got = append(got, p.String())
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if st.Read != tt.valid || strings.Join(got, "\n") != tt.problems {
					t.Errorf("%d valid, problems:\n%s\nwant %d valid, problems:\n%s", st.Read, strings.Join(got, "\n"), tt.valid, tt.problems)
				}
				t.Logf("allocated %d bytes", n)
				if n > bound {
					t.Errorf("allocated %d bytes for %d bytes of input, more than %d", n, run, bound)
				}
			})
		}
	}
}

// TestRecordInputBound: the largest valid record, written with every escape
// the record size check does not count, fits in MaxRecordInputBytes; a
// record one byte larger is a problem of that record, named by its key, and
// the records after it are still checked.
func TestRecordInputBound(t *testing.T) {
	escape := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	}
	title := strings.Repeat(`\u0001`, movies.MaxTitleBytes)
	plot := strings.Repeat("x", movies.MaxRecordBytes-32-movies.MaxTitleBytes-len(`{"p":""}`))
	largest := fmt.Sprintf(`{"%s":2013,"%s":"%s","%s":{"p":"%s"}}`, escape("year"), escape("title"), title, escape("info"), plot)
	if len(largest) > MaxRecordInputBytes {
		t.Fatalf("the largest valid record takes %d bytes, more than MaxRecordInputBytes", len(largest))
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if stated := fmt.Sprintf("at most %d,%03d bytes", MaxRecordInputBytes/1000, MaxRecordInputBytes%1000); !strings.Contains(string(readme), stated) {
		t.Errorf("README does not say %q", stated)
	}
	rep, err := Check(strings.NewReader("[\n  " + largest + "\n]"))
	if err != nil || rep.Valid != 1 {
		t.Fatalf("the largest valid record (%d bytes): %+v, %v", len(largest), rep, err)
	}

	over := `{"year":2013,"title":"Over","info":{"p":"`
	over += strings.Repeat("x", MaxRecordInputBytes+1-len(over)-len(`"}}`)) + `"}}`
	rep, err = Check(strings.NewReader(`[` + over + `, {"year":2013,"title":"Rush"}, {"year":0,"title":"Zero"}]`))
	want := fmt.Sprintf("record 0 (2013/Over): record is %d bytes (white space not counted), more than the %d-byte bound on a record of an input file\n"+
		"record 2 (0/Zero): year must be an integer from 1 to 9999", MaxRecordInputBytes+1, MaxRecordInputBytes)
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	if err != nil || rep.Valid != 1 || strings.Join(got, "\n") != want {
		t.Fatalf("%d valid, err %v, problems:\n%s\nwant 1 valid and:\n%s", rep.Valid, err, strings.Join(got, "\n"), want)
	}
}

// TestLoadLeavesNoTempFiles: the temporary files of a load (the copy of a
// zip read from a stream, the validated copy of the input) are never visible
// in $TMPDIR, neither while the load runs nor after it, so that a load killed
// with SIGKILL leaves nothing behind. (They used to be removed at the end only.)
func TestLoadLeavesNoTempFiles(t *testing.T) {
	in := genFile(120)
	inputs := map[string][]byte{
		"json": []byte(in),
		"gzip": gzipOf(t, in),
		"zip":  zipOf(t, "moviedata.json", in),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", dir)
			visible := func(when string) {
				t.Helper()
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					t.Errorf("%s: %s is in $TMPDIR", when, e.Name())
				}
			}
			checked := 0
			w := newMemWriter()
			w.onPut = func(int) { visible("while writing") }
			open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
			_, err := Load(context.Background(), open, w, Options{Validate: func(*movies.Movie) error {
				if checked++; checked == 60 {
					visible("while validating")
				}
				return nil
			}})
			if err != nil || w.len() != 120 {
				t.Fatalf("err %v, %d written", err, w.len())
			}
			visible("after the load")
		})
	}
}

// TestZipStreamBound: a zip read from a stream is copied to a temporary file
// up to maxDecompressed bytes only; past it the input is refused. (It used to
// be copied whole: 1.26 GB of random bytes after "PK\x03\x04" were written
// to $TMPDIR before the archive was found unreadable.)
func TestZipStreamBound(t *testing.T) {
	defer func(old int64) { maxDecompressed = old }(maxDecompressed)
	maxDecompressed = 1 << 20
	t.Setenv("TMPDIR", t.TempDir())
	var read int64
	in := &countingReader{r: padded("PK\x03\x04", 'x', 8<<20, ""), n: &read}
	_, err := Load(context.Background(), func() (io.ReadCloser, error) { return io.NopCloser(in), nil }, nil, Options{DryRun: true})
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "zip input read from a stream is more than 1048576 bytes") {
		t.Fatalf("err = %v (%T), want a *FormatError naming the bound", err, err)
	}
	if read > maxDecompressed+128<<10 {
		t.Fatalf("read %d bytes of the stream, bound %d", read, maxDecompressed)
	}
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
