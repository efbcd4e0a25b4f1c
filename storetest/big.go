package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/movieskit/movies"
)

// BigMovies returns n valid movies of year whose compact info is about
// infoBytes long (at least a few dozen bytes): a rating, genres and a plot of
// words that fills the rest. Titles sort in the order of the slice. Use it to
// build pages that reach a byte budget long before their limit; nothing of it
// is stored in the repository.
func BigMovies(n, year, infoBytes int) []movies.Movie {
	ms := make([]movies.Movie, n)
	for i := range ms {
		head := fmt.Sprintf(`{"rating":%d.%d,"genres":["Drama","Comedy & Romance"],"plot":"`, 1+i%9, i%10)
		tail := `"}`
		need := max(infoBytes-len(head)-len(tail), 0)
		word := fmt.Sprintf("scene %d. ", i)
		plot := strings.Repeat(word, need/len(word)+1)[:need]
		info := head + plot + tail
		ms[i] = movies.Movie{Year: year, Title: fmt.Sprintf("Big Movie %05d", i), Info: json.RawMessage(info)}
	}
	return ms
}

// pageBytes returns the size of ms as PageBudget counts it.
func pageBytes(ms []movies.Movie) int {
	n := 0
	for i := range ms {
		if i > 0 {
			n++
		}
		n += ms[i].EscapedSize()
	}
	return n
}

// testPageBytes checks ListOptions.MaxBytes: a page holding more than one
// movie stays within the budget, a year's pages (in title order in every
// store) are full, that is the next page's first movie would not have fit,
// and walking the pages returns every movie exactly once.
func testPageBytes(t *testing.T, s movies.Store, opts Options) {
	ms := append(BigMovies(20, 2001, 3_000), BigMovies(25, 2002, 700)...)
	// Movies of 1 KB whose info takes 4.5 KB escaped in a response: a store
	// that counted their raw bytes would overfill a page.
	for i := range 10 {
		info := `{"plot":"` + strings.Repeat(`<\"&`, 250) + `"}`
		ms = append(ms, movies.Movie{Year: 2003, Title: fmt.Sprintf("Escaped Movie %02d", i), Info: json.RawMessage(info)})
	}
	put(t, s, ms)
	want := ByKey(ms)
	for _, maxBytes := range []int{1, 3_500, 10_000, 1 << 20} {
		for _, year := range []int{0, 2001, 2002, 2003} {
			t.Run(fmt.Sprintf("MaxBytes=%d year=%d", maxBytes, year), func(t *testing.T) {
				lo := movies.ListOptions{Limit: 100, Year: year, MaxBytes: maxBytes}
				ctx := testContext(t, callTimeout)
				var all []movies.Movie
				var prev *movies.Page
				for pages := 1; ; pages++ {
					p, err := s.List(ctx, lo)
					if err != nil {
						t.Fatalf("List(%+v) page %d: %v", lo, pages, err)
					}
					if len(p.Movies) == 0 && p.Next != "" {
						t.Fatalf("List(%+v) page %d: empty page with a Next cursor", lo, pages)
					}
					if n := pageBytes(p.Movies); len(p.Movies) > 1 && n > maxBytes {
						t.Fatalf("List(%+v) page %d: %d movies of %d bytes, over MaxBytes", lo, pages, len(p.Movies), n)
					}
					if maxBytes == 1 && len(p.Movies) > 1 {
						t.Fatalf("List(%+v) page %d: %d movies, want 1 under a 1-byte budget", lo, pages, len(p.Movies))
					}
					if year != 0 && prev != nil && len(prev.Movies) < lo.Limit && len(p.Movies) > 0 {
						if n := pageBytes(append(slices.Clone(prev.Movies), p.Movies[0])); n <= maxBytes {
							t.Fatalf("List(%+v) page %d: the previous page stopped short: %s would have fit (%d bytes)", lo, pages, p.Movies[0].Key(), n)
						}
					}
					all = append(all, p.Movies...)
					if p.Next == "" {
						break
					}
					if pages > len(ms) {
						t.Fatalf("List(%+v): still a Next cursor after %d pages", lo, pages)
					}
					prev, lo.Cursor = p, p.Next
				}
				wantHere := want
				if year != 0 {
					wantHere = ofYear(want, year)
				}
				checkListing(t, all, wantHere, !opts.UnorderedList || year != 0)
			})
		}
	}
}
