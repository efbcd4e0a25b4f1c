package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/movieskit/movies"
)

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
	want := ByKey(ms)
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
