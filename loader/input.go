package loader

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxDecompressedBytes bounds what a compressed input may expand to (1 GiB,
// about 280 times the AWS movie sample), so that a small archive cannot fill
// the disk or keep the loader busy: past it the input is refused as invalid.
// It also bounds the copy of a zip archive read from a stream.
const MaxDecompressedBytes = 1 << 30

// maxDecompressed is MaxDecompressedBytes; tests lower it.
var maxDecompressed int64 = MaxDecompressedBytes

// Magic numbers that identify a compressed input by content.
var (
	gzipMagic     = []byte{0x1f, 0x8b}
	zipMagic      = []byte("PK\x03\x04")
	emptyZipMagic = []byte("PK\x05\x06")
)

// FormatError means the input as a whole cannot be read as a movie file: it
// is not a JSON array, it is truncated or malformed, or it is a broken or
// unsuitable archive. Nothing has been written when it is returned.
type FormatError struct {
	// Entry is the zip entry read, if the input is a zip archive.
	Entry string
	Err   error
}

func (e *FormatError) Error() string {
	if e.Entry != "" {
		return fmt.Sprintf("zip entry %s: %v", Printable(e.Entry), e.Err)
	}
	return e.Err.Error()
}

func (e *FormatError) Unwrap() error { return e.Err }

// formatErrorf returns a *FormatError with a formatted message.
func formatErrorf(format string, args ...any) error {
	return &FormatError{Err: fmt.Errorf(format, args...)}
}

// source is an opened input, decompressed if it was compressed.
type source struct {
	r     io.Reader
	entry string // the zip entry read, or ""
	kind  string // "json", "gzip" or "zip"
	// n counts the decompressed bytes read, to bound them.
	n int64
	// closers are closed in reverse order by close.
	closers []func()
}

func (s *source) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// Read reads decompressed bytes, refusing past MaxDecompressedBytes.
func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if s.kind != "json" && s.n > maxDecompressed {
		return n, formatErrorf("%s input expands to more than %d bytes (the bound against archive bombs)",
			s.kind, maxDecompressed)
	}
	if err != nil && !errors.Is(err, io.EOF) && s.kind != "json" && !isContextErr(err) {
		// A corrupt stream or a checksum mismatch: the file is invalid.
		return n, &FormatError{Err: fmt.Errorf("%s input is corrupt: %w", s.kind, err)}
	}
	return n, err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// openSource detects by content whether rc holds JSON, a gzip stream or a zip
// archive with one file, and returns a reader of the JSON it holds. A zip
// read from something other than a regular file is first copied to a
// temporary file, as zip needs random access; one of more than
// maxDecompressed bytes is refused.
func openSource(ctx context.Context, rc io.Reader) (*source, error) {
	br := bufio.NewReaderSize(newCtxReader(ctx, rc), 64<<10)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read input: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErrorf("gzip input is corrupt: %w", err)
		}
		return &source{r: gz, kind: "gzip", closers: []func(){func() { _ = gz.Close() }}}, nil
	case bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, emptyZipMagic):
		return openZip(ctx, rc, br)
	default:
		return &source{r: br, kind: "json"}, nil
	}
}

// openZip opens the one file of a zip archive.
func openZip(ctx context.Context, rc io.Reader, br *bufio.Reader) (*source, error) {
	s := &source{kind: "zip"}
	var ra io.ReaderAt
	var size int64
	if f, ok := rc.(*os.File); ok && isRegularFile(f) {
		fi, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("stat input: %w", err)
		}
		ra, size = f, fi.Size()
	} else {
		// The copy is bounded like the decompressed input: a zip holding one
		// file of at most maxDecompressed bytes is hardly larger.
		tmp, err := createTemp("movies-load-*.zip", "the zip input")
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, tmp.close)
		n, err := io.CopyN(tmp, br, maxDecompressed+1)
		switch {
		case n > maxDecompressed:
			s.close()
			return nil, formatErrorf("zip input read from a stream is more than %d bytes (the bound against archive bombs)", maxDecompressed)
		case err != nil && !errors.Is(err, io.EOF):
			s.close()
			return nil, fmt.Errorf("copy the zip input: %w", err)
		}
		ra, size = tmp, n
	}
	if err := ctx.Err(); err != nil {
		s.close()
		return nil, err
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		s.close()
		return nil, formatErrorf("zip input is not a readable archive: %w", err)
	}
	var files []*zip.File
	var names []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		files = append(files, f)
		names = append(names, Printable(f.Name))
	}
	if len(files) != 1 {
		s.close()
		return nil, formatErrorf("zip input must hold exactly one file, it holds %d (%s)", len(files), strings.Join(names, ", "))
	}
	f := files[0]
	if f.UncompressedSize64 > uint64(maxDecompressed) { //nolint:gosec // G115: maxDecompressed is positive
		s.close()
		return nil, &FormatError{Entry: f.Name, Err: fmt.Errorf("entry is %d bytes, more than the %d-byte bound against archive bombs",
			f.UncompressedSize64, maxDecompressed)}
	}
	r, err := f.Open()
	if err != nil {
		s.close()
		return nil, &FormatError{Entry: f.Name, Err: fmt.Errorf("open entry: %w", err)}
	}
	s.closers = append(s.closers, func() { _ = r.Close() })
	s.r, s.entry = newCtxReader(ctx, r), f.Name
	return s, nil
}

// ctxReader makes reads return promptly once ctx is done, even when the
// underlying reader blocks (a slow pipe or terminal). A read from a regular
// file never blocks for long and is made directly; any other read runs in a
// goroutine into a buffer of its own, so that a read left behind by a
// cancellation writes nothing the caller still uses.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	direct  bool
	pending chan readResult // the read in flight, if any
	buf     []byte
}

type readResult struct {
	n   int
	err error
}

func newCtxReader(ctx context.Context, r io.Reader) *ctxReader {
	f, ok := r.(*os.File)
	direct := ok && isRegularFile(f) || ctx.Done() == nil
	if _, ok := r.(*bytes.Reader); ok {
		direct = true
	}
	if _, ok := r.(*strings.Reader); ok {
		direct = true
	}
	return &ctxReader{ctx: ctx, r: r, direct: direct}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.direct {
		return c.r.Read(p)
	}
	if c.pending == nil {
		if cap(c.buf) < len(p) {
			c.buf = make([]byte, len(p))
		}
		buf := c.buf[:len(p)]
		ch := make(chan readResult, 1)
		go func() {
			n, err := c.r.Read(buf)
			ch <- readResult{n, err}
		}()
		c.pending = ch
	}
	select {
	case res := <-c.pending:
		c.pending = nil
		n := copy(p, c.buf[:res.n])
		return n, res.err
	case <-c.ctx.Done():
		// The read goes on in its goroutine; c is not used again.
		c.buf = nil
		return 0, c.ctx.Err()
	}
}

// isRegularFile reports whether f is a regular file.
func isRegularFile(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}
