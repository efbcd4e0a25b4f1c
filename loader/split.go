package loader

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/movieskit/movies"
)

// MaxRecordInputBytes bounds one record of an input file as the loader reads
// it, not counting the white space between its tokens: movies.MaxRecordBytes
// plus 8 KiB for what the record size check does not count, the escapes of
// the title and of the field names (a 1,024-byte title written as \u escapes
// takes 6 KiB of the file). The loader holds at most this much of a record in
// memory; a larger record is a problem of that record, found without reading
// it whole.
const MaxRecordInputBytes = movies.MaxRecordBytes + 8<<10

// splitter cuts the elements out of a JSON array read from r, in memory
// bounded by its buffer and MaxRecordInputBytes. White space, between the
// elements and between the tokens of an element, is skipped as it is read and
// never held, however long a run of it is. An element is only delimited
// here (strings, escapes and nesting); its syntax is then checked as a whole
// by json.Valid.
type splitter struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64 // input offset of buf[0]
	err      error // the error that ended the input, once buf is drained
	closed   bool  // the array's ']' has been read

	// rec is the element read last, without white space between tokens;
	// size is its length, more than len(rec) when the element was larger than
	// max: rec then holds its first max bytes.
	rec  []byte
	size int64
	max  int
}

func newSplitter(r io.Reader) *splitter {
	return &splitter{r: r, buf: make([]byte, 64<<10), max: MaxRecordInputBytes}
}

// offset is the input offset of the next byte.
func (s *splitter) offset() int64 { return s.off + int64(s.pos) }

// fill reads more input if the buffer is drained, and reports whether a byte is available.
func (s *splitter) fill() bool {
	for empty := 0; s.pos == s.end; empty++ {
		if s.err != nil {
			return false
		}
		if empty == 100 {
			s.err = io.ErrNoProgress
			return false
		}
		s.off += int64(s.end)
		n, err := s.r.Read(s.buf)
		s.pos, s.end, s.err = 0, n, err
	}
	return true
}

// skipSpace skips white space and reports whether a byte follows.
func (s *splitter) skipSpace() bool {
	for s.fill() {
		for ; s.pos < s.end; s.pos++ {
			switch s.buf[s.pos] {
			case ' ', '\t', '\n', '\r':
			default:
				return true
			}
		}
	}
	return false
}

// endError explains why the input ended (what: where): a truncated input is a
// *FormatError; a failure to read is returned as it is (wrapped), as is a
// *FormatError of a decompressor.
func (s *splitter) endError(what string) error {
	var fe *FormatError
	switch {
	case errors.As(s.err, &fe):
		return s.err
	case s.err == nil || errors.Is(s.err, io.EOF) || errors.Is(s.err, io.ErrUnexpectedEOF):
		return formatErrorf("%s: input is truncated (ends at byte %d)", what, s.offset())
	default:
		return fmt.Errorf("read input: %w", s.err)
	}
}

// begin reads up to the first element of the array.
func (s *splitter) begin() error {
	if !s.skipSpace() {
		return s.endError("input is not a JSON array")
	}
	if c := s.buf[s.pos]; c != '[' {
		return formatErrorf("input is not a JSON array (it starts with %s)", describeStart(c))
	}
	s.pos++
	if !s.skipSpace() {
		return s.endError("input ends before the array is closed")
	}
	if s.buf[s.pos] == ']' {
		s.pos++
		s.closed = true
	}
	return nil
}

