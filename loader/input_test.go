package loader

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipOf returns a zip archive holding the given files (name, content pairs).
func zipOf(t *testing.T, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for len(files) >= 2 {
		name, content := files[0], files[1]
		files = files[2:]
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(f, content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLoadCompressed loads a zip holding one JSON file and a gzip stream,
// from a file (whatever its name) and from a one-shot stream.
func TestLoadCompressed(t *testing.T) {
	in := genFile(300)
	dir := t.TempDir()
	inputs := map[string][]byte{
		"moviedata.zip":     zipOf(t, "moviedata.json", in),
		"moviedata.json.gz": gzipOf(t, in),
		"named-wrong.json":  zipOf(t, "dir/", "", "moviedata.json", in),
	}
	for name, data := range inputs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, from := range []string{"file", "stream"} {
			open := func() (io.ReadCloser, error) { return os.Open(path) }
			if from == "stream" {
				open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewBuffer(data)), nil }
			}
			w := newMemWriter()
			st, err := Load(context.Background(), open, w, Options{})
			if err != nil || st.Written != 300 || w.len() != 300 {
				t.Errorf("%s from a %s: %+v, %v, store holds %d", name, from, st, err, w.len())
			}
		}
	}
}

func TestLoadCompressedErrors(t *testing.T) {
	defer func(old int64) { maxDecompressed = old }(maxDecompressed)
	maxDecompressed = 1 << 20
	valid := genFile(3)
	bad := `[{"year":2013,"title":"Rush"},{"year":0,"title":"Zero"}]`
	big := strings.Repeat(" ", 2<<20) + valid
	corrupt := gzipOf(t, valid)
	corrupt[len(corrupt)-5] ^= 0xff // the CRC
	tests := []struct {
		name    string
		data    []byte
		invalid bool   // an *InvalidInputError rather than a *FormatError
		want    string // in the error
	}{
		{"zip: invalid record", zipOf(t, "movies.json", bad), true, "zip entry movies.json has 1 invalid record(s) out of 2"},
		{"zip: truncated JSON", zipOf(t, "movies.json", valid[:20]), false, "zip entry movies.json: record 0 is not valid JSON: input is truncated"},
		{"zip: two files", zipOf(t, "a.json", valid, "b.json", valid), false, "exactly one file, it holds 2 (a.json, b.json)"},
		{"zip: escape sequence in a name", zipOf(t, "m\x1b]0;x\a.json", bad), true, `zip entry "m\x1b]0;x\a.json" has 1 invalid record(s)`},
		{"zip: escape sequences in names", zipOf(t, "a\x1b[2J", valid, "b\u202e", valid), false, `it holds 2 ("a\x1b[2J", "b\u202e")`},
		{"zip: escape sequence in a name, truncated JSON", zipOf(t, "m\x1b[2J.json", valid[:20]), false, `zip entry "m\x1b[2J.json": record 0 is not valid JSON`},
		{"zip: no file", zipOf(t), false, "exactly one file, it holds 0"},
		{"zip: bomb", zipOf(t, "big.json", big), false, "more than the 1048576-byte bound"},
		{"zip: truncated archive", zipOf(t, "m.json", valid)[:30], false, "zip input is not a readable archive"},
		{"gzip: bomb", gzipOf(t, big), false, "gzip input expands to more than 1048576 bytes"},
		{"gzip: corrupt", corrupt, false, "gzip input is corrupt"},
		{"gzip: truncated", gzipOf(t, valid)[:12], false, "gzip input is corrupt"},
		{"gzip: invalid record", gzipOf(t, bad), true, "input has 1 invalid record(s) out of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, from := range []string{"file", "stream"} {
				open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tt.data)), nil }
				if from == "file" {
					path := filepath.Join(t.TempDir(), "in")
					if err := os.WriteFile(path, tt.data, 0o600); err != nil {
						t.Fatal(err)
					}
					open = func() (io.ReadCloser, error) { return os.Open(path) }
				}
				w := newMemWriter()
				_, err := Load(context.Background(), open, w, Options{})
				var fe *FormatError
				var ie *InvalidInputError
				ok := errors.As(err, &fe)
				if tt.invalid {
					ok = errors.As(err, &ie)
				}
				if !ok || !strings.Contains(err.Error(), tt.want) || w.len() != 0 {
					t.Errorf("from a %s: err = %v (%T), store holds %d; want %q", from, err, err, w.len(), tt.want)
				}
				if ie != nil && ie.Report.Problems[0].Index != 1 {
					t.Errorf("problem %v, want record 1", ie.Report.Problems[0])
				}
			}
		})
	}
}
