// Package loader checks and bulk-loads movie files in the AWS movie sample
// format (a JSON array of {"year":..,"title":..,"info":{..}} records) into any
// store. It streams the input, so memory stays flat however large the file is,
// validates every record before writing any, and writes in batches with a
// bounded number of concurrent workers.
package loader

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/movieskit/movies"
)

// MaxProblems is the most problems Validate returns; the rest are only counted.
const MaxProblems = 100

// Problem is one invalid record of an input file.
type Problem struct {
	// Index is the record's 0-based position in the array.
	Index int
	// Key is the record's key as far as it could be read; HasKey says whether it could.
	Key    movies.Key
	HasKey bool
	// Reason says what is wrong, in words safe to show to the person loading the file.
	Reason string
	// FirstIndex is, for a duplicate key, the index of the key's first occurrence; else -1.
	FirstIndex int
}

// String formats the problem as "record 17 (2013/Rush): reason", with the
// title and the reason made Printable.
func (p Problem) String() string {
	if p.HasKey {
		return fmt.Sprintf("record %d (%d/%s): %s", p.Index, p.Key.Year, Printable(p.Key.Title), Printable(p.Reason))
	}
	return fmt.Sprintf("record %d: %s", p.Index, Printable(p.Reason))
}

// Printable returns text from an input file (a title, a zip entry name) as it
// may be shown on a terminal: unchanged when it is valid UTF-8 made of
// graphic characters and spaces only, else quoted with strconv.Quote, so that
// no control character, escape sequence or invalid byte reaches the terminal raw.
func Printable(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// Report is the outcome of checking an input file.
type Report struct {
	// Records is the number of records in the array; Valid how many of them are valid.
	Records, Valid int
	// Problems lists the first MaxProblems problems; Omitted counts the others.
	Problems []Problem
	Omitted  int
	// Entry is the zip entry that was read, when the input is a zip archive.
	Entry string
}

// InvalidInputError is returned by Load when the input has invalid records.
// Nothing has been written when it is returned.
type InvalidInputError struct {
	Report Report
}

// Error summarises the problems; the CLI lists them one by one from Report.
func (e *InvalidInputError) Error() string {
	n := len(e.Report.Problems) + e.Report.Omitted
	what := "input"
	if e.Report.Entry != "" {
		what = "zip entry " + Printable(e.Report.Entry)
	}
	return fmt.Sprintf("%s has %d invalid record(s) out of %d; nothing was written", what, n, e.Report.Records)
}

// Validate streams a JSON array from r and checks every record: the strict
// decoding of movies.Movie, movies.Movie.Validate, and that no key occurs
// twice. It returns the number of valid records and the problems found (at
// most MaxProblems; see Check for the full count). err is set only when the
// input as a whole cannot be read: it is not a JSON array, it is truncated or
// malformed, or reading fails.
func Validate(r io.Reader) (n int, problems []Problem, err error) {
	rep, err := Check(r)
	return rep.Valid, rep.Problems, err
}

// Check is Validate with the full report.
func Check(r io.Reader) (Report, error) {
	return check(r, nil, nil)
}

// check is Check with the store's own rules, validate (nil: none). When
// keep is set, it is given each record, as read, until the first problem.
func check(r io.Reader, validate func(*movies.Movie) error, keep func(raw []byte) error) (Report, error) {
	var rep Report
	seen := newKeySet()
	err := split(r, func(i int, raw []byte, size int64) error {
		rep.Records++
		var m movies.Movie
		var p *Problem
		if size > int64(len(raw)) {
			p = recordProblem(i, raw, errTooLarge(size))
		} else {
			m, p = checkRecord(i, raw, validate)
		}
		if p == nil {
			if first, dup := seen.add(m.Key(), i); dup {
				p = &Problem{Index: i, Key: m.Key(), HasKey: true, FirstIndex: first,
					Reason: fmt.Sprintf("duplicate key: same year and title as record %d", first)}
			}
		}
		if p == nil {
			rep.Valid++
			if keep != nil && rep.Valid == rep.Records {
				return keep(raw)
			}
			return nil
		}
		if len(rep.Problems) < MaxProblems {
			rep.Problems = append(rep.Problems, *p)
		} else {
			rep.Omitted++
		}
		return nil
	})
	return rep, err
}

// checkRecord decodes and validates one record. On failure it returns a
// problem that carries the key when the record has a readable one.
func checkRecord(i int, raw []byte, validate func(*movies.Movie) error) (movies.Movie, *Problem) {
	var m movies.Movie
	// split has checked raw's syntax: decode it directly.
	err := m.UnmarshalJSON(raw)
	if err == nil {
		err = m.Validate()
	}
	if err == nil && validate != nil {
		err = validate(&m)
	}
	if err == nil {
		return m, nil
	}
	return m, recordProblem(i, raw, err)
}

// recordProblem returns the problem err of record i, named by its key when
// the record, or its beginning, raw, has a readable one.
func recordProblem(i int, raw []byte, err error) *Problem {
	p := &Problem{Index: i, Reason: reason(err), FirstIndex: -1}
	p.Key, p.HasKey = looseKey(raw)
	return p
}

// reason returns the caller-safe text of a validation error.
func reason(err error) string {
	var e *movies.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "record is not valid JSON"
	}
	return "record is not valid"
}

