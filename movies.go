// Package movies is the domain of the movie catalogue: the Movie record in the
// AWS movie sample format, its key, pages of results, the Store interface that
// every storage backend implements, and typed errors. It imports nothing from AWS.
package movies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits on keys, pages and records.
const (
	MinYear        = 1
	MaxYear        = 9999
	MaxTitleBytes  = 1024
	DefaultLimit   = 100
	MaxLimit       = 1000
	MaxRecordBytes = 400 * 1024 // DynamoDB's item size limit, applied to the record's JSON
	MaxInfoDepth   = 30         // DynamoDB allows 32 levels of nesting; the item and info take two
)

// Key identifies a movie: DynamoDB partition key year, sort key title.
type Key struct {
	Year  int    `json:"year"`
	Title string `json:"title"`
}

// String returns "year/title", for logs and messages.
func (k Key) String() string { return fmt.Sprintf("%d/%s", k.Year, k.Title) }

// Validate reports whether k is a valid key: year 1–9999 and a non-empty,
// valid UTF-8 title of at most 1,024 bytes. The error is EINVALID.
func (k Key) Validate() error {
	if err := ValidateYear(k.Year); err != nil {
		return err
	}
	return ValidateTitle(k.Title)
}

// ValidateYear reports whether y is a valid year.
func ValidateYear(y int) error {
	if y < MinYear || y > MaxYear {
		return Errorf(EINVALID, "year must be an integer from %d to %d", MinYear, MaxYear)
	}
	return nil
}

// ValidateTitle reports whether t is a valid title.
func ValidateTitle(t string) error {
	switch {
	case t == "":
		return Errorf(EINVALID, "title must not be empty")
	case len(t) > MaxTitleBytes:
		return Errorf(EINVALID, "title must be at most %d bytes", MaxTitleBytes)
	case !utf8.ValidString(t):
		return Errorf(EINVALID, "title must be valid UTF-8")
	}
	return nil
}

// Less reports whether a sorts before b in store order: by year, then by title bytes
// (DynamoDB orders String sort keys by their UTF-8 bytes).
func (k Key) Less(b Key) bool {
	if k.Year != b.Year {
		return k.Year < b.Year
	}
	return k.Title < b.Title
}

// Movie is one record in the AWS movie sample format:
//
//	{"year":2013,"title":"Rush","info":{"rating":8.3,...}}
//
// Info is kept as the record's own JSON object, so fields a record lacks stay
// absent, unknown fields are kept and numbers keep their exact text.
type Movie struct {
	Year  int             `json:"year"`
	Title string          `json:"title"`
	Info  json.RawMessage `json:"info,omitempty"`
}

// Key returns the movie's key.
func (m *Movie) Key() Key { return Key{Year: m.Year, Title: m.Title} }

// Validate checks the key and that Info, if present, is a JSON object no deeper
// than MaxInfoDepth, and that the record fits in MaxRecordBytes.
func (m *Movie) Validate() error {
	if err := m.Key().Validate(); err != nil {
		return err
	}
	if len(m.Info) > 0 {
		if err := validateInfo(m.Info); err != nil {
			return err
		}
	}
	if n := len(m.Title) + len(m.Info) + 32; n > MaxRecordBytes {
		return Errorf(EINVALID, "record is %d bytes, more than the %d-byte limit", n, MaxRecordBytes)
	}
	return nil
}

// UnmarshalJSON decodes a record strictly: year must be an integer, title a
// string (its bytes kept as they are, so that invalid UTF-8 is refused by
// Validate rather than silently replaced), info an object (null means absent),
// and no other top-level field may appear, so that nothing in an input file is
// silently dropped. A repeated field takes its last value, as encoding/json does.
//
// It walks the record's top level by hand instead of through a map, because
// loading a catalogue decodes every record twice (validate, then write).
func (m *Movie) UnmarshalJSON(data []byte) error {
	r := recordReader{b: data}
	if !r.consume('{') {
		if r.literal() == "null" {
			return Errorf(EINVALID, "record must be a JSON object, not null")
		}
		return Errorf(EINVALID, "record must be a JSON object")
	}
	var out Movie
	var hasYear, hasTitle bool
	for first := true; ; first = false {
		if r.consume('}') {
			break
		}
		if !first && !r.consume(',') {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		name, ok := r.key()
		if !ok {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		v, ok := r.value()
		if !ok {
			return Errorf(EINVALID, "record must be a JSON object")
		}
		switch name {
		case "year":
			y, err := decodeYear(v)
			if err != nil {
				return err
			}
			out.Year, hasYear = y, true
		case "title":
			t, ok := decodeString(v)
			if !ok {
				return Errorf(EINVALID, "title must be a string")
			}
			out.Title, hasTitle = t, true
		case "info":
			if string(v) == "null" {
				out.Info = nil
				continue
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return Errorf(EINVALID, "info must be valid JSON")
			}
			out.Info = buf.Bytes()
		default:
			return Errorf(EINVALID, "unknown field %q (allowed: year, title, info)", name)
		}
	}
	if !r.end() {
		return Errorf(EINVALID, "record must be a single JSON object")
	}
	if !hasYear {
		return Errorf(EINVALID, "year is missing")
	}
	if !hasTitle {
		return Errorf(EINVALID, "title is missing")
	}
	*m = out
	return nil
}

// decodeYear reads a year value: a JSON integer (no sign, fraction or
// exponent) from MinYear to MaxYear. Any other number is out of range; any
// other value is not an integer.
func decodeYear(v []byte) (int, error) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, Errorf(EINVALID, "year must be an integer")
	}
	if len(v) <= 4 && isDigits(v) {
		if y, _ := strconv.Atoi(string(v)); y >= MinYear && y <= MaxYear {
			return y, nil
		}
	}
	return 0, Errorf(EINVALID, "year must be an integer from %d to %d", MinYear, MaxYear)
}

