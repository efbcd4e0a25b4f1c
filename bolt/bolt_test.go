package bolt

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/storetest"
)

// openTemp opens a store in a new file under t.TempDir and closes it on cleanup.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "movies.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) movies.Store { return openTemp(t) }, storetest.Options{})
}

func TestSample(t *testing.T) {
	storetest.RunSample(t, func(t *testing.T) movies.Store { return openTemp(t) }, storetest.Options{})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "movies.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ms := storetest.Fixtures()
	if err := s.Put(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	n, err := s.Count(t.Context())
	if err != nil || n != len(ms) {
		t.Fatalf("Count after reopen = %d, %v; want %d", n, err, len(ms))
	}
	for _, want := range ms {
		got, err := s.Get(t.Context(), want.Key())
		if err != nil {
			t.Fatalf("Get(%s) after reopen: %v", want.Key(), err)
		}
		if string(got.Info) != string(want.Info) {
			t.Errorf("Get(%s) after reopen: info %s, want byte-exact %s", want.Key(), got.Info, want.Info)
		}
	}
}

func TestOpenLockedFileFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "movies.db")
	held, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("second Open of a held file succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "locked by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("second Open: error %q, want one naming the file and saying it is locked", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	for _, tc := range []struct{ name, path string }{
		{"directory", t.TempDir()},
		{"missing parent", filepath.Join(t.TempDir(), "no", "such", "dir", "movies.db")},
	} {
		if s, err := Open(tc.path); err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded, want an error", tc.name)
		}
	}
}

func TestCorruptValueIsInternal(t *testing.T) {
	for _, tc := range []struct {
		name, title string
		value       string
	}{
		{"not JSON", "Broken", "{not json"},
		{"two values", "Two", `{} {}`},
		{"truncated", "Cut", `{"a":[1,2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			k := movies.Key{Year: 2013, Title: tc.title}
			if err := s.Put(t.Context(), []movies.Movie{{Year: 2013, Title: "A first"}}); err != nil {
				t.Fatal(err)
			}
			writeRaw(t, s, encodeKey(k), []byte(tc.value))
			_, err := s.Get(t.Context(), k)
			if movies.ErrorCode(err) != movies.EINTERNAL {
				t.Errorf("Get of corrupt value: %v, want EINTERNAL", err)
			}
			_, err = s.List(t.Context(), movies.ListOptions{})
			if movies.ErrorCode(err) != movies.EINTERNAL {
				t.Errorf("List over corrupt value: %v, want EINTERNAL", err)
			}
			if msg := movies.ErrorMessage(err); msg != "Internal Server Error" {
				t.Errorf("List over corrupt value: caller message %q leaks detail", msg)
			}
		})
	}
}

func TestShortKeyIsInternal(t *testing.T) {
	s := openTemp(t)
	writeRaw(t, s, []byte{7}, []byte(`{}`))
	_, err := s.List(t.Context(), movies.ListOptions{})
	if movies.ErrorCode(err) != movies.EINTERNAL {
		t.Errorf("List over a short key: %v, want EINTERNAL", err)
	}
}

// writeRaw stores value under key directly, bypassing validation.
func writeRaw(t *testing.T, s *Store, key, value []byte) {
	t.Helper()
	err := s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketName).Put(key, value) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestNextOnlyWhenMoreFollow(t *testing.T) {
	s := openTemp(t)
	ms := []movies.Movie{{Year: 2000, Title: "A"}, {Year: 2000, Title: "B"}, {Year: 2001, Title: "C"}}
	if err := s.Put(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		opts     movies.ListOptions
		wantN    int
		wantNext bool
	}{
		{"all, exact limit", movies.ListOptions{Limit: 3}, 3, false},
		{"all, one short", movies.ListOptions{Limit: 2}, 2, true},
		{"year, exact limit", movies.ListOptions{Limit: 2, Year: 2000}, 2, false},
		{"year, one short", movies.ListOptions{Limit: 1, Year: 2000}, 1, true},
		{"after last of year", movies.ListOptions{Year: 2000, Cursor: movies.EncodeCursor(movies.Key{Year: 2000, Title: "B"})}, 0, false},
		{"cursor of a deleted key", movies.ListOptions{Cursor: movies.EncodeCursor(movies.Key{Year: 2000, Title: "AA"})}, 2, false},
	} {
		p, err := s.List(t.Context(), tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(p.Movies) != tc.wantN || (p.Next != "") != tc.wantNext {
			t.Errorf("%s: %d movies, Next %q; want %d, next %t", tc.name, len(p.Movies), p.Next, tc.wantN, tc.wantNext)
		}
	}
}

func TestCountAndEmptyPut(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	if err := s.Put(ctx, nil); err != nil {
		t.Fatalf("Put(nil): %v", err)
	}
	if n, err := s.Count(ctx); err != nil || n != 0 {
		t.Fatalf("Count of empty store = %d, %v", n, err)
	}
	if err := s.Put(ctx, storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx); err != nil || n != len(storetest.Fixtures()) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(storetest.Fixtures()))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Count(cctx); err == nil {
		t.Error("Count with a cancelled context succeeded")
	}
}
