package e2e

// Benchmarks for `make bench` (see bench/ and docs/PERFORMANCE.md). Where two
// things are compared on DynamoDB Local they run interleaved, one of each per
// iteration, so that JVM warm-up, garbage collection and the load of a shared
// machine fall on both sides alike and the ratio stays meaningful.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/movieskit/movies"
	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/dynamodb"
	"github.com/movieskit/movies/gateway"
	"github.com/movieskit/movies/gateway/riepool"
	"github.com/movieskit/movies/image"
	"github.com/movieskit/movies/image/bootstrap"
	"github.com/movieskit/movies/internal/ddblocal"
	"github.com/movieskit/movies/internal/rietest"
	"github.com/movieskit/movies/loader"
	"github.com/movieskit/movies/storetest"
)

// Bounds of the report benchmarks.
const (
	warmUpRounds    = 300              // untimed requests of each kind before timing
	requestTimeout  = 30 * time.Second // any one request or walk step
	serveRSSQueries = 500              // requests sent to `movies serve` before its RSS is read
)

// BenchmarkReportGet fetches one movie three ways, interleaved in every
// iteration: a raw SDK GetItem on DynamoDB Local, GET /get through the local
// gateway on the same DynamoDB Local table, and GET /get through the gateway on
// the embedded (bolt) store. It reports the mean of each in ns per get.
func BenchmarkReportGet(b *testing.B) {
	store := openDynamoDB(b).(*dynamodb.Store)
	seed(b, store)
	embedded := openBolt(b)
	seed(b, embedded)
	raw := rawGetter(b, store)
	gw := newServer(b, store)
	emb := newServer(b, embedded)
	path := fmt.Sprintf("/get/%d/%s", benchKey.Year, benchKey.Title)
	ops := []func() error{
		raw,
		func() error { return fetchOK(gw.Client(), gw.URL+path) },
		func() error { return fetchOK(emb.Client(), emb.URL+path) },
	}
	names := []string{"raw-ns/get", "gateway-ns/get", "embedded-ns/get"}
	reportInterleaved(b, warmUpRounds, ops, names, time.Nanosecond)
}

// rawGetter returns a GetItem of benchKey on store's table with its own client.
func rawGetter(b *testing.B, store *dynamodb.Store) func() error {
	client := dynamodb.NewClient(ddblocal.Shared(b).Config())
	key := map[string]types.AttributeValue{
		"year":  &types.AttributeValueMemberN{Value: strconv.Itoa(benchKey.Year)},
		"title": &types.AttributeValueMemberS{Value: benchKey.Title},
	}
	in := &ddb.GetItemInput{TableName: aws.String(store.Table()), Key: key}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		out, err := client.GetItem(ctx, in)
		if err != nil {
			return fmt.Errorf("GetItem: %w", err)
		}
		if out.Item == nil {
			return errors.New("GetItem: no item")
		}
		return nil
	}
}

// reportInterleaved runs every op warmUp times untimed, then all ops once per
// iteration, rotating which goes first, and reports each op's mean time in unit.
func reportInterleaved(b *testing.B, warmUp int, ops []func() error, names []string, unit time.Duration) {
	b.Helper()
	for range warmUp {
		for _, op := range ops {
			if err := op(); err != nil {
				b.Fatalf("warm-up: %v", err)
			}
		}
	}
	total := make([]time.Duration, len(ops))
	n := 0
	for b.Loop() {
		for j := range ops {
			k := (n + j) % len(ops)
			start := time.Now()
			if err := ops[k](); err != nil {
				b.Fatal(err)
			}
			total[k] += time.Since(start)
		}
		n++
	}
	for i, name := range names {
		b.ReportMetric(float64(total[i])/float64(n)/float64(unit), name)
	}
}

