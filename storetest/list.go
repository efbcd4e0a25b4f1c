package storetest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

func testListOrder(t *testing.T, s movies.Store, opts Options) {
	ms := append(Fixtures(), generated(20)...)
	shuffled := append([]movies.Movie(nil), ms...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) {
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	})
	for i := 0; i < len(shuffled); i += 7 {
		put(t, s, shuffled[i:min(i+7, len(shuffled))])
	}
	want := ByKey(ms)
	checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit}), want, !opts.UnorderedList)
	for _, y := range []int{2013, 1999, 2004} {
		checkListing(t, walk(t, s, movies.ListOptions{Limit: movies.MaxLimit, Year: y}), ofYear(want, y), true)
	}
}

func testPagination(t *testing.T, s movies.Store, opts Options) {
	ms := append(Fixtures(), generated(30)...)
	put(t, s, ms)
	want := ByKey(ms)
	for _, limit := range []int{1, 2, 7, 100, 1000} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			checkListing(t, walk(t, s, movies.ListOptions{Limit: limit}), want, !opts.UnorderedList)
		})
	}
}

func testYearFilter(t *testing.T, s movies.Store, _ Options) {
	ms := append(Fixtures(), generated(30)...)
	put(t, s, ms)
	want := ByKey(ms)
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
	checkListing(t, walk(t, s, movies.ListOptions{}), ByKey(ms), false)
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
