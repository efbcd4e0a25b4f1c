// Package bolt is an embedded movies.Store on a bbolt file, for local runs and
// tests. Movies are kept in one bucket, keyed by the 2-byte big-endian year
// followed by the title bytes, so that byte order is store order: by year, then
// by title bytes, as in DynamoDB. The value under a key is the movie's info,
// its JSON as it was put (empty for none): the key holds the rest, so reading
// a movie decodes nothing.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/movieskit/movies"
)

// LockTimeout is how long Open waits for a file that another process holds.
const LockTimeout = time.Second

// bucketName is the bucket holding the movies.
var bucketName = []byte("info")

// oldBucketName is the bucket of files written before the value was only the
// info: it held each movie's whole JSON, {"year":..,"title":..,"info":..}.
// Open moves such a file's movies into bucketName.
var oldBucketName = []byte("movies")

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
	if err := db.Update(createBucket); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// OpenReadOnly opens the store in the existing bbolt file at path for
// reading only. It takes bbolt's shared lock, so several processes may read
// one file at once (the edit loop of `movies serve --watch` overlaps the old
// and the new server); a process that opens it with Open waits for them all.
// It never changes the file: a file without the movies' bucket, new or in the
// old layout, is an error that says to open it with Open first. Put fails.
func OpenReadOnly(path string) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: LockTimeout, ReadOnly: true})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s read-only: the file is locked by another process (waited %s): %w", path, LockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s read-only: %w", path, err)
	}
	err = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketName) == nil {
			return errors.New("no movies bucket: open it read-write once to create it or move it to the current layout")
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s read-only: %w", path, err)
	}
	return &Store{db: db}, nil
}

// createBucket creates the movies' bucket, moving the movies of a file in
// the old layout into it.
func createBucket(tx *bbolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketName)
	if err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	old := tx.Bucket(oldBucketName)
	if old == nil {
		return nil
	}
	err = old.ForEach(func(k, v []byte) error {
		var m struct {
			Year  int             `json:"year"`
			Title string          `json:"title"`
			Info  json.RawMessage `json:"info"`
		}
		if err := json.Unmarshal(v, &m); err != nil || !bytes.Equal(k, encodeKey(movies.Key{Year: m.Year, Title: m.Title})) {
			return fmt.Errorf("move movie under key %q to the new layout: the value is not that movie's JSON", k)
		}
		return b.Put(k, m.Info)
	})
	if err != nil {
		return err
	}
	return tx.DeleteBucket(oldBucketName)
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
		m, err = withInfo(k, v)
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

// nextMovie returns the movie stored under key with info v when it fits in
// budget, counting it; when it does not fit, fits is false and its info is
// never copied out of the transaction.
func nextMovie(key, v []byte, budget *movies.PageBudget) (m *movies.Movie, fits bool, err error) {
	k, err := decodeKey(key)
	if err != nil || !budget.Add(movies.EscapedSize(k.Year, k.Title, v)) {
		return nil, false, err
	}
	m, err = withInfo(k, v)
	return m, err == nil, err
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
	return s.write(ctx, ms)
}

// PutRecords is Put of records of a movie file, each decoded and checked in
// one walk of its bytes (movies.ParseMovie). It is loader.RecordWriter.
func (s *Store) PutRecords(ctx context.Context, records [][]byte) error {
	ms := make([]movies.Movie, len(records))
	for i, record := range records {
		var err error
		if ms[i], _, err = movies.ParseMovie(record, nil); err != nil {
			return fmt.Errorf("bolt: put: record %d: %w", i, err)
		}
	}
	return s.write(ctx, ms)
}

// write writes valid movies in one transaction.
func (s *Store) write(ctx context.Context, ms []movies.Movie) error {
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
			if err := b.Put(encodeKey(ms[i].Key()), ms[i].Info); err != nil {
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

// withInfo returns the movie of key k with the stored info v, copied out of
// the transaction. An info that is not JSON is an EINTERNAL error.
func withInfo(k movies.Key, v []byte) (*movies.Movie, error) {
	if len(v) > 0 && !json.Valid(v) {
		return nil, movies.WrapError(movies.EINTERNAL, fmt.Errorf("the info of %s is not JSON", k), "")
	}
	m := &movies.Movie{Year: k.Year, Title: k.Title}
	if len(v) > 0 {
		m.Info = bytes.Clone(v)
	}
	return m, nil
}

// decodeKey returns the movie key of a bbolt key; anything but a valid key
// is an EINTERNAL error.
func decodeKey(key []byte) (movies.Key, error) {
	if len(key) < 2 {
		return movies.Key{}, movies.WrapError(movies.EINTERNAL, fmt.Errorf("key %q is too short", key), "")
	}
	k := movies.Key{Year: int(binary.BigEndian.Uint16(key)), Title: string(key[2:])}
	if err := k.Validate(); err != nil {
		return movies.Key{}, movies.WrapError(movies.EINTERNAL, fmt.Errorf("key %q: %w", key, err), "")
	}
	return k, nil
}