// fetchOK GETs u and returns an error unless the answer is 200.
func fetchOK(client *http.Client, u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("GET %s: read body: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return nil
}

// throughputBurst is how long each side of BenchmarkReportThroughput is
// driven per iteration; the sides alternate.
const throughputBurst = 100 * time.Millisecond

// BenchmarkReportThroughput compares requests per second of a bare net/http
// hello-world and of GET /get/2013/Rush through the gateway on the embedded
// store, with the same load generator: 4 × GOMAXPROCS goroutines with
// keep-alive connections, driving each server in alternating 100 ms bursts so
// that both sides see the same machine load. It reports each side's req/s.
func BenchmarkReportThroughput(b *testing.B) {
	hello := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	}))
	b.Cleanup(hello.Close)
	store := openBolt(b)
	seed(b, store)
	gw := newServer(b, store)
	workers := 4 * runtime.GOMAXPROCS(0)
	sides := []struct {
		url    string
		client *http.Client
	}{
		{hello.URL + "/", hello.Client()},
		{fmt.Sprintf("%s/get/%d/%s", gw.URL, benchKey.Year, benchKey.Title), gw.Client()},
	}
	for _, s := range sides {
		s.client.Transport.(*http.Transport).MaxIdleConnsPerHost = workers
		if _, err := burst(s.client, s.url, workers, throughputBurst); err != nil { // warm-up
			b.Fatal(err)
		}
	}
	requests := make([]int64, len(sides))
	elapsed := make([]time.Duration, len(sides))
	n := 0
	for b.Loop() {
		for j := range sides {
			k := (n + j) % len(sides)
			start := time.Now()
			count, err := burst(sides[k].client, sides[k].url, workers, throughputBurst)
			if err != nil {
				b.Fatal(err)
			}
			requests[k] += count
			elapsed[k] += time.Since(start)
		}
		n++
	}
	b.ReportMetric(float64(requests[0])/elapsed[0].Seconds(), "hello-req/s")
	b.ReportMetric(float64(requests[1])/elapsed[1].Seconds(), "gateway-req/s")
}

