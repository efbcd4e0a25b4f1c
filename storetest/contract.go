package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/movieskit/movies"
)

func testGetExisting(t *testing.T, s movies.Store, _ Options) {
	ms := Fixtures()
	put(t, s, ms)
	ctx := testContext(t, callTimeout)
	for _, want := range ms {
		got, err := s.Get(ctx, want.Key())
		if err != nil {
			t.Errorf("Get(%s): %v", want.Key(), err)
			continue
		}
		if got == nil {
			t.Errorf("Get(%s): nil movie and nil error", want.Key())
			continue
		}
		checkMovie(t, "Get", *got, want)
	}
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
	want := byKey(batch)
	if len(batch) != 62 || len(want) != 60 {
		t.Fatalf("bad test data: %d movies, %d keys", len(batch), len(want))
	}
	put(t, s, batch)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit}), want, !opts.UnorderedList)
	ctx := testContext(t, callTimeout)
	for _, w := range []movies.Movie{dupNear, dupFar} {
		got, err := s.Get(ctx, w.Key())
		if err != nil {
			t.Errorf("Get(%s): %v", w.Key(), err)
			continue
		}
		checkMovie(t, "duplicate in batch, last wins", *got, w)
	}
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

func testListOrder(t *testing.T, s movies.Store, opts Options) {
	ms := append(Fixtures(), generated(20)...)
	shuffled := append([]movies.Movie(nil), ms...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	for i := 0; i < len(shuffled); i += 7 {
		put(t, s, shuffled[i:min(i+7, len(shuffled))])
	}
	want := byKey(ms)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit}), want, !opts.UnorderedList)
	for _, y := range []int{2013, 1999, 2004} {
		checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit, Year: y}), ofYear(want, y), true)
	}
}

func testPagination(t *testing.T, s movies.Store, opts Options) {
	ms := append(Fixtures(), generated(30)...)
	put(t, s, ms)
	want := byKey(ms)
	for _, limit := range []int{1, 2, 7, 100, 1000} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			checkListing(t, walk(t, s, movies.ListOptions{Limit: limit}), want, !opts.UnorderedList)
		})
	}
}

func testYearFilter(t *testing.T, s movies.Store, _ Options) {
	ms := append(Fixtures(), generated(30)...)
	put(t, s, ms)
	want := byKey(ms)
	years := map[int]bool{}
	for k := range want {
		years[k.Year] = true
	}
	for y := range years {
		for _, limit := range []int{1, 2, 1000} {
			t.Run(fmt.Sprintf("year=%d/limit=%d", y, limit), func(t *testing.T) {
				checkListing(t, walk(t, s, movies.ListOptions{Year: y, Limit: limit}), ofYear(want, y), true)
			})
		}
	}
	ctx := testContext(t, callTimeout)
	for _, y := range []int{2, 2000, 2012, 9998} {
		p, err := s.List(ctx, movies.ListOptions{Year: y})
		if err != nil {
			t.Errorf("List(year %d): %v", y, err)
			continue
		}
		if p.Movies == nil || len(p.Movies) != 0 || p.Next != "" {
			t.Errorf("List(year %d) = %d movies (nil: %t), Next %q; want an empty non-nil slice and no Next",
				y, len(p.Movies), p.Movies == nil, p.Next)
		}
	}
}

func testLimitDefault(t *testing.T, s movies.Store, _ Options) {
	ctx := testContext(t, callTimeout)
	p, err := s.List(ctx, movies.ListOptions{})
	if err != nil {
		t.Fatalf("List on empty store: %v", err)
	}
	if p.Movies == nil || len(p.Movies) != 0 || p.Next != "" {
		t.Errorf("List on empty store = %d movies (nil: %t), Next %q; want an empty non-nil slice and no Next",
			len(p.Movies), p.Movies == nil, p.Next)
	}
	ms := generated(150)
	put(t, s, ms)
	p, err = s.List(ctx, movies.ListOptions{Limit: 0})
	if err != nil {
		t.Fatalf("List(limit 0): %v", err)
	}
	if len(p.Movies) != movies.DefaultLimit || p.Next == "" {
		t.Errorf("List(limit 0) = %d movies, Next %q; want %d and a Next cursor", len(p.Movies), p.Next, movies.DefaultLimit)
	}
	checkListing(t, walk(t, s, movies.ListOptions{}), byKey(ms), false)
}

