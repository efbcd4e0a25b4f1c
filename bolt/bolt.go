// Package bolt is an embedded movies.Store on a bbolt file, for local runs and
// tests. Movies are kept in one bucket, keyed by the 2-byte big-endian year
// followed by the title bytes, so that byte order is store order: by year, then
// by title bytes, as in DynamoDB.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/movieskit/movies"
)

// LockTimeout is how long Open waits for a file that another process holds.
const LockTimeout = time.Second

// bucketName is the bucket holding the movies.
var bucketName = []byte("movies")

// Store is a movies.Store backed by a bbolt file. It is safe for concurrent use.
type Store struct {
	db *bbolt.DB
}

var _ movies.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the bbolt file at path. Opening
// a file that another process holds fails after LockTimeout with a clear error.
func Open(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: LockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: the file is locked by another process (waited %s): %w", path, LockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketName)
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: create bucket: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the bbolt file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

// Get returns the movie with key k, or an ENOTFOUND error.
func (s *Store) Get(ctx context.Context, k movies.Key) (*movies.Movie, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt: get %s: %w", k, err)
	}
	if err := k.Validate(); err != nil {
		return nil, fmt.Errorf("bolt: get: %w", err)
	}
	var m *movies.Movie
	err := s.db.View(func(tx *bbolt.Tx) error {
		key := encodeKey(k)
		v := tx.Bucket(bucketName).Get(key)
		if v == nil {
			return movies.Errorf(movies.ENOTFOUND, "movie not found")
		}
		var err error
		m, err = decodeMovie(key, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: get %s: %w", k, err)
	}
	return m, nil
}

// List returns up to opts.Limit movies after opts.Cursor in (year, title) order,
// only of opts.Year when it is set. Next is set only when another movie follows.
func (s *Store) List(ctx context.Context, opts movies.ListOptions) (*movies.Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt: list: %w", err)
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("bolt: list: %w", err)
	}
	var page *movies.Page
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		page, err = listPage(tx.Bucket(bucketName).Cursor(), opts)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list: %w", err)
	}
	return page, nil
}

// listPage reads one page with validated opts from c.
func listPage(c *bbolt.Cursor, opts movies.ListOptions) (*movies.Page, error) {
	var prefix []byte
	if opts.Year != 0 {
		prefix = encodeYear(opts.Year)
	}
	k, v := c.Seek(prefix)
	if opts.Cursor != "" {
		after, err := movies.DecodeCursor(opts.Cursor)
		if err != nil {
			return nil, err
		}
		start := encodeKey(after)
		if k, v = c.Seek(start); bytes.Equal(k, start) {
			k, v = c.Next()
		}
	}
	page := &movies.Page{Movies: make([]movies.Movie, 0, min(opts.Limit, 64))}
	budget := movies.NewPageBudget(opts.MaxBytes)
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(page.Movies) == opts.Limit {
			page.Next = movies.EncodeCursor(page.Movies[len(page.Movies)-1].Key())
			break
		}
		m, fits, err := nextMovie(k, v, &budget)
		if err != nil {
			return nil, err
		}
		if !fits {
			page.Next = movies.EncodeCursor(page.Movies[len(page.Movies)-1].Key())
			break
		}
		page.Movies = append(page.Movies, *m)
	}
	return page, nil
}

// sizeFirstBytes is the stored size from which a listed movie is sized
// before it is decoded.
const sizeFirstBytes = 16 << 10

// nextMovie decodes the movie in the value v stored under key and counts it
// against budget. When it does not fit, fits is false and the movie is
// dropped. A large value is sized before it is decoded, so that a movie that
// does not fit is never copied out of the transaction; a small one is decoded
// at once, which wastes at most one small copy per page and spares a second
// pass over every value.
func nextMovie(key, v []byte, budget *movies.PageBudget) (m *movies.Movie, fits bool, err error) {
	if len(v) < sizeFirstBytes {
		if m, err = decodeMovie(key, v); err != nil {
			return nil, false, err
		}
		return m, budget.Add(m.EncodedSize()), nil
	}
	size, err := storedSize(key, v)
	if err != nil || !budget.Add(size) {
		return nil, false, err
	}
	if m, err = decodeMovie(key, v); err != nil {
		return nil, false, err
	}
	return m, true, nil
}

