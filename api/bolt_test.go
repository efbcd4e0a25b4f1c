package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/storetest"
)

// generatedMovies returns n valid movies shaped like the AWS sample's records,
// spread over 30 years.
func generatedMovies(n int) []movies.Movie {
	ms := make([]movies.Movie, n)
	for i := range ms {
		info := fmt.Sprintf(`{"directors":["Director %d"],"release_date":"2004-0%d-1%dT00:00:00Z","rating":%d.%d,`+
			`"genres":["Drama","Comedy & Romance"],"image_url":"http://ia.media-imdb.com/images/M/MV5B%08d._V1_SX400_.jpg",`+
			`"plot":"A generated plot of movie number %d, long enough to look like the sample's one-sentence plots.",`+
			`"rank":%d,"running_time_secs":%d,"actors":["Actor %d","Actor %d","Actor %d"]}`,
			i%97, 1+i%9, i%10, 1+i%9, i%10, i, i, i+1, 5000+i%3000, i, i+1, i+2)
		ms[i] = movies.Movie{Year: 1990 + i%30, Title: fmt.Sprintf("Generated Movie %05d", i), Info: json.RawMessage(info)}
	}
	return ms
}

// walkList lists every page through h with the given query and returns the
// movies in order, failing on any non-200 page.
func walkList(t *testing.T, h *server, query map[string]string) []movies.Movie {
	t.Helper()
	var all []movies.Movie
	q := map[string]string{}
	for k, v := range query {
		q[k] = v
	}
	for pages := 0; ; pages++ {
		if pages > 10_000 {
			t.Fatal("listing does not end")
		}
		resp, err := h.list(context.Background(), listRequest(q))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("list %v: %d %v %.200s", q, resp.StatusCode, err, resp.Body)
		}
		var page movies.Page
		if err := json.Unmarshal([]byte(resp.Body), &page); err != nil {
			t.Fatalf("list %v: %v", q, err)
		}
		all = append(all, page.Movies...)
		if page.Next == "" {
			return all
		}
		q["cursor"] = page.Next
	}
}

// checkWalk checks that got holds every movie of want exactly once, in store
// order, with JSON-equal info.
func checkWalk(t *testing.T, got []movies.Movie, want map[movies.Key]movies.Movie) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("listed %d movies, want %d", len(got), len(want))
	}
	for i, m := range got {
		if i > 0 && !got[i-1].Key().Less(m.Key()) {
			t.Fatalf("listing out of order at %d: %s then %s", i, got[i-1].Key(), m.Key())
		}
		w, ok := want[m.Key()]
		if !ok {
			t.Fatalf("listed unknown movie %s", m.Key())
		}
		checkInfo(t, m, w)
	}
}

// checkInfo checks that got's info is JSON-equal to want's.
func checkInfo(t *testing.T, got, want movies.Movie) {
	t.Helper()
	if len(got.Info) == 0 || len(want.Info) == 0 {
		if len(got.Info) != len(want.Info) {
			t.Errorf("%s: info = %s, want %s", want.Key(), got.Info, want.Info)
		}
		return
	}
	if bytes.Equal(got.Info, want.Info) {
		return
	}
	if eq, err := storetest.EqualJSON(got.Info, want.Info); err != nil || !eq {
		t.Errorf("%s: info = %s, want %s (%v)", want.Key(), got.Info, want.Info, err)
	}
}

// getThrough fetches k through h.Get and decodes the movie, failing unless 200.
func getThrough(t *testing.T, h *server, k movies.Key) movies.Movie {
	t.Helper()
	resp, err := h.get(context.Background(), getRequest(map[string]string{"year": strconv.Itoa(k.Year), "title": k.Title}))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("get %s: %d %v %s", k, resp.StatusCode, err, resp.Body)
	}
	var m movies.Movie
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("get %s: %v", k, err)
	}
	if m.Key() != k {
		t.Fatalf("get %s returned %s", k, m.Key())
	}
	return m
}