func testLimitInvalid(t *testing.T, s movies.Store, _ Options) {
	put(t, s, Fixtures())
	ctx := testContext(t, callTimeout)
	for _, tc := range []struct {
		name string
		opts movies.ListOptions
	}{
		{"limit -1", movies.ListOptions{Limit: -1}},
		{"limit 1001", movies.ListOptions{Limit: movies.MaxLimit + 1}},
		{"limit -1 with year", movies.ListOptions{Limit: -1, Year: 2013}},
		{"year -1", movies.ListOptions{Year: -1}},
		{"year 10000", movies.ListOptions{Year: 10000}},
	} {
		p, err := s.List(ctx, tc.opts)
		checkCode(t, "List with "+tc.name, err, movies.EINVALID)
		if p != nil {
			t.Errorf("List with %s: page along with an error", tc.name)
		}
	}
}

// trickyTitles are valid titles that break naive URL, key or cursor handling.
var trickyTitles = []string{
	"a/b", "/", "what?", "1+1", "Tom & Jerry", "Ocean's Eleven", "#1", "100%", "%2F", "a%2Fb", "%",
	"with space", " leading", "trailing ", "  both  ", " ", "a+b c", "Amélie", "千と千尋の神隠し",
	"🎬 emoji", "tab\there", `quote"s`, `back\slash`, "line\u2028sep", ".", "..", "?a=1&b=2",
	strings.Repeat("a", movies.MaxTitleBytes), strings.Repeat("é", movies.MaxTitleBytes/2),
}

func testTrickyTitles(t *testing.T, s movies.Store, opts Options) {
	const year = 2020
	ms := make([]movies.Movie, len(trickyTitles))
	for i, title := range trickyTitles {
		ms[i] = movies.Movie{Year: year, Title: title, Info: raw(fmt.Sprintf(`{"i":%d}`, i))}
	}
	put(t, s, ms)
	ctx := testContext(t, callTimeout)
	for _, want := range ms {
		got, err := s.Get(ctx, want.Key())
		if err != nil {
			t.Errorf("Get(%q): %v", want.Title, err)
			continue
		}
		checkMovie(t, "Get", *got, want)
	}
	want := byKey(ms)
	checkListing(t, walk(t, s, movies.ListOptions{Year: year, Limit: 3}), want, true)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: 4}), want, !opts.UnorderedList)
}

// infoCases are info objects whose JSON must survive a round trip; "" means absent.
var infoCases = []struct{ name, info string }{
	{"absent", ``},
	{"empty object", `{}`},
	{"rating 8.3", `{"rating":8.3}`},
	{"rating 7.0", `{"rating":7.0}`},
	{"zero", `{"n":0}`},
	{"negative", `{"n":-1}`},
	{"big int", `{"n":12345678901234567890}`},
	{"38 digits", `{"n":3.141592653589793238462643383279502884}`},
	{"small float", `{"n":1.5e-10}`},
	{"exponent", `{"n":1E+2}`},
	{"nested", `{"a":[[1,[2,{"b":[{}]}]],{"c":{"d":[true,false,null]}}]}`},
	{"mixed array", `{"a":[1,"two",3.5,null,{"k":"v"},[],{}]}`},
	{"empty string", `{"s":""}`},
	{"empty array", `{"a":[]}`},
	{"booleans", `{"t":true,"f":false}`},
	{"null", `{"x":null,"y":1}`},
	{"unicode and escapes", `{"s":"é 千 🎬 \u00e9 \ud83c\udfac \"q\" \\ \/ \n\t\r \u0001 \u2028 <&>"}`},
	{"unknown fields", `{"directors":["X"],"unknown_field":{"deep":{"deeper":1}},"x-custom":"y","ключ":"значение"}`},
	{"sample shape", `{"directors":["Ron Howard"],"release_date":"2013-09-02T00:00:00Z","rating":8.3,"genres":["Action","Biography"],"image_url":"http://ia.media-imdb.com/images/M/MV5B@@._V1_SX400_.jpg","plot":"A re-creation.","rank":2,"running_time_secs":7380,"actors":["Daniel Bruhl"]}`},
}

