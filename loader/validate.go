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
	"strings"

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

// String formats the problem as "record 17 (2013/Rush): reason".
func (p Problem) String() string {
	if p.HasKey {
		return fmt.Sprintf("record %d (%s): %s", p.Index, p.Key, p.Reason)
	}
	return fmt.Sprintf("record %d: %s", p.Index, p.Reason)
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
		what = "zip entry " + e.Report.Entry
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
	return check(r, nil)
}

// check is Check with the store's own rules, validate (nil: none).
func check(r io.Reader, validate func(*movies.Movie) error) (Report, error) {
	var rep Report
	seen := newKeySet()
	err := scan(r, func(i int, raw json.RawMessage) {
		rep.Records++
		m, p := checkRecord(i, raw, validate)
		if p == nil {
			if first, dup := seen.add(m.Key(), i); dup {
				p = &Problem{Index: i, Key: m.Key(), HasKey: true, FirstIndex: first,
					Reason: fmt.Sprintf("duplicate key: same year and title as record %d", first)}
			}
		}
		if p == nil {
			rep.Valid++
			return
		}
		if len(rep.Problems) < MaxProblems {
			rep.Problems = append(rep.Problems, *p)
		} else {
			rep.Omitted++
		}
	})
	return rep, err
}

// checkRecord decodes and validates one record. On failure it returns a
// problem that carries the key when the record has a readable one.
func checkRecord(i int, raw json.RawMessage, validate func(*movies.Movie) error) (movies.Movie, *Problem) {
	var m movies.Movie
	// scan's json.Decoder has checked raw's syntax: decode it directly.
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
	p := &Problem{Index: i, Reason: reason(err), FirstIndex: -1}
	p.Key, p.HasKey = looseKey(raw)
	return m, p
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

// looseKey reads year and title from a record without the strict rules, so a
// problem can name the record. It reports false when either cannot be read.
func looseKey(raw json.RawMessage) (movies.Key, bool) {
	var k struct {
		Year  *json.Number `json:"year"`
		Title *string      `json:"title"`
	}
	if json.Unmarshal(raw, &k) != nil || k.Year == nil || k.Title == nil {
		return movies.Key{}, false
	}
	y, err := k.Year.Int64()
	if err != nil {
		return movies.Key{}, false
	}
	t := *k.Title
	if len(t) > 80 {
		t = strings.ToValidUTF8(t[:80], "") + "…"
	}
	return movies.Key{Year: int(y), Title: t}, true
}

// scan streams the JSON array in r, calling fn with each element's index and
// raw bytes. Only one element is held in memory at a time.
func scan(r io.Reader, fn func(i int, raw json.RawMessage)) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return inputError(dec, "input is not a JSON array", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return formatErrorf("input is not a JSON array (it starts with %s)", describeToken(tok))
	}
	for i := 0; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return inputError(dec, fmt.Sprintf("record %d is not valid JSON", i), err)
		}
		fn(i, raw)
	}
	if _, err := dec.Token(); err != nil {
		return inputError(dec, "input ends before the array is closed", err)
	}
	switch _, err := dec.Token(); {
	case err == nil:
		return formatErrorf("input has data after the JSON array (at byte %d)", dec.InputOffset())
	case err != io.EOF:
		return inputError(dec, "input has data after the JSON array", err)
	}
	return nil
}

// inputError explains a decoding failure of the whole input: a truncated or
// malformed input is a *FormatError; a failure to read is returned as it is
// (wrapped), as is a *FormatError of a decompressor.
func inputError(dec *json.Decoder, what string, err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatErrorf("%s: input is truncated (ends at byte %d)", what, dec.InputOffset())
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FormatError{Err: fmt.Errorf("%s: malformed JSON at byte %d: %w", what, se.Offset, err)}
	}
	return fmt.Errorf("read input: %w", err)
}

// describeToken names a JSON token for an error message.
func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", v.String())
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%v", v)
	}
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