// Put writes the movies in one transaction, replacing any with the same key;
// a later movie in ms replaces an earlier one with the same key. All movies
// are validated first: if any is invalid, nothing is written.
func (s *Store) Put(ctx context.Context, ms []movies.Movie) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: put: %w", err)
	}
	for i := range ms {
		if err := ms[i].Validate(); err != nil {
			return fmt.Errorf("bolt: put: movie %d (%s): %w", i, ms[i].Key(), err)
		}
	}
	if len(ms) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketName)
		for i := range ms {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := b.Put(encodeKey(ms[i].Key()), encodeMovie(&ms[i])); err != nil {
				return fmt.Errorf("movie %s: %w", ms[i].Key(), err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: put %d movies: %w", len(ms), err)
	}
	return nil
}

// Count returns the number of movies in the store.
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("bolt: count: %w", err)
	}
	var n int
	err := s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketName).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: count: %w", err)
	}
	return n, nil
}

// encodeYear returns the 2-byte big-endian year that starts every key of that year.
func encodeYear(y int) []byte {
	return binary.BigEndian.AppendUint16(nil, uint16(y)) //nolint:gosec // G115: callers pass validated years, 1–9999
}

// encodeKey returns the bbolt key of k: its year, then its title bytes.
func encodeKey(k movies.Key) []byte {
	b := make([]byte, 2, 2+len(k.Title))
	binary.BigEndian.PutUint16(b, uint16(k.Year)) //nolint:gosec // G115: Key.Validate bounds the year to 1–9999
	return append(b, k.Title...)
}

// record is the stored JSON of a movie.
type record struct {
	Year  int             `json:"year"`
	Title string          `json:"title"`
	Info  json.RawMessage `json:"info,omitempty"`
}

// encodeMovie returns the stored JSON of m. Info is written byte for byte.
func encodeMovie(m *movies.Movie) []byte {
	title, _ := json.Marshal(m.Title) // cannot fail: a string
	b := make([]byte, 0, 32+len(title)+len(m.Info))
	b = append(b, `{"year":`...)
	b = strconv.AppendInt(b, int64(m.Year), 10)
	b = append(b, `,"title":`...)
	b = append(b, title...)
	if len(m.Info) > 0 {
		b = append(b, `,"info":`...)
		b = append(b, m.Info...)
	}
	return append(b, '}')
}

// decodeMovie decodes the value v stored under key. A value that does not
// decode or does not match its key is an EINTERNAL error.
func decodeMovie(key, v []byte) (*movies.Movie, error) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, movies.WrapError(movies.EINTERNAL, fmt.Errorf("decode value under key %q: %w", key, err), "")
	}
	m := &movies.Movie{Year: r.Year, Title: r.Title, Info: r.Info}
	if m.Key().Validate() != nil || !keyMatches(key, m.Key()) {
		return nil, movies.WrapError(movies.EINTERNAL, fmt.Errorf("value under key %q holds movie %s", key, m.Key()), "")
	}
	return m, nil
}

// storedSize returns the EncodedSize of the movie in the value v stored
// under key, reading its year and title but only measuring its info.
func storedSize(key, v []byte) (int, error) {
	var head struct {
		Year  int     `json:"year"`
		Title string  `json:"title"`
		Info  byteLen `json:"info"`
	}
	if err := json.Unmarshal(v, &head); err != nil {
		return 0, movies.WrapError(movies.EINTERNAL, fmt.Errorf("decode value under key %q: %w", key, err), "")
	}
	return movies.EncodedSize(head.Year, head.Title, int(head.Info)), nil
}

// byteLen is a JSON value decoded only for its length, as json.RawMessage
// would hold it.
type byteLen int

// UnmarshalJSON records the length of data.
func (n *byteLen) UnmarshalJSON(data []byte) error {
	*n = byteLen(len(data))
	return nil
}

// keyMatches reports whether key is the bbolt key of k, without allocating.
func keyMatches(key []byte, k movies.Key) bool {
	return len(key) == 2+len(k.Title) && k.Year >= 0 && k.Year <= 0xffff &&
		binary.BigEndian.Uint16(key) == uint16(k.Year) && string(key[2:]) == k.Title
}
