package api

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"testing"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/storetest"
)

// TestListBigMoviesMemory checks that a page of large movies costs memory in
// proportion to its body, not to its limit: on the embedded store, with 60
// movies of 380 KB (23 MB) and limit=1000, one List allocates at most twice
// the body it returns (each movie's info once, the body once), plus the
// allocator's rounding of each large object to whole 8 KB pages and a fixed
// 64 KB for everything else. The store stops decoding at the body budget,
// the body is built in one buffer of the right size and handed out without a
// copy. Reading all 60 movies, as the store once did, allocates more than
// four times the body.
func TestListBigMoviesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 23 MB of movies in -short mode")
	}
	all := storetest.BigMovies(60, 2000, 380_000)
	h, _ := newTestServer(bolttest.Open(t, all...))
	req := listRequest(map[string]string{"limit": "1000"})
	ctx := context.Background()
	if resp, err := h.list(ctx, req); err != nil || resp.StatusCode != http.StatusOK { // warm up
		t.Fatalf("list: %d %v", resp.StatusCode, err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := h.list(ctx, req)
	runtime.ReadMemStats(&after)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %v", resp.StatusCode, err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	body := uint64(len(resp.Body))
	t.Logf("body %d bytes, allocated %d bytes (%.2f× the body)", body, allocated, float64(allocated)/float64(body))
	var page movies.Page
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
		t.Fatal(err)
	}
	const pageRounding, fixed = 8 << 10, 64 << 10
	if limit := 2*body + pageRounding*uint64(len(page.Movies)+1) + fixed; allocated > limit {
		t.Errorf("one page of %d movies allocated %d bytes for a %d-byte body, more than 2× the body + 8 KB a movie + 64 KB (%d)",
			len(page.Movies), allocated, body, limit)
	}
	last := all[len(page.Movies)-1]
	if len(page.Movies) == 0 || page.Next != movies.EncodeCursor(last.Key()) {
		t.Fatalf("page of %d movies with next %q, want a page cut short that continues after %s", len(page.Movies), page.Next, last.Key())
	}
	if room := h.maxResponseBytes - marshaledSize(t, resp); room > all[0].EscapedSize() {
		t.Errorf("page stopped with %d bytes of budget left, room for another %d-byte movie", room, all[0].EscapedSize())
	}
}