// looseKey reads year and title from a record, or its beginning, without the
// strict rules (see movies.RecordKey), so that a problem can name the record;
// a long title is cut. It reports false when either cannot be read.
func looseKey(raw []byte) (movies.Key, bool) {
	k, ok := movies.RecordKey(raw)
	if !ok {
		return movies.Key{}, false
	}
	if len(k.Title) > 80 {
		k.Title = strings.ToValidUTF8(k.Title[:80], "") + "…"
	}
	return k, true
}

// scan streams the JSON array in r, calling fn with each element's index and
// bytes, without the white space between its tokens: a valid JSON value, valid
// only until fn returns. Only one element is held in memory at a time. An
// element larger than MaxRecordInputBytes ends the scan with a *FormatError.
func scan(r io.Reader, fn func(i int, raw json.RawMessage)) error {
	return split(r, func(i int, raw []byte, size int64) error {
		if size > int64(len(raw)) {
			return &FormatError{Err: errTooLarge(size)}
		}
		fn(i, raw)
		return nil
	})
}

// split streams the JSON array in r, calling fn with each element's index,
// bytes (as for scan) and size. An element larger than MaxRecordInputBytes is
// not read whole: fn gets its first MaxRecordInputBytes bytes, its syntax
// unchecked, and its whole size. An error of fn ends the scan.
func split(r io.Reader, fn func(i int, raw []byte, size int64) error) error {
	s := newSplitter(r)
	if err := s.begin(); err != nil {
		return err
	}
	for i := 0; ; i++ {
		more, err := s.next(i)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if err := fn(i, s.rec, s.size); err != nil {
			return err
		}
	}
	return s.finish()
}

// errTooLarge is the problem of a record larger than MaxRecordInputBytes.
func errTooLarge(size int64) error {
	return movies.Errorf(movies.EINVALID, "record is %d bytes (white space not counted), more than the %d-byte bound on a record of an input file",
		size, MaxRecordInputBytes)
}

// keySet remembers the keys seen so far, in bounded memory: each key is kept
// as a 128-bit hash (two independently seeded 64-bit maphash values) with the
// index of its first occurrence, 24 bytes plus map overhead per record instead
// of the title itself. Two distinct keys are mistaken for one only if both
// 64-bit hashes collide; for n keys the chance is about n²/2¹²⁹, below 10⁻²⁵
// for ten million records, so no exact re-check is needed. The seeds are
// random per process, so no input can be crafted to collide.
type keySet struct {
	s1, s2 maphash.Seed
	first  map[[2]uint64]int
	buf    []byte
}

func newKeySet() *keySet {
	return &keySet{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(), first: make(map[[2]uint64]int)}
}

// add records k at index i. If k was seen before it returns the first index and true.
func (s *keySet) add(k movies.Key, i int) (int, bool) {
	s.buf = binary.BigEndian.AppendUint64(s.buf[:0], uint64(k.Year)) //nolint:gosec // G115: only the bit pattern is hashed
	s.buf = append(s.buf, k.Title...)
	h := [2]uint64{maphash.Bytes(s.s1, s.buf), maphash.Bytes(s.s2, s.buf)}
	if first, ok := s.first[h]; ok {
		return first, true
	}
	s.first[h] = i
	return 0, false
}
