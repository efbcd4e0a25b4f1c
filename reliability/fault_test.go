package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/movieskit/movies"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/ddbtest"
	"github.com/movieskit/movies/internal/faultproxy"
	"github.com/movieskit/movies/internal/proctest"
	"github.com/movieskit/movies/internal/rietest"
	"github.com/movieskit/movies/loader"
	"github.com/movieskit/movies/storetest"
)

// livenessBound is how long any single request may take in the fault tests
// before the test fails: generous, a bound on hanging, not a speed check.
const livenessBound = 15 * time.Second

// TestDynamoDBStoppedAndRestarted serves the API on DynamoDB Local over a
// real listener, stops DynamoDB Local, and expects both routes to answer
// 503 {"message":"Service Unavailable"} within the liveness bound. It then
// restarts DynamoDB Local on the same port (in memory, so empty), recreates
// the table and a movie, and expects the same API, never restarted, to serve
// it again.
func TestDynamoDBStoppedAndRestarted(t *testing.T) {
	srv := ddblocal.StartForTest(t)
	table := ddbtest.NewTable(t, srv)
	store := dynamodb.NewFromConfig(srv.Config(), table)
	putAll(t, store, fixtures())
	base := serveAPI(t, store, 30*time.Second)
	client := newClient(t, livenessBound, 4)
	ctx := context.Background()

	paths := []string{"/get/2013/Rush", "/list?limit=2", "/list?year=1999"}
	for _, p := range paths {
		if r, err := fetch(ctx, client, base+p); err != nil || r.status != http.StatusOK {
			t.Fatalf("before the fault: GET %s = %d %s, %v", p, r.status, r.body, err)
		}
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("stop DynamoDB Local: %v", err)
	}
	for _, p := range paths {
		start := time.Now()
		r, err := fetch(ctx, client, base+p)
		t.Logf("DynamoDB Local stopped: GET %s answered %d after %s", p, r.status, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("DynamoDB Local stopped: GET %s: no answer within %s: %v", p, livenessBound, err)
		}
		msg, ok := errorMessage(r.body)
		if r.status != http.StatusServiceUnavailable || !ok || msg != "Service Unavailable" || r.contentType != "application/json" {
			t.Errorf("DynamoDB Local stopped: GET %s = %d %q %s, want 503 application/json {\"message\":\"Service Unavailable\"}", p, r.status, r.contentType, r.body)
		}
	}

	restartCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := srv.Restart(restartCtx); err != nil {
		t.Fatalf("restart DynamoDB Local: %v", err)
	}
	createTable(t, srv, table)
	putAll(t, store, fixtures()[:1]) // 2013/Rush
	r, err := fetch(ctx, client, base+"/get/2013/Rush")
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("after restart: GET /get/2013/Rush = %d %s, %v; want 200", r.status, r.body, err)
	}
	var m movies.Movie
	if err := json.Unmarshal(r.body, &m); err != nil || m.Key() != (movies.Key{Year: 2013, Title: "Rush"}) {
		t.Fatalf("after restart: body %s: %v", r.body, err)
	}
	r, err = fetch(ctx, client, base+"/list?limit=5")
	if err != nil || r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"Rush"`)) {
		t.Fatalf("after restart: GET /list = %d %s, %v; want 200 with Rush", r.status, r.body, err)
	}
}

// TestRIEProcessKilled runs the real bootstrap in an RIE pool against
// DynamoDB Local behind a proxy that delays every DynamoDB call, so an
// invocation is surely in flight while its process is killed. Killing the
// emulator or the runtime it runs must give that request a 5xx JSON answer,
// and the requests after it must succeed: the pool replaces a dead emulator,
// the emulator restarts a dead runtime.
func TestRIEProcessKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("finds the processes to kill through /proc, which needs Linux")
	}
	rie := rietest.RIEPath(t)
	bootstrap := rietest.BuildPackage(t, "../cmd/bootstrap")
	srv := ddblocal.Shared(t)
	table := ddbtest.NewTable(t, srv)
	putAll(t, dynamodb.NewFromConfig(srv.Config(), table), fixtures())
	proxy, err := faultproxy.Start(faultproxy.Config{Upstream: srv.Endpoint, Latency: 700 * time.Millisecond})
	if err != nil {
		t.Fatalf("start fault proxy: %v", err)
	}
	t.Cleanup(func() { _ = proxy.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool, err := riepool.New(ctx, riepool.Config{
		RIE: rie, Bootstrap: bootstrap, Functions: deploy.FunctionNames(), Size: 1, Timeout: 20 * time.Second,
		Env: []string{
			"TABLE_NAME=" + table, "AWS_ENDPOINT_URL_DYNAMODB=" + proxy.URL, "AWS_REGION=" + ddblocal.Region,
			"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_SESSION_TOKEN=",
		},
		Logger: quietLogger,
	})
	if err != nil {
		t.Fatalf("start RIE pool: %v", err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	base := serveInvoker(t, pool, 25*time.Second)
	client := newClient(t, 30*time.Second, 2)
	url := base + "/get/2013/Rush"

	if r, err := fetch(ctx, client, url); err != nil || r.status != http.StatusOK {
		t.Fatalf("before the fault: GET = %d %s, %v", r.status, r.body, err)
	}
	tests := []struct {
		name   string
		victim func() (int, error)
	}{
		{"emulator", func() (int, error) { return findProcess(rie, bootstrap, deploy.FunctionGet) }},
		{"runtime", func() (int, error) { return findProcess(bootstrap, deploy.FunctionGet) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, err := tt.victim()
			if err != nil {
				t.Fatal(err)
			}
			seen := proxy.Counts().Requests
			answer := make(chan response, 1)
			go func() {
				r, err := fetch(ctx, client, url)
				if err != nil {
					r = response{status: -1, body: []byte(err.Error())}
				}
				answer <- r
			}()
			waitForProxyRequest(t, proxy, seen) // the function is now waiting on DynamoDB
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("kill %s process %d: %v", tt.name, pid, err)
			}
			start := time.Now()
			r := <-answer
			t.Logf("%s killed: the in-flight request answered %d %s %s after the kill", tt.name, r.status, r.body, time.Since(start).Round(time.Millisecond))
			msg, ok := errorMessage(r.body)
			if r.status < 500 || r.status > 599 || !ok || msg == "" {
				t.Fatalf("request in flight when the %s died: %d %s, want 5xx {\"message\": ...}", tt.name, r.status, r.body)
			}
			for i := range 3 {
				if r, err := fetch(ctx, client, url); err != nil || r.status != http.StatusOK {
					t.Fatalf("request %d after the %s died: %d %s, %v; want 200", i+1, tt.name, r.status, r.body, err)
				}
			}
		})
	}
}

// findProcess returns the pid of the one process whose command line starts
// with exe and contains every one of args (each of our processes has the
// test's own bootstrap path on its command line, so no other is matched).
func findProcess(exe string, args ...string) (int, error) {
	procs, err := proctest.List()
	if err != nil {
		return 0, err
	}
	var found []int
	for _, p := range procs {
		if len(p.Argv) > 0 && p.Argv[0] == exe && containsAll(p.Argv[1:], args) {
			found = append(found, p.PID)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("want one process %s %v, found %v", exe, args, found)
	}
	return found[0], nil
}

// containsAll reports whether every one of want is in have.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// waitForProxyRequest waits until the proxy has received more than seen requests.
func waitForProxyRequest(t *testing.T, proxy *faultproxy.Server, seen int64) {
	t.Helper()
	deadline := time.Now().Add(livenessBound)
	for proxy.Counts().Requests <= seen {
		if time.Now().After(deadline) {
			t.Fatalf("no DynamoDB call reached the proxy within %s", livenessBound)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLoaderInterruptedAndRerun loads a file into DynamoDB Local through a
// proxy that slows every call, cancels the load once some batches are
// written, checks that the table holds part of the file, then reruns the
// load and checks that the table holds exactly the file's items. It runs on
// each full-size catalogue.
func TestLoaderInterruptedAndRerun(t *testing.T) {
	srv := ddblocal.Shared(t)
	for _, f := range loadFiles(t) {
		t.Run(f.name, func(t *testing.T) { loaderInterruptedAndRerun(t, srv, f.path, f.want) })
	}
}

// loaderInterruptedAndRerun runs TestLoaderInterruptedAndRerun on the file at path.
func loaderInterruptedAndRerun(t *testing.T, srv *ddblocal.Server, path string, want map[movies.Key]bool) {
	table := ddbtest.NewTable(t, srv)
	proxy := slowProxy(t, srv)
	open := func() (io.ReadCloser, error) { return os.Open(path) }

	cfg := srv.Config()
	cfg.BaseEndpoint = &proxy.URL
	slow := dynamodb.NewFromConfig(cfg, table)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	killCtx, kill := context.WithCancel(ctx)
	defer kill()
	stats, err := loader.Load(killCtx, open, slow, loader.Options{
		ProgressInterval: 5 * time.Millisecond,
		Progress: func(s loader.Stats) {
			if s.Written >= 2*loader.DefaultBatchSize {
				kill()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted load: err = %v, want context.Canceled (stats %+v)", err, stats)
	}
	partial := scanKeys(t, srv, table)
	t.Logf("interrupted load: %d written per the loader, %d in the table, of %d", stats.Written, len(partial), len(want))
	if len(partial) == 0 || len(partial) >= len(want) {
		t.Fatalf("interrupted load left %d of %d items, want a part", len(partial), len(want))
	}
	for k := range partial {
		if !want[k] {
			t.Fatalf("interrupted load wrote %v, which is not in the file", k)
		}
	}

	stats, err = loader.Load(ctx, open, dynamodb.NewFromConfig(srv.Config(), table), loader.Options{})
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if stats.Written != len(want) {
		t.Errorf("rerun wrote %d, want %d", stats.Written, len(want))
	}
	requireExactKeys(t, scanKeys(t, srv, table), want)
}

// loadFile is a file to load and its set of keys.
type loadFile struct {
	name, path string
	want       map[movies.Key]bool
}

// loadFiles returns the full-size catalogues of storetest.Samples with their keys.
func loadFiles(t *testing.T) []loadFile {
	t.Helper()
	var out []loadFile
	for _, s := range storetest.Samples(t) {
		keys := map[movies.Key]bool{}
		for _, m := range s.Movies(t) {
			keys[m.Key()] = true
		}
		out = append(out, loadFile{name: s.Name, path: s.Path, want: keys})
	}
	return out
}

// generateMovies returns n distinct valid movies spread over 50 years.
func generateMovies(n int) []movies.Movie {
	ms := make([]movies.Movie, n)
	for i := range ms {
		ms[i] = movies.Movie{
			Year:  1950 + i%50,
			Title: fmt.Sprintf("Movie %05d", i),
			Info:  json.RawMessage(fmt.Sprintf(`{"rating":%d.5,"genres":["Drama"],"rank":%d}`, i%10, i)),
		}
	}
	return ms
}
