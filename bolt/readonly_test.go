package bolt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/movieskit/movies/storetest"
)

// TestOpenReadOnlyShares checks what the edit loop relies on: two read-only
// opens of one file hold it at once and read what Open wrote, a writer
// cannot open it meanwhile (the readers' shared lock keeps the writer's
// exclusive one out), Put fails, and the file is not changed.
func TestOpenReadOnlyShares(t *testing.T) {
	path := filepath.Join(t.TempDir(), "movies.db")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms := storetest.Fixtures()
	if err := w.Put(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var readers []*Store
	for range 2 {
		r, err := OpenReadOnly(path)
		if err != nil {
			t.Fatalf("OpenReadOnly while another reader holds the file: %v", err)
		}
		readers = append(readers, r)
	}
	for i, r := range readers {
		n, err := r.Count(t.Context())
		if err != nil || n != len(ms) {
			t.Errorf("reader %d: Count = %d, %v; want %d", i, n, err, len(ms))
		}
		if _, err := r.Get(t.Context(), ms[0].Key()); err != nil {
			t.Errorf("reader %d: Get(%s): %v", i, ms[0].Key(), err)
		}
	}
	if err := readers[0].Put(t.Context(), ms[:1]); err == nil {
		t.Error("Put on a read-only store succeeded, want an error")
	}
	if s, err := Open(path); err == nil {
		s.Close()
		t.Error("Open for writing while readers hold the file succeeded, want a lock error")
	} else if !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("Open for writing while readers hold the file: %v, want a lock error", err)
	}
	for _, r := range readers {
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("the file changed under read-only opens")
	}
}

// TestOpenReadOnlyRefuses checks that OpenReadOnly creates and migrates
// nothing: a missing file, a file without the movies' bucket and a file in
// the old layout are errors, and a file a writer holds is a lock error.
func TestOpenReadOnlyRefuses(t *testing.T) {
	withBucket := func(name []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "movies.db")
			db, err := bbolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bbolt.Tx) error {
				if name == nil {
					return nil
				}
				_, err := tx.CreateBucket(name)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			return path
		}
	}
	for _, tc := range []struct {
		name    string
		path    func(t *testing.T) string
		wantErr string
	}{
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none.db") }, "no such file"},
		{"no bucket", withBucket(nil), "open it read-write once"},
		{"old layout", withBucket(oldBucketName), "open it read-write once"},
		{"held by a writer", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "movies.db")
			s, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return path
		}, "locked by another process"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			s, err := OpenReadOnly(path)
			if err == nil {
				s.Close()
				t.Fatal("OpenReadOnly succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("OpenReadOnly: %v, want an error naming the file and containing %q", err, tc.wantErr)
			}
		})
	}
}
