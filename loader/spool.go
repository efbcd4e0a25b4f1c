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

// tempFile is a temporary file that is removed from its directory as soon as
// it is created: the open file stays readable and writable, and the space is
// freed when it is closed, so that no way of ending the process (kill -9
// included) leaves it behind. Where an open file cannot be removed, it is
// removed when closed.
type tempFile struct {
	*os.File
	removeOnClose bool
}

// createTemp creates a tempFile in the default directory for temporary files
// ($TMPDIR); what names it in errors.
func createTemp(pattern, what string) (*tempFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("create the temporary file for %s: %w", what, err)
	}
	return &tempFile{File: f, removeOnClose: os.Remove(f.Name()) != nil}, nil
}

func (t *tempFile) close() {
	_ = t.Close()
	if t.removeOnClose {
		_ = os.Remove(t.Name())
	}
}

// spoolFile is the validated copy of the input that the write pass reads: the
// valid records, as validated, in a JSON array.
type spoolFile struct {
	f *tempFile
	w *bufio.Writer
	n int // records written
}

func (s *spoolFile) remove() {
	if s != nil {
		s.f.close()
	}
}

// add appends a record.
func (s *spoolFile) add(raw []byte) error {
	sep := byte(',')
	if s.n == 0 {
		sep = '['
	}
	s.n++
	_ = s.w.WriteByte(sep)
	if _, err := s.w.Write(raw); err != nil {
		return fmt.Errorf("write the temporary copy of the input: %w", err)
	}
	return nil
}

// finish closes the array and flushes it to the file.
func (s *spoolFile) finish() error {
	if s.n == 0 {
		_ = s.w.WriteByte('[')
	}
	_ = s.w.WriteByte(']')
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write the temporary copy of the input: %w", err)
	}
	return nil
}

func (s *spoolFile) open() (io.ReadCloser, error) {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind the validated copy: %w", err)
	}
	return io.NopCloser(s.f), nil
}

// validatePass checks the input once, copying its valid records to a spool
// file when keep is set.
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
	var spool *spoolFile
	var add func([]byte) error
	if keep {
		f, err := createTemp("movies-load-*.json", "the copy of the input")
		if err != nil {
			return Report{}, nil, err
		}
		spool = &spoolFile{f: f, w: bufio.NewWriterSize(f, 256<<10)}
		add = spool.add
	}
	rep, err := check(src, validate, add) // src reads through ctx
	rep.Entry = src.entry
	var fe *FormatError
	if errors.As(err, &fe) && fe.Entry == "" {
		fe.Entry = src.entry
	}
	if err == nil && spool != nil && len(rep.Problems) == 0 {
		err = spool.finish()
	}
	return rep, spool, err
}
