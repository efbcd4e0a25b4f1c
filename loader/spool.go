package loader

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/movieskit/movies"
)

// spoolFile is the validated copy of the input that the write pass reads.
type spoolFile struct{ f *os.File }

func (s *spoolFile) remove() {
	if s != nil && s.f != nil {
		_ = s.f.Close()
		_ = os.Remove(s.f.Name())
	}
}

func (s *spoolFile) open() (io.ReadCloser, error) {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind the validated copy: %w", err)
	}
	return io.NopCloser(s.f), nil
}

// validatePass checks the input once, copying what it read to a spool file
// when keep is set.
func validatePass(ctx context.Context, open func() (io.ReadCloser, error), validate func(*movies.Movie) error, keep bool) (Report, *spoolFile, error) {
	rc, err := open()
	if err != nil {
		return Report{}, nil, fmt.Errorf("open input: %w", err)
	}
	defer rc.Close()
	src, err := openSource(ctx, rc)
	if err != nil {
		return Report{}, nil, err
	}
	defer src.close()
	var r io.Reader = src
	var spool *spoolFile
	var buf *bufio.Writer
	if keep {
		f, err := os.CreateTemp("", "movies-load-*.json")
		if err != nil {
			return Report{}, nil, fmt.Errorf("create the temporary copy of the input: %w", err)
		}
		spool = &spoolFile{f: f}
		buf = bufio.NewWriterSize(f, 256<<10)
		r = io.TeeReader(src, spoolWriter{buf})
	}
	rep, err := check(r, validate) // src reads through ctx
	rep.Entry = src.entry
	var fe *FormatError
	if errors.As(err, &fe) && fe.Entry == "" {
		fe.Entry = src.entry
	}
	if err == nil && buf != nil {
		if err = buf.Flush(); err != nil {
			err = fmt.Errorf("write the temporary copy of the input: %w", err)
		}
	}
	return rep, spool, err
}

// spoolWriter marks write errors, so that they are not taken for a bad input.
type spoolWriter struct{ w io.Writer }

func (s spoolWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		err = fmt.Errorf("write the temporary copy of the input: %w", err)
	}
	return n, err
}