// burst sends GET u from workers goroutines until d has passed and returns
// how many requests succeeded; every goroutine has ended when it returns.
func burst(client *http.Client, u string, workers int, d time.Duration) (int64, error) {
	deadline := time.Now().Add(d)
	var count atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := fetchOK(client, u); err != nil {
					errs <- err
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return count.Load(), nil
}

// BenchmarkReportListWalk walks the full AWS sample on DynamoDB Local two
// ways, interleaved: a raw paginated Scan (Limit 1000, ExclusiveStartKey) and
// GET /list?limit=1000 through the local gateway, following the cursor. Both
// must see every movie. It reports each walk's mean in ms. It walks the real
// AWS sample when present, else the generated full-size catalogue.
func BenchmarkReportListWalk(b *testing.B) {
	sample := storetest.BenchSample(b)
	b.Logf("catalogue: %s (%s)", sample.Name, sample.Path)
	path := sample.Path
	store := openDynamoDB(b).(*dynamodb.Store)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	open := func() (io.ReadCloser, error) { return os.Open(path) }
	start := time.Now()
	stats, err := loader.Load(ctx, open, store, loader.Options{})
	if err != nil {
		b.Fatalf("load sample: %v", err)
	}
	b.Logf("loaded %d movies in %v", stats.Written, time.Since(start).Round(time.Millisecond))
	want := stats.Written
	client := dynamodb.NewClient(ddblocal.Shared(b).Config())
	srv := newServer(b, store)
	count := func(name string, walk func() (int, error)) func() error {
		return func() error {
			n, err := walk()
			if err != nil {
				return fmt.Errorf("%s walk: %w", name, err)
			}
			if n != want {
				return fmt.Errorf("%s walk saw %d movies, want %d", name, n, want)
			}
			return nil
		}
	}
	ops := []func() error{
		count("scan", func() (int, error) { return scanWalk(client, store.Table()) }),
		count("list", func() (int, error) { return listWalk(srv.Client(), srv.URL) }),
	}
	reportInterleaved(b, 1, ops, []string{"scan-ms/walk", "list-ms/walk"}, time.Millisecond)
}

// maxWalkPages bounds a walk, so that a cursor bug cannot loop forever.
const maxWalkPages = 100

// scanWalk scans table in pages of 1,000 and returns how many items it saw.
func scanWalk(client *ddb.Client, table string) (int, error) {
	var start map[string]types.AttributeValue
	n := 0
	for range maxWalkPages {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		out, err := client.Scan(ctx, &ddb.ScanInput{TableName: aws.String(table), Limit: aws.Int32(movies.MaxLimit), ExclusiveStartKey: start})
		cancel()
		if err != nil {
			return n, fmt.Errorf("scan: %w", err)
		}
		n += len(out.Items)
		if start = out.LastEvaluatedKey; start == nil {
			return n, nil
		}
	}
	return n, fmt.Errorf("scan did not end after %d pages", maxWalkPages)
}

// listWalk follows /list?limit=1000 from the first page to the last and
// returns how many movies it saw.
func listWalk(client *http.Client, base string) (int, error) {
	next, n := "", 0
	for range maxWalkPages {
		u := base + "/list?limit=1000"
		if next != "" {
			u += "&cursor=" + url.QueryEscape(next)
		}
		var page struct {
			Movies []json.RawMessage `json:"movies"`
			Next   string            `json:"next"`
		}
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		err := getJSON(ctx, client, u, &page, nil)
		cancel()
		if err != nil {
			return n, err
		}
		n += len(page.Movies)
		if next = page.Next; next == "" {
			return n, nil
		}
	}
	return n, fmt.Errorf("listing did not end after %d pages", maxWalkPages)
}

// BenchmarkReportWarmInvoke invokes the get function with the same event
// two ways, interleaved: through a warm bootstrap under the AWS Lambda Runtime
// Interface Emulator (riepool.Pool of one process: HTTP to RIE and the
// runtime API round trip) and in process (gateway.InProcess), both on one
// DynamoDB Local table. It reports each invoke's mean in ns. It skips when
// the RIE binary is missing, except under CI=true.
func BenchmarkReportWarmInvoke(b *testing.B) {
	rietest.RIEPath(b) // skip before starting DynamoDB Local
	srv := ddblocal.Shared(b)
	store := openDynamoDB(b).(*dynamodb.Store)
	seed(b, store)
	pool := startRIEPool(b, []string{
		"TABLE_NAME=" + store.Table(),
		"AWS_REGION=" + ddblocal.Region,
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_SESSION_TOKEN=",
		"AWS_ENDPOINT_URL_DYNAMODB=" + srv.Endpoint,
	})
	inproc := gateway.InProcess(api.Functions(store, slog.New(slog.DiscardHandler)))
	ev := getEvent(b, fmt.Sprintf("/get/%d/%s", benchKey.Year, benchKey.Title))
	ops := []func() error{invokeOK(pool, ev), invokeOK(inproc, ev)}
	reportInterleaved(b, warmUpRounds, ops, []string{"rie-ns/invoke", "inprocess-ns/invoke"}, time.Nanosecond)
}

// startRIEPool compiles the bootstrap for this machine with the image's
// flags and starts one RIE process serving get with it; the pool is closed
// in cleanup.
func startRIEPool(b *testing.B, env []string) *riepool.Pool {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := bootstrap.Build(ctx, rietest.RepoRoot(b), runtime.GOARCH, bin); err != nil {
		b.Fatalf("build the bootstrap for %s: %v", runtime.GOARCH, err)
	}
	return rietest.StartPool(b, bin, []string{deploy.FunctionGet}, 1, env...)
}

// invokeOK returns an op that invokes get with ev and checks for a 200 answer.
func invokeOK(inv gateway.Invoker, ev []byte) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		out, err := inv.Invoke(ctx, deploy.FunctionGet, ev)
		if err != nil {
			return fmt.Errorf("invoke: %w", err)
		}
		if !strings.Contains(string(out), `"statusCode":200`) {
			return fmt.Errorf("invoke: %.200s", out)
		}
		return nil
	}
}

// getEvent returns the API Gateway payload-2.0 event for GET target, as the
// local gateway builds it from the routes table.
func getEvent(b *testing.B, target string) []byte {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	ev, err := gateway.NewEvent(req, nil, gateway.Config{})
	if err != nil {
		b.Fatalf("event for %s: %v", target, err)
	}
	payload, err := gateway.MarshalEvent(ev)
	if err != nil {
		b.Fatalf("marshal event: %v", err)
	}
	return payload
}