func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// decodeString decodes a JSON string value. A string without escapes keeps
// its bytes exactly; one with escapes is decoded by encoding/json.
func decodeString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// recordReader walks the top level of one JSON object. It finds where each
// value ends without decoding it; values are checked by their decoders.
type recordReader struct {
	b []byte
	i int
}

func (r *recordReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, reporting whether c was there.
func (r *recordReader) consume(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (r *recordReader) end() bool {
	r.space()
	return r.i == len(r.b)
}

// literal returns the bare word at the current position (true, null, a number...).
func (r *recordReader) literal() string {
	r.space()
	start := r.i
	for r.i < len(r.b) && !isDelimiter(r.b[r.i]) {
		r.i++
	}
	return string(r.b[start:r.i])
}

// isDelimiter reports whether c ends a bare JSON word.
func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ':', ']', '}':
		return true
	}
	return false
}

// key reads an object key and the colon after it.
func (r *recordReader) key() (string, bool) {
	r.space()
	v, ok := r.stringToken()
	if !ok || !r.consume(':') {
		return "", false
	}
	return decodeString(v)
}

// stringToken returns the string token at the current position, quotes included.
func (r *recordReader) stringToken() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	start := r.i
	for r.i++; r.i < len(r.b); r.i++ {
		switch r.b[r.i] {
		case '\\':
			r.i++
		case '"':
			r.i++
			return r.b[start:r.i], true
		}
	}
	return nil, false
}

// value returns the bytes of the value at the current position.
func (r *recordReader) value() ([]byte, bool) {
	r.space()
	if r.i >= len(r.b) {
		return nil, false
	}
	start := r.i
	switch r.b[r.i] {
	case '"':
		return r.stringToken()
	case '{', '[':
		depth := 0
		for ; r.i < len(r.b); r.i++ {
			switch r.b[r.i] {
			case '"':
				if _, ok := r.stringToken(); !ok {
					return nil, false
				}
				r.i-- // the loop's increment steps past the closing quote
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					r.i++
					return r.b[start:r.i], true
				}
			}
		}
		return nil, false
	default:
		if w := r.literal(); w != "" {
			return r.b[start:r.i], true
		}
		return nil, false
	}
}

// validateInfo checks that info is one valid JSON object nested at most
// MaxInfoDepth levels. It scans the bytes once, skipping string contents, so
// that validating a large catalogue costs little more than reading it.
func validateInfo(info json.RawMessage) error {
	if !json.Valid(info) {
		return Errorf(EINVALID, "info must be valid JSON")
	}
	trimmed := bytes.TrimLeft(info, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Errorf(EINVALID, "info must be a JSON object")
	}
	depth, inString := 0, false
	for i := 0; i < len(trimmed); i++ {
		c := trimmed[i]
		if inString {
			switch c {
			case '\\':
				i++ // skip the escaped character
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxInfoDepth {
				return Errorf(EINVALID, "info is nested more than %d levels deep", MaxInfoDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// ListOptions selects a page of movies.
type ListOptions struct {
	// Limit is the most movies to return: 1–MaxLimit. Zero means DefaultLimit.
	Limit int
	// Year, when non-zero, lists only that year's movies.
	Year int
	// Cursor is the Next value of the previous page, or "" for the first page.
	Cursor string
	// MaxBytes, when positive, bounds the page by size: the store stops
	// reading before the first movie that would take the movies' JSON, as
	// counted by PageBudget, past MaxBytes, and sets Next to continue after
	// the last movie it returns. The first movie is always returned, so a
	// listing always advances. Zero means no bound.
	MaxBytes int
}

// Validate normalises the options and checks them: a zero limit becomes
// DefaultLimit; a bad limit, year or cursor is EINVALID.
func (o *ListOptions) Validate() error {
	if o.Limit == 0 {
		o.Limit = DefaultLimit
	}
	if o.Limit < 1 || o.Limit > MaxLimit {
		return Errorf(EINVALID, "limit must be an integer from 1 to %d", MaxLimit)
	}
	if o.MaxBytes < 0 {
		return Errorf(EINVALID, "page byte budget must not be negative")
	}
	if o.Year != 0 {
		if err := ValidateYear(o.Year); err != nil {
			return err
		}
	}
	if o.Cursor != "" {
		k, err := DecodeCursor(o.Cursor)
		if err != nil {
			return err
		}
		if o.Year != 0 && k.Year != o.Year {
			return Errorf(EINVALID, "cursor does not belong to this year's listing")
		}
	}
	return nil
}

// Page is one page of a listing. Next is empty on the last page.
type Page struct {
	Movies []Movie `json:"movies"`
	Next   string  `json:"next,omitempty"`
}

// Store is a movie catalogue. Implementations must be safe for concurrent use.
type Store interface {
	// Get returns the movie with key k, or an ENOTFOUND error.
	Get(ctx context.Context, k Key) (*Movie, error)
	// List returns up to opts.Limit movies after opts.Cursor in store order,
	// only of opts.Year when it is set. Next is set when more may follow.
	List(ctx context.Context, opts ListOptions) (*Page, error)
	// Put writes the movies, replacing any with the same key. Every movie must
	// be valid; a batch with an invalid movie writes nothing and returns EINVALID.
	Put(ctx context.Context, ms []Movie) error
	// Close releases the store's resources.
	Close() error
}
