// Package movies is the domain of the movie catalogue: the Movie record in the
// AWS movie sample format, its key, pages of results, the Store interface that
// every storage backend implements, and typed errors. It imports nothing from AWS.
package movies

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits on keys, pages and records.
const (
	MinYear       = 1
	MaxYear       = 9999
	MaxTitleBytes = 1024
	DefaultLimit  = 100
	MinLimit      = 1
	MaxLimit      = 1000
	// MaxRecordBytes is the largest movie: DynamoDB's item size limit (400 KB),
	// applied by every store to the record's JSON and by the DynamoDB store
	// also to the item as DynamoDB counts it. It is the one statement of that limit.
	MaxRecordBytes = 400 * 1024
	// MaxNestingDepth is DynamoDB's documented limit on nested levels in an item.
	MaxNestingDepth = 32
	// MaxInfoDepth is the nesting allowed in info, info itself counted as one
	// level: one level stricter than DynamoDB, which stores info nested 31
	// levels and refuses 32 (measured against DynamoDB Local).
	MaxInfoDepth = MaxNestingDepth - 2
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
// than MaxInfoDepth with no key twice in one object and only valid strings (see
// infoWalker), and that the record fits in MaxRecordBytes.
func (m *Movie) Validate() error {
	_, err := m.Check(nil)
	return err
}

// Check is Validate that also returns b's form of Info, built in the same
// walk (nil without info or b). An error of b comes after the domain's.
func (m *Movie) Check(b InfoBuilder) (info any, err error) {
	if err := m.Key().Validate(); err != nil {
		return nil, err
	}
	w := infoWalker{r: &recordReader{b: m.Info}, b: b}
	if len(m.Info) > 0 {
		if info, err = w.info(); err == nil && !w.r.end() || err != nil && !json.Valid(m.Info) {
			err = errInfoSyntax
		}
		if err != nil {
			return nil, err
		}
	}
	if err := cmp.Or(checkSize(m.Title, len(m.Info)), w.berr); err != nil {
		return nil, err
	}
	return info, nil
}

// checkSize refuses a record larger than MaxRecordBytes: its title, its
// info of infoLen bytes and 32 bytes for the rest.
func checkSize(title string, infoLen int) error {
	if n := len(title) + infoLen + 32; n > MaxRecordBytes {
		return Errorf(EINVALID, "record is %d bytes, more than the %d-byte limit", n, MaxRecordBytes)
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
	// reading before the first movie that would take the movies' JSON,
	// escaped as a JSON string as the function's response carries it
	// (EscapedSize, counted by PageBudget), past MaxBytes, and sets Next to
	// continue after the last movie it returns. The first movie is always
	// returned, so a listing always advances. Zero means no bound.
	MaxBytes int
}

// Validate normalises the options and checks them: a zero limit becomes
// DefaultLimit; a bad limit, year or cursor is EINVALID.
func (o *ListOptions) Validate() error {
	if o.Limit == 0 {
		o.Limit = DefaultLimit
	}
	if o.Limit < MinLimit || o.Limit > MaxLimit {
		return Errorf(EINVALID, "limit must be an integer from %d to %d", MinLimit, MaxLimit)
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
