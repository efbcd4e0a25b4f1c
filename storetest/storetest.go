// Package storetest is the contract every movies.Store must pass: one suite of
// subtests, each on a new empty store, covering keys, batches, ordering,
// pagination, filters, limits, tricky titles, JSON round-trips, cursors,
// cancellation and concurrency. Store packages call Run (and RunSample for the
// full-size catalogues of Samples) from their own tests.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/movieskit/movies"
)

// Options describes what a store guarantees beyond the contract.
type Options struct {
	// UnorderedList is true for stores whose unfiltered List is not in (year, title) order (DynamoDB Scan).
	// Year-filtered lists are always in title byte order.
	UnorderedList bool
}

// maxPages bounds a listing walk, so a store whose cursors never end fails
// instead of hanging.
const maxPages = 20000

// callTimeout bounds every store call made by the suite.
const callTimeout = time.Minute

// contract lists the subtests Run runs, each on a new empty store.
var contract = []struct {
	name string
	run  func(t *testing.T, s movies.Store, opts Options)
}{
	{"GetExisting", testGetExisting},
	{"GetMissing", testGetMissing},
	{"GetInvalidKey", testGetInvalidKey},
	{"PutReplaces", testPutReplaces},
	{"PutBatch", testPutBatch},
	{"PutBatchInvalid", testPutBatchInvalid},
	{"ListOrder", testListOrder},
	{"Pagination", testPagination},
	{"YearFilter", testYearFilter},
	{"LimitDefault", testLimitDefault},
	{"LimitInvalid", testLimitInvalid},
	{"TrickyTitles", testTrickyTitles},
	{"FieldRoundTrip", testFieldRoundTrip},
	{"BadCursor", testBadCursor},
	{"Canceled", testCanceled},
	{"Concurrent", testConcurrent},
	{"PageBytes", testPageBytes},
}

// Run runs the contract against stores made by open; each call to open returns
// a NEW EMPTY store (the caller registers cleanup with t.Cleanup).
//
// Besides the Store interface's own rules, the suite checks that listings page
// correctly: no page is longer than its limit, only the last page may be
// empty, the last page has an empty Next, and a walk returns every movie
// exactly once.
func Run(t *testing.T, open func(t *testing.T) movies.Store, opts Options) {
	for _, tc := range contract {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.run(t, s, opts)
		})
	}
}

// testContext returns a context for one test's store calls, cancelled when the
// test ends or after d.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// put writes ms to s in one call, failing the test on error.
func put(t testing.TB, s movies.Store, ms []movies.Movie) {
	t.Helper()
	if err := s.Put(testContext(t, callTimeout), ms); err != nil {
		t.Fatalf("Put(%d movies): %v", len(ms), err)
	}
}

// checkCode reports an error unless err carries the domain error code want.
func checkCode(t testing.TB, what string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want code %q", what, want)
		return
	}
	if got := movies.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q, want %q (error: %v)", what, got, want, err)
	}
}

// checkMovie reports an error unless got has want's key and JSON-equal info
// (absent info must stay absent).
func checkMovie(t testing.TB, what string, got, want movies.Movie) {
	t.Helper()
	if got.Key() != want.Key() {
		t.Errorf("%s: key %q, want %q", what, got.Key(), want.Key())
		return
	}
	if len(want.Info) == 0 || len(got.Info) == 0 {
		if len(want.Info) != len(got.Info) {
			t.Errorf("%s %s: info %q, want %q", what, want.Key(), got.Info, want.Info)
		}
		return
	}
	eq, err := EqualJSON(got.Info, want.Info)
	if err != nil {
		t.Errorf("%s %s: compare info: %v (got %s)", what, want.Key(), err, got.Info)
		return
	}
	if !eq {
		t.Errorf("%s %s: info\n got %s\nwant %s", what, want.Key(), got.Info, want.Info)
	}
}

// checkGets reports an error unless Get returns each of ms with its key and
// JSON-equal info (see checkMovie).
func checkGets(ctx context.Context, t testing.TB, s movies.Store, what string, ms []movies.Movie) {
	t.Helper()
	for _, want := range ms {
		got, err := s.Get(ctx, want.Key())
		if err != nil {
			t.Errorf("Get(%q): %v", want.Key(), err)
			continue
		}
		if got == nil {
			t.Errorf("Get(%q): nil movie and nil error", want.Key())
			continue
		}
		checkMovie(t, what, *got, want)
	}
}

// ByKey indexes ms by key; a later movie replaces an earlier one with the same key.
func ByKey(ms []movies.Movie) map[movies.Key]movies.Movie {
	m := make(map[movies.Key]movies.Movie, len(ms))
	for _, mv := range ms {
		m[mv.Key()] = mv
	}
	return m
}

// ofYear returns the movies of want whose year is y.
func ofYear(want map[movies.Key]movies.Movie, y int) map[movies.Key]movies.Movie {
	out := make(map[movies.Key]movies.Movie)
	for k, m := range want {
		if k.Year == y {
			out[k] = m
		}
	}
	return out
}

// walk follows a listing from its first page to the page with an empty Next
// and returns the movies in the order received. It checks every page: Movies
// is non-nil, no longer than the limit, and empty only on the last page.
func walk(t testing.TB, s movies.Store, opts movies.ListOptions) []movies.Movie {
	t.Helper()
	limit := opts.Limit
	if limit == 0 {
		limit = movies.DefaultLimit
	}
	var all []movies.Movie
	ctx := testContext(t, 5*time.Minute)
	for pages := 1; ; pages++ {
		p, err := s.List(ctx, opts)
		if err != nil {
			t.Fatalf("List(%+v) page %d: %v", opts, pages, err)
		}
		if p == nil || p.Movies == nil {
			t.Fatalf("List(%+v) page %d: nil page or nil Movies (want a non-nil slice)", opts, pages)
		}
		if len(p.Movies) > limit {
			t.Fatalf("List(%+v) page %d: %d movies, more than the limit %d", opts, pages, len(p.Movies), limit)
		}
		all = append(all, p.Movies...)
		if p.Next == "" {
			return all
		}
		if len(p.Movies) == 0 {
			t.Fatalf("List(%+v) page %d: empty page with a Next cursor", opts, pages)
		}
		if pages >= maxPages {
			t.Fatalf("List(%+v): still a Next cursor after %d pages", opts, pages)
		}
		if p.Next == opts.Cursor {
			t.Fatalf("List(%+v) page %d: Next repeats the cursor", opts, pages)
		}
		opts.Cursor = p.Next
	}
}

// checkListing reports an error unless got holds every movie of want exactly
// once with equal content and nothing else, in store order when ordered.
func checkListing(t testing.TB, got []movies.Movie, want map[movies.Key]movies.Movie, ordered bool) {
	t.Helper()
	seen := make(map[movies.Key]bool, len(got))
	for i, m := range got {
		k := m.Key()
		w, ok := want[k]
		switch {
		case seen[k]:
			t.Errorf("listing: %s returned more than once", k)
		case !ok:
			t.Errorf("listing: unexpected movie %s", k)
		default:
			checkMovie(t, "listing", m, w)
		}
		seen[k] = true
		if ordered && i > 0 && !got[i-1].Key().Less(k) {
			t.Errorf("listing: %s listed after %s, want (year, title-bytes) order", k, got[i-1].Key())
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("listing: %s missing", k)
		}
	}
}