func testFieldRoundTrip(t *testing.T, s movies.Store, _ Options) {
	const year = 2010
	ms := make([]movies.Movie, len(infoCases))
	for i, tc := range infoCases {
		ms[i] = movies.Movie{Year: year, Title: tc.name}
		if tc.info != "" {
			ms[i].Info = raw(tc.info)
		}
	}
	put(t, s, ms)
	ctx := testContext(t, callTimeout)
	for _, want := range ms {
		got, err := s.Get(ctx, want.Key())
		if err != nil {
			t.Errorf("Get(%s): %v", want.Key(), err)
			continue
		}
		checkMovie(t, "Get", *got, want)
	}
	checkListing(t, walk(t, s, movies.ListOptions{Year: year}), byKey(ms), true)
}

func testBadCursor(t *testing.T, s movies.Store, _ Options) {
	put(t, s, Fixtures())
	ctx := testContext(t, callTimeout)
	first, err := s.List(ctx, movies.ListOptions{Year: 2013, Limit: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("List(year 2013, limit 1) = %v, %v; want a page with Next", first, err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		name string
		opts movies.ListOptions
	}{
		{"garbage", movies.ListOptions{Cursor: "!!not a cursor!!"}},
		{"base64 of non-JSON", movies.ListOptions{Cursor: b64([]byte("not json at all"))}},
		{"base64 of JSON array", movies.ListOptions{Cursor: b64([]byte(`[2013,"Rush"]`))}},
		{"base64 of invalid key", movies.ListOptions{Cursor: b64([]byte(`{"y":0,"t":""}`))}},
		{"too long", movies.ListOptions{Cursor: strings.Repeat("A", 5000)}},
		{"padded base64", movies.ListOptions{Cursor: first.Next + "=="}},
		{"cursor of another year", movies.ListOptions{Year: 1999, Cursor: first.Next}},
		{"cursor of another year with a limit", movies.ListOptions{Year: 2001, Limit: 5, Cursor: first.Next}},
	} {
		p, err := s.List(ctx, tc.opts)
		checkCode(t, "List with "+tc.name+" cursor", err, movies.EINVALID)
		if p != nil {
			t.Errorf("List with %s cursor: page along with an error", tc.name)
		}
	}
}

func testCanceled(t *testing.T, s movies.Store, _ Options) {
	put(t, s, Fixtures())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k := movies.Key{Year: 2013, Title: "Rush"}
	_, getErr := s.Get(ctx, k)
	_, listErr := s.List(ctx, movies.ListOptions{})
	putErr := s.Put(ctx, generated(3))
	for name, err := range map[string]error{"Get": getErr, "List": listErr, "Put": putErr} {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error %v, want one wrapping context.Canceled", name, err)
		}
	}
}

func testConcurrent(t *testing.T, s movies.Store, _ Options) {
	ms := Fixtures()
	put(t, s, ms)
	want := byKey(ms)
	ctx := testContext(t, callTimeout)
	const workers, rounds = 6, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				m := ms[(w+r)%len(ms)]
				got, err := s.Get(ctx, m.Key())
				if err != nil {
					t.Errorf("worker %d: Get(%s): %v", w, m.Key(), err)
					return
				}
				checkMovie(t, "concurrent Get", *got, m)
				p, err := s.List(ctx, movies.ListOptions{Year: m.Year, Limit: 2})
				if err != nil {
					t.Errorf("worker %d: List(year %d): %v", w, m.Year, err)
					return
				}
				if len(p.Movies) == 0 {
					t.Errorf("worker %d: List(year %d) is empty", w, m.Year)
				}
			}
		})
	}
	wg.Go(func() { // a writer rewriting the same data alongside the readers
		for range rounds / 2 {
			if err := s.Put(ctx, ms[:3]); err != nil {
				t.Errorf("concurrent Put: %v", err)
				return
			}
		}
	})
	wg.Wait()
	checkListing(t, walk(t, s, movies.ListOptions{Limit: 5, Year: 2013}), ofYear(want, 2013), true)
}