// TestHandlersOnBolt runs the handlers on the embedded store.
func TestHandlersOnBolt(t *testing.T) {
	ms := append(storetest.Fixtures(), generatedMovies(2000)...)
	want := storetest.ByKey(ms)
	h, logs := newTestServer(bolttest.Open(t, ms...))

	for _, m := range storetest.Fixtures() {
		checkInfo(t, getThrough(t, h, m.Key()), m)
	}
	resp, _ := h.get(context.Background(), getRequest(map[string]string{"year": "2013", "title": "No Such Movie"}))
	checkResponse(t, resp, http.StatusNotFound, `{"message":"movie not found"}`)

	for _, limit := range []string{"7", "100", "1000"} {
		t.Run("walk limit "+limit, func(t *testing.T) {
			checkWalk(t, walkList(t, h, map[string]string{"limit": limit}), want)
		})
	}
	t.Run("walk with a small body budget", func(t *testing.T) {
		small, _ := newTestServer(h.store)
		small.maxResponseBytes = 20_000
		checkWalk(t, walkList(t, small, map[string]string{"limit": "200"}), want)
	})
	t.Run("walk one year", func(t *testing.T) {
		yearWant := map[movies.Key]movies.Movie{}
		for k, m := range want {
			if k.Year == 2013 {
				yearWant[k] = m
			}
		}
		checkWalk(t, walkList(t, h, map[string]string{"year": "2013", "limit": "9"}), yearWant)
	})
	if t.Failed() {
		t.Logf("handler log:\n%s", logs)
	}
}

// TestHandlersOnBoltSample serves each full-size catalogue (the real AWS
// sample when present, and a generated one) from the embedded store: every
// movie is listed once, also when the response budget cuts every page, and a
// spread of them, and every tricky title, round-trip through Get.
func TestHandlersOnBoltSample(t *testing.T) {
	for _, sample := range storetest.Samples(t) {
		t.Run(sample.Name, func(t *testing.T) {
			ms := sample.Movies(t)
			want := storetest.ByKey(ms)
			store := bolttest.Open(t, ms...)
			h, _ := newTestServer(store)
			checkWalk(t, walkList(t, h, map[string]string{"limit": "1000"}), want)
			// A budget far below a page of 1,000 movies (about 500 KB) cuts
			// every page; the cursors must still reach every movie once.
			small, _ := newTestServer(store)
			small.maxResponseBytes = 100_000
			checkWalk(t, walkList(t, small, map[string]string{"limit": "1000"}), want)
			for i, m := range ms {
				if i%37 == 0 || !isPlainTitle(m.Title) {
					checkInfo(t, getThrough(t, h, m.Key()), want[m.Key()])
				}
			}
		})
	}
}

// isPlainTitle reports whether title holds only letters, digits and spaces
// of ASCII.
func isPlainTitle(title string) bool {
	for _, c := range title {
		switch {
		case c == ' ', c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		default:
			return false
		}
	}
	return true
}

// BenchmarkHandlerGet measures get on a bolt store of 2,000 movies.
func BenchmarkHandlerGet(b *testing.B) {
	ms := generatedMovies(2000)
	h := newServer(bolttest.Open(b, ms...), nil)
	reqs := make([]events.APIGatewayV2HTTPRequest, len(ms))
	for i, m := range ms {
		reqs[i] = getRequest(map[string]string{"year": strconv.Itoa(m.Year), "title": m.Title})
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		resp, err := h.get(ctx, reqs[i%len(reqs)])
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("get: %d %v", resp.StatusCode, err)
		}
		i++
	}
}

// BenchmarkHandlerList measures a first page of list at limits 100 and 1000
// on a bolt store of 2,000 movies.
func BenchmarkHandlerList(b *testing.B) {
	h := newServer(bolttest.Open(b, generatedMovies(2000)...), nil)
	ctx := context.Background()
	for _, limit := range []int{100, 1000} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			req := listRequest(map[string]string{"limit": strconv.Itoa(limit)})
			b.ReportAllocs()
			var size int
			for b.Loop() {
				resp, err := h.list(ctx, req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("list: %d %v", resp.StatusCode, err)
				}
				size = len(resp.Body)
			}
			b.SetBytes(int64(size))
		})
	}
}