// BenchmarkReportImage builds the function image for each architecture from
// a freshly compiled bootstrap and reports its compressed and uncompressed size.
func BenchmarkReportImage(b *testing.B) {
	root := rietest.RepoRoot(b)
	for _, arch := range bootstrap.Architectures {
		b.Run("arch="+arch, func(b *testing.B) {
			bin := filepath.Join(b.TempDir(), "bootstrap")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := bootstrap.Build(ctx, root, arch, bin); err != nil {
				b.Fatal(err)
			}
			var size image.Size
			for b.Loop() {
				img, err := image.Build(image.Options{Arch: arch, Bootstrap: bin})
				if err != nil {
					b.Fatal(err)
				}
				if size, err = image.SizeOf(img); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size.Uncompressed), "bytes-uncompressed")
			b.ReportMetric(float64(size.Compressed), "bytes-compressed")
		})
	}
}

// BenchmarkReportServeRSS builds ./cmd/movies, runs `movies serve` on a fresh
// embedded store (seeded with the built-in sample), sends it 500 requests
// (list and get, alternating) and reports its resident memory from
// /proc/PID/status: VmRSS now and VmHWM, the peak. Linux only.
func BenchmarkReportServeRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc (Linux)")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "movies")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/movies")
	build.Dir = rietest.RepoRoot(b)
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build ./cmd/movies: %v\n%s", err, out)
	}
	for b.Loop() {
		base, pid := startServe(b, bin, filepath.Join(dir, fmt.Sprintf("movies-%d.db", time.Now().UnixNano())))
		client := &http.Client{Timeout: requestTimeout}
		for i := range serveRSSQueries {
			u := base + "/list?limit=100"
			if i%2 == 1 {
				u = fmt.Sprintf("%s/get/%d/%s", base, benchKey.Year, benchKey.Title)
			}
			if err := fetchOK(client, u); err != nil {
				b.Fatal(err)
			}
		}
		client.CloseIdleConnections()
		b.StopTimer()
		rss, hwm, err := procMemoryKB(pid)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rss), "KB-VmRSS")
		b.ReportMetric(float64(hwm), "KB-VmHWM")
		b.StartTimer()
	}
}

// startServe starts `movies serve` on a free loopback port with the embedded
// store at dbPath, waits for its banner and returns its base URL and pid. The
// process is stopped in cleanup.
func startServe(b *testing.B, bin, dbPath string) (base string, pid int) {
	b.Helper()
	// Cancelling asks the server to shut down; WaitDelay kills it if it does not.
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--store", "file:"+dbPath)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		cancel()
		b.Fatalf("start movies serve: %v", err)
	}
	exited := make(chan struct{})
	b.Cleanup(func() {
		cancel()
		<-exited
	})
	banner := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := ""
		for sc.Scan() {
			if first == "" {
				first = sc.Text()
				banner <- first
			}
		}
		close(banner)
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case line, ok := <-banner:
		if !ok {
			b.Fatal("movies serve exited before listening")
		}
		for f := range strings.FieldsSeq(line) {
			if strings.HasPrefix(f, "http://") {
				return f, cmd.Process.Pid
			}
		}
		b.Fatalf("movies serve: no URL in %q", line)
	case <-time.After(time.Minute):
		b.Fatal("movies serve did not start within a minute")
	}
	return "", 0
}

// procMemoryKB reads VmRSS and VmHWM, in kB, from /proc/PID/status.
func procMemoryKB(pid int) (rss, hwm int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		var dst *int64
		switch f[0] {
		case "VmRSS:":
			dst = &rss
		case "VmHWM:":
			dst = &hwm
		default:
			continue
		}
		if *dst, err = strconv.ParseInt(f[1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", f[0], err)
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("no VmRSS/VmHWM in /proc/%d/status", pid)
	}
	return rss, hwm, nil
}
