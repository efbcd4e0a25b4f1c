package bolt

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/movieskit/movies"
)

// layoutMovies have titles with escapes, HTML characters and non-ASCII, and
// infos of several shapes, none included.
var layoutMovies = []movies.Movie{
	{Year: 2013, Title: "Rush", Info: json.RawMessage(`{"rating":8.3,"plot":"<b>fast</b>"}`)},
	{Year: 1, Title: "A"},
	{Year: 9999, Title: `quote " and \ backslash`, Info: json.RawMessage(`{}`)},
	{Year: 1997, Title: "Pain & Gain <3>", Info: json.RawMessage(`{"a":[1,{"b":"}"}]}`)},
	{Year: 2001, Title: "Amélie 東京 \u2028", Info: json.RawMessage(`{"x":"\u00e9"}`)},
}

// TestListSizesFromKeyAndInfo checks that a listed movie is what was put,
// and that the size List counts against the page budget, taken from the key
// and the stored info before it is copied, is the movie's EscapedSize: a
// budget of exactly the page's size holds every movie, one byte less does
// not.
func TestListSizesFromKeyAndInfo(t *testing.T) {
	s := openTemp(t)
	if err := s.Put(t.Context(), layoutMovies); err != nil {
		t.Fatal(err)
	}
	size := len(layoutMovies) - 1 // the commas
	for i := range layoutMovies {
		size += layoutMovies[i].EscapedSize()
	}
	for _, tc := range []struct {
		budget, want int
	}{{size, len(layoutMovies)}, {size - 1, len(layoutMovies) - 1}} {
		page, err := s.List(t.Context(), movies.ListOptions{MaxBytes: tc.budget})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Movies) != tc.want {
			t.Errorf("List with a budget of %d bytes: %d movies, want %d", tc.budget, len(page.Movies), tc.want)
		}
		for _, got := range page.Movies {
			want, err := s.Get(t.Context(), got.Key())
			if err != nil || !reflect.DeepEqual(&got, want) {
				t.Errorf("listed %+v, but Get gives %+v, %v", got, want, err)
			}
		}
	}
}

// TestOpenMovesTheOldLayout checks that Open moves the movies of a file
// written in the old layout (each movie's whole JSON under its key) into the
// current one, and refuses a file whose old values do not match their keys.
func TestOpenMovesTheOldLayout(t *testing.T) {
	oldFile := func(t *testing.T, values map[string]string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "movies.db")
		db, err := bbolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket(oldBucketName)
			if err != nil {
				return err
			}
			for k, v := range values {
				if err := b.Put([]byte(k), []byte(v)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("moved", func(t *testing.T) {
		values := map[string]string{}
		for _, m := range layoutMovies { // as the old layout wrote them: info byte for byte
			title, err := json.Marshal(m.Title)
			if err != nil {
				t.Fatal(err)
			}
			v := fmt.Sprintf(`{"year":%d,"title":%s`, m.Year, title)
			if len(m.Info) > 0 {
				v += `,"info":` + string(m.Info)
			}
			values[string(encodeKey(m.Key()))] = v + "}"
		}
		s, err := Open(oldFile(t, values))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, want := range layoutMovies {
			got, err := s.Get(t.Context(), want.Key())
			if err != nil || !reflect.DeepEqual(got, &want) {
				t.Errorf("Get(%s) after the move = %+v, %v; want %+v", want.Key(), got, err, want)
			}
		}
		err = s.db.View(func(tx *bbolt.Tx) error {
			if tx.Bucket(oldBucketName) != nil {
				t.Error("the old bucket is still there")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	for name, value := range map[string]string{
		"not JSON":  `{"year":2013,`,
		"other key": `{"year":2014,"title":"Rush"}`,
	} {
		t.Run(name, func(t *testing.T) {
			key := string(encodeKey(movies.Key{Year: 2013, Title: "Rush"}))
			_, err := Open(oldFile(t, map[string]string{key: value}))
			if err == nil || !strings.Contains(err.Error(), "new layout") {
				t.Errorf("Open of an old file holding %s: %v, want an error about the layout", value, err)
			}
		})
	}
}
