package reliability_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/internal/bolttest"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
)

// Load test sizes. The default run is reduced so that `make test` stays
// short; MOVIES_LOAD_FULL=1 runs the full size.
const (
	loadRequestsFull    = 20_000
	loadRequestsDefault = 2_000
	loadConcurrency     = 32
	loadMovies          = 500
	// leakSlack is how many goroutines or file descriptors above the
	// baseline are tolerated after the load (runtime and timer noise).
	leakSlack = 5
)

// loadRequests returns the number of requests of one load run.
func loadRequests() int {
	if os.Getenv("MOVIES_LOAD_FULL") == "1" {
		return loadRequestsFull
	}
	return loadRequestsDefault
}

// TestLoad sends loadRequests() requests, loadConcurrency at a time, over
// loopback to the served API on the embedded store and on DynamoDB Local:
// half GET /get of existing movies, half GET /list of a year's first page.
// Every request must answer 200. It logs p50 and p99 latency (never asserts
// on them) and checks that goroutines and open file descriptors return to
// their baseline once the client's idle connections are closed.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	ms := generateMovies(loadMovies)
	stores := []struct {
		name string
		open func(t *testing.T) movies.Store
	}{
		{"bolt", func(t *testing.T) movies.Store { return bolttest.Open(t, ms...) }},
		{"dynamodb", func(t *testing.T) movies.Store {
			srv := ddblocal.Shared(t)
			s := dynamodb.NewFromConfig(srv.Config(), ddbtest.NewTable(t, srv))
			putAll(t, s, ms)
			return s
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			base := serveAPI(t, st.open(t), 30*time.Second)
			targets := loadTargets(base, ms)
			client := newClient(t, livenessBound, loadConcurrency)

			// Warm up at full concurrency so that connection pools (client,
			// server, store) are at their steady size before the baseline.
			if res := runLoad(client, targets, loadConcurrency*4, loadConcurrency); res.errors > 0 {
				t.Fatalf("warm-up: %d errors, first: %s", res.errors, res.firstError)
			}
			client.CloseIdleConnections()
			goroutines, fds := settle(t, 0, 0)

			n := loadRequests()
			res := runLoad(client, targets, n, loadConcurrency)
			t.Logf("%s: %d requests, concurrency %d, %d errors, %.0f req/s, p50 %s, p99 %s, max %s",
				st.name, n, loadConcurrency, res.errors, float64(n)/res.elapsed.Seconds(),
				res.percentile(50), res.percentile(99), res.percentile(100))
			if res.errors > 0 {
				t.Errorf("%d of %d requests failed, first: %s", res.errors, n, res.firstError)
			}

			client.CloseIdleConnections()
			g, f := settle(t, goroutines, fds)
			t.Logf("%s: goroutines %d -> %d, open fds %d -> %d", st.name, goroutines, g, fds, f)
			if g > goroutines+leakSlack {
				t.Errorf("goroutine leak: %d before the load, %d after", goroutines, g)
			}
			if f > fds+leakSlack {
				t.Errorf("file descriptor leak: %d before the load, %d after", fds, f)
			}
		})
	}
}

// loadTargets returns the URLs of the load: a GET of each movie and a list
// of each movie's year, interleaved.
func loadTargets(base string, ms []movies.Movie) []string {
	targets := make([]string, 0, 2*len(ms))
	for _, m := range ms {
		targets = append(targets,
			base+"/get/"+strconv.Itoa(m.Year)+"/"+url.PathEscape(m.Title),
			base+"/list?limit=10&year="+strconv.Itoa(m.Year))
	}
	return targets
}

// loadResult is the outcome of one load run.
type loadResult struct {
	latencies  []time.Duration // sorted
	errors     int
	firstError string
	elapsed    time.Duration
}

// percentile returns the p-th percentile latency (p from 1 to 100).
func (r loadResult) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := (len(r.latencies)*p+99)/100 - 1
	return r.latencies[max(i, 0)]
}

// runLoad sends n GETs of targets (in turn) with c workers and collects
// their latencies. A request fails unless it answers 200.
func runLoad(client *http.Client, targets []string, n, c int) loadResult {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		res     loadResult
		wg      sync.WaitGroup
		perWork = make([][]time.Duration, c)
	)
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				err := getOK(client, targets[i%len(targets)])
				perWork[w] = append(perWork[w], time.Since(t0))
				if err != nil {
					mu.Lock()
					if res.errors == 0 {
						res.firstError = err.Error()
					}
					res.errors++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for _, l := range perWork {
		res.latencies = append(res.latencies, l...)
	}
	slices.Sort(res.latencies)
	return res
}

// getOK GETs u and fails unless it answers 200.
func getOK(client *http.Client, u string) error {
	r, err := fetch(context.Background(), client, u)
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", u, r.status, r.body)
	}
	return nil
}

// settle waits (up to 10 s) for the goroutine and open-file counts to come
// down to at most the given targets plus leakSlack, and returns the counts.
// With zero targets it waits for them to stop falling and returns them as a
// baseline.
func settle(t *testing.T, goroutines, fds int) (int, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prevG, prevF := -1, -1
	for {
		runtime.GC()
		g, f := runtime.NumGoroutine(), openFDs(t)
		baseline := goroutines == 0 && fds == 0
		if baseline && g == prevG && f == prevF {
			return g, f
		}
		if !baseline && g <= goroutines+leakSlack && f <= fds+leakSlack {
			return g, f
		}
		if time.Now().After(deadline) {
			return g, f
		}
		prevG, prevF = g, f
		time.Sleep(100 * time.Millisecond)
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries)
}
