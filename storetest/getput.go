package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

func testGetExisting(t *testing.T, s movies.Store, _ Options) {
	ms := Fixtures()
	put(t, s, ms)
	checkGets(testContext(t, callTimeout), t, s, "Get", ms)
}

func testGetMissing(t *testing.T, s movies.Store, _ Options) {
	ctx := testContext(t, callTimeout)
	if m, err := s.Get(ctx, movies.Key{Year: 2013, Title: "Rush"}); m != nil || err == nil {
		t.Errorf("Get on empty store = %v, %v; want nil, ENOTFOUND", m, err)
	}
	put(t, s, Fixtures())
	for _, k := range []movies.Key{
		{Year: 2013, Title: "Rush"}, // checked again below, must now exist
		{Year: 2013, Title: "rush"},
		{Year: 2013, Title: "Rush "},
		{Year: 2013, Title: "Rus"},
		{Year: 2012, Title: "Rush"},
		{Year: 2014, Title: "Rush"},
		{Year: 1000, Title: "Nothing"},
	} {
		m, err := s.Get(ctx, k)
		if k == (movies.Key{Year: 2013, Title: "Rush"}) {
			if err != nil {
				t.Errorf("Get(%s) after Put: %v", k, err)
			}
			continue
		}
		checkCode(t, "Get("+k.String()+")", err, movies.ENOTFOUND)
		if m != nil {
			t.Errorf("Get(%s): movie %v along with an error", k, m)
		}
	}
}

func testGetInvalidKey(t *testing.T, s movies.Store, _ Options) {
	put(t, s, Fixtures())
	ctx := testContext(t, callTimeout)
	for _, tc := range []struct {
		name string
		key  movies.Key
	}{
		{"year 0", movies.Key{Year: 0, Title: "Rush"}},
		{"year -1", movies.Key{Year: -1, Title: "Rush"}},
		{"year 10000", movies.Key{Year: 10000, Title: "Rush"}},
		{"empty title", movies.Key{Year: 2013, Title: ""}},
		{"invalid UTF-8", movies.Key{Year: 2013, Title: "Ru\xffsh"}},
		{"1025-byte title", movies.Key{Year: 2013, Title: strings.Repeat("a", movies.MaxTitleBytes+1)}},
	} {
		m, err := s.Get(ctx, tc.key)
		checkCode(t, "Get with "+tc.name, err, movies.EINVALID)
		if m != nil {
			t.Errorf("Get with %s: movie %v along with an error", tc.name, m)
		}
	}
}

func testPutReplaces(t *testing.T, s movies.Store, _ Options) {
	ctx := testContext(t, callTimeout)
	for _, tc := range []struct {
		name          string
		first, second string // info JSON, "" for absent
	}{
		{"info replaced", `{"rating":1,"plot":"old","gone":true}`, `{"rating":2,"plot":"new"}`},
		{"info removed", `{"rating":1}`, ``},
		{"info added", ``, `{"rating":3}`},
	} {
		k := movies.Key{Year: 2000, Title: tc.name}
		put(t, s, []movies.Movie{{Year: k.Year, Title: k.Title, Info: raw(tc.first)}})
		want := movies.Movie{Year: k.Year, Title: k.Title, Info: raw(tc.second)}
		if tc.second == "" {
			want.Info = nil
		}
		put(t, s, []movies.Movie{want})
		got, err := s.Get(ctx, k)
		if err != nil {
			t.Errorf("%s: Get: %v", tc.name, err)
			continue
		}
		checkMovie(t, tc.name, *got, want)
	}
	got := walk(t, s, movies.ListOptions{Year: 2000})
	if len(got) != 3 {
		t.Errorf("after replacing: %d movies listed, want 3", len(got))
	}
}

func testPutBatch(t *testing.T, s movies.Store, opts Options) {
	ms := generated(60)
	// One duplicate inside the first 25 (one DynamoDB batch) and one across batches.
	dupNear := ms[3]
	dupNear.Info = raw(`{"rank":3,"replaced":"within one batch"}`)
	dupFar := ms[5]
	dupFar.Info = raw(`{"rank":5,"replaced":"across batches"}`)
	batch := append(slices.Clone(ms[:10]), dupNear)
	batch = append(batch, ms[10:]...)
	batch = append(batch, dupFar)
	want := ByKey(batch)
	if len(batch) != 62 || len(want) != 60 {
		t.Fatalf("bad test data: %d movies, %d keys", len(batch), len(want))
	}
	put(t, s, batch)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit}), want, !opts.UnorderedList)
	checkGets(testContext(t, callTimeout), t, s, "duplicate in batch, last wins", []movies.Movie{dupNear, dupFar})
}

func testPutBatchInvalid(t *testing.T, s movies.Store, _ Options) {
	existing := movies.Movie{Year: 1994, Title: "Movie 0", Info: raw(`{"original":true}`)}
	put(t, s, []movies.Movie{existing})
	deep := strings.Repeat(`{"a":`, movies.MaxInfoDepth+1) + "1" + strings.Repeat("}", movies.MaxInfoDepth+1)
	huge := `{"plot":"` + strings.Repeat("x", movies.MaxRecordBytes) + `"}`
	ctx := testContext(t, callTimeout)
	for _, tc := range []struct {
		name string
		bad  movies.Movie
	}{
		{"year 0", movies.Movie{Year: 0, Title: "Bad"}},
		{"year 10000", movies.Movie{Year: 10000, Title: "Bad"}},
		{"empty title", movies.Movie{Year: 2000, Title: ""}},
		{"invalid UTF-8 title", movies.Movie{Year: 2000, Title: "\xc3\x28"}},
		{"1025-byte title", movies.Movie{Year: 2000, Title: strings.Repeat("b", movies.MaxTitleBytes+1)}},
		{"info not an object", movies.Movie{Year: 2000, Title: "Bad", Info: raw(`[1,2]`)}},
		{"info not JSON", movies.Movie{Year: 2000, Title: "Bad", Info: raw(`{"a":`)}},
		{"info too deep", movies.Movie{Year: 2000, Title: "Bad", Info: raw(deep)}},
		{"record too large", movies.Movie{Year: 2000, Title: "Bad", Info: raw(huge)}},
	} {
		// 30 valid movies, one replacing an existing one, and the bad one
		// after the first 25 so that a store writing in chunks would have
		// written something already.
		batch := generated(30)
		batch = append(batch[:27:27], append([]movies.Movie{tc.bad}, batch[27:]...)...)
		err := s.Put(ctx, batch)
		checkCode(t, "Put with "+tc.name, err, movies.EINVALID)
		got := walk(t, s, movies.ListOptions{Limit: movies.MaxLimit})
		if len(got) != 1 {
			t.Errorf("Put with %s: %d movies stored after the failed batch, want only the 1 existing", tc.name, len(got))
		}
		if m, err := s.Get(ctx, existing.Key()); err != nil {
			t.Errorf("Put with %s: Get existing: %v", tc.name, err)
		} else {
			checkMovie(t, "existing movie after failed batch", *m, existing)
		}
	}
}