// next reads element i into s.rec and s.size, and what follows it up to the
// next element or the end of the array. It returns false at the end of the
// array. An element larger than s.max is returned, cut, without its syntax
// checked: the caller tells it by s.size.
func (s *splitter) next(i int) (bool, error) {
	if s.closed {
		return false, nil
	}
	start := s.offset()
	if err := s.element(); err != nil {
		return false, s.endError(fmt.Sprintf("record %d is not valid JSON", i))
	}
	if s.size == 0 {
		return false, formatErrorf("record %d is not valid JSON: malformed JSON at byte %d: invalid character %q looking for beginning of value",
			i, start, s.buf[s.pos])
	}
	if s.size <= int64(s.max) && !json.Valid(s.rec) {
		var raw json.RawMessage
		err := json.Unmarshal(s.rec, &raw)
		if err == nil { // cannot happen: json.Valid said no
			err = errors.New("invalid JSON")
		}
		return false, &FormatError{Err: fmt.Errorf("record %d is not valid JSON: malformed JSON in the record that starts at byte %d: %w", i, start, err)}
	}
	if !s.skipSpace() {
		return false, s.endError("input ends before the array is closed")
	}
	switch c := s.buf[s.pos]; c {
	case ',':
		s.pos++
		if !s.skipSpace() {
			return false, s.endError(fmt.Sprintf("record %d is not valid JSON", i+1))
		}
	case ']':
		s.pos++
		s.closed = true
	default:
		return false, formatErrorf("malformed JSON at byte %d: invalid character %q after record %d", s.offset(), c, i)
	}
	return true, nil
}

// finish checks that only white space follows the array.
func (s *splitter) finish() error {
	if s.skipSpace() {
		return formatErrorf("input has data after the JSON array (at byte %d)", s.offset())
	}
	if !errors.Is(s.err, io.EOF) {
		return s.endError("input has data after the JSON array")
	}
	return nil
}

// keep appends b to the element, up to s.max bytes, and counts it.
func (s *splitter) keep(b []byte) {
	s.size += int64(len(b))
	if room := s.max - len(s.rec); room > 0 {
		b = b[:min(len(b), room)]
		if n := len(s.rec) + len(b); n > cap(s.rec) {
			// Grow by doubling (append grows large slices by a quarter).
			rec := make([]byte, len(s.rec), min(max(n, 2*cap(s.rec)), s.max))
			copy(rec, s.rec)
			s.rec = rec
		}
		s.rec = append(s.rec, b...)
	}
}

// element reads the element at the current byte. It returns an error only
// when the input ends inside a string, an object or an array.
func (s *splitter) element() error {
	s.rec, s.size = s.rec[:0], 0
	if c := s.buf[s.pos]; c != '{' && c != '[' && c != '"' {
		s.literal()
		return nil
	}
	depth := 0
	inString, escaped := false, false
	gap := false      // white space was skipped since prev
	prev := byte('{') // the last byte outside strings that was kept
	for s.fill() {
		b := s.buf[s.pos:s.end]
		run := 0 // the start of the bytes to keep
		for j := 0; j < len(b); j++ {
			c := b[j]
			if inString {
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
					if depth == 0 {
						s.keep(b[run : j+1])
						s.pos += j + 1
						return nil
					}
				}
				continue
			}
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				s.keep(b[run:j])
				run, gap = j+1, true
				continue
			}
			if gap {
				// Two bare words stay apart ("1 2" must not become "12").
				if !isDelimiter(c) && !isDelimiter(prev) {
					s.keep(space)
				}
				gap = false
			}
			prev = c
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					s.keep(b[run : j+1])
					s.pos += j + 1
					return nil
				}
			}
		}
		s.keep(b[run:])
		s.pos = s.end
	}
	return io.ErrUnexpectedEOF
}

// literal reads a bare word (a number, true, false, null or garbage) up to
// the next delimiter or the end of the input.
func (s *splitter) literal() {
	for s.fill() {
		b := s.buf[s.pos:s.end]
		j := 0
		for j < len(b) && !isDelimiter(b[j]) {
			j++
		}
		s.keep(b[:j])
		s.pos += j
		if j < len(b) {
			return
		}
	}
}

var space = []byte{' '}

// isDelimiter reports whether c ends a bare word.
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

// describeStart names the JSON value that starts with c, for an error message.
func describeStart(c byte) string {
	switch {
	case c == '{':
		return `"{"`
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return fmt.Sprintf("the byte %q", c)
	}
}
